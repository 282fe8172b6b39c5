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

/** The first layer's weights as images: Dense [784, units] → units 28×28 tiles; Conv2D → filters. */
export interface FilterImages {
  title: string;
  width: number;
  height: number;
  /** One Float32Array of width·height values per tile. */
  tiles: Float32Array[];
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
  | { type: 'done'; stopped: boolean; test: TestReport; seconds: number; samplesPerSec: number }
  | { type: 'model'; info: ModelInfo; filters: FilterImages }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'saved'; location: string }
  | { type: 'artifacts'; artifacts: ModelArtifacts }
  | { type: 'bench'; result: ThroughputResult; backend: string; threads: number }
  | { type: 'error'; context: string; message: string };
