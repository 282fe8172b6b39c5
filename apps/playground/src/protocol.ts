// Messages between the page (main.ts) and the training worker (worker.ts).
import type { ModelArtifacts } from '@tessera/models';
import type { DatasetName } from './data-index.js';
import type { BatchReport, TestReport, ThroughputResult, TrainConfig } from './training.js';

export type BackendChoice = 'cpu' | 'wasm' | 'webgpu';

export type ToWorker =
  | { type: 'load-data'; dataset: DatasetName }
  | { type: 'train'; config: TrainConfig; backend: BackendChoice; threads: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'save-indexeddb'; name: string }
  | { type: 'load-indexeddb'; name: string }
  | { type: 'export' }
  | { type: 'import'; files: File[] }
  | { type: 'bench'; threads: number };

export interface BackendInfo {
  name: BackendChoice;
  available: boolean;
  /** Why it cannot run here (listBackends()'s failure, or what is missing). */
  reason?: string;
}

/**
 * The first layer's weights as images (Dense [784, units] → units 28×28 tiles; Conv2D → filters),
 * painted by the worker into one bitmap; null where the model's first layer gives no images.
 */
export interface FilterImages {
  title: string;
  /** How many tiles the image holds. */
  tiles: number;
  image: ImageBitmap | null;
}

/** The test set's results as the page shows them: the wrong answers' images as one PNG, a 28×28 tile each, in order, one above the other. */
export interface TestSummary extends Omit<TestReport, 'wrong'> {
  wrong: { label: number; predicted: number }[];
  wrongImages: Blob | null;
}

export interface ModelInfo {
  name: string;
  params: number;
  layers: string;
  source: string;
}

export type FromWorker =
  | { type: 'ready'; backends: BackendInfo[]; isolated: boolean; maxThreads: number }
  | { type: 'data-progress'; loaded: number; total: number }
  | { type: 'data-ready'; dataset: DatasetName; train: number; test: number; classNames: string[] }
  | { type: 'started'; backend: string; threads: number; steps: number }
  | { type: 'batch'; report: BatchReport }
  | { type: 'paused' | 'resumed' }
  | { type: 'done'; stopped: boolean; test: TestSummary; seconds: number; samplesPerSec: number }
  | { type: 'model'; info: ModelInfo; filters: FilterImages }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'saved'; location: string }
  | { type: 'artifacts'; artifacts: ModelArtifacts }
  | { type: 'bench'; result: ThroughputResult; backend: string; threads: number }
  | { type: 'error'; context: string; message: string };
