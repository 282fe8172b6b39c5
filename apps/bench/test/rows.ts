// What the runner's smoke tests share: the tiny run, the rows it must produce, and the checks
// every row must pass (Node: bench.test.ts; headless Chromium: browser.test.ts).
import { expect } from 'vitest';
import { ratioOf, type BenchOptions, type Row } from '../src/index.js';

/** Every suite on tiny sizes: seconds, not minutes. */
export const TINY: BenchOptions = {
  matmulSizes: [16], convBatch: 2, bandwidthSize: 4096, softmaxCe: [8, 10],
  mlpSteps: 1, lenetSteps: 1, cnnSteps: 1, mlpBatch: 16, lenetBatch: 4, cnnBatch: 2,
  inference: [['mlp', 1], ['mlp', 3], ['lenet5', 1], ['lenet5', 3]],
  onnxInference: [['mlp', 1], ['lenet5', 3]],
  minMs: 1, warmup: 1, rounds: 1, webgpuScale: 1,
  sweep: { sizes: [8, 16], threads: [1, 2], minMs: 1, mlpSteps: 1 },
  log: () => {},
};

/** A row as 'benchmark | contender | peer' ('n/a' where the peer could not run it). */
export function rowSummary(rows: Row[]): string[] {
  return rows.map((r) => `${r.benchmark} | ${r.contender} | ${r.peerName}${r.peer === null ? ' n/a' : ''}`);
}

/**
 * The rows TINY yields for these Tessera contenders, each against its TF.js peer, and the wasm ones
 * against ONNX Runtime (`onnx`: onnxruntime-node or onnxruntime-web) on as many threads.
 */
export function expectedRows(contenders: string[], onnx: string): string[] {
  const training = (model: string, batch: number, tessera: string, peers: string[]): string[] => [
    ...peers.map((p) => `${model} training (batch ${batch}) | ${tessera} | ${p}`),
    `peak tensor memory, ${model} training (batch ${batch}) step | ${tessera} | ${peers[peers.length - 1]!.replace(' n/a', '')}`,
  ];
  // TF.js's wasm backend has no conv2d filter gradient: those rows say n/a, and its CNNs train on TF.js cpu instead.
  const pairing = (tessera: string): string[] => {
    const peer = `tfjs ${tessera.split(' ')[0]}`;
    const convBack = peer === 'tfjs wasm' ? 'tfjs wasm n/a' : peer;
    const cnnPeers = peer === 'tfjs wasm' ? ['tfjs wasm n/a', 'tfjs cpu'] : [peer];
    return [
      `matmul 16³ | ${tessera} | ${peer}`,
      `conv2d forward, LeNet-5 conv2 6→16 (2×13×13×6 * 3×3×6×16) | ${tessera} | ${peer}`,
      `conv2d backward (input + filter), LeNet-5 conv2 6→16 | ${tessera} | ${convBack}`,
      `conv2d forward, CNN conv2 32→64 (2×14×14×32 * 3×3×32×64) | ${tessera} | ${peer}`,
      `conv2d backward (input + filter), CNN conv2 32→64 | ${tessera} | ${convBack}`,
      `add, 8 in a row, 4k float32 | ${tessera} | ${peer}`,
      `sum to a scalar, 4k float32 | ${tessera} | ${peer}`,
      `softmax cross-entropy + gradient, 8×10 | ${tessera} | ${peer}`,
      ...training('MLP 784-128-10', 16, tessera, [peer]),
      ...training('LeNet-5', 4, tessera, cnnPeers),
      ...training('CNN 32/64', 2, tessera, cnnPeers),
      `MLP 784-128-10 inference, batch 1 | ${tessera} | ${peer}`,
      `MLP 784-128-10 inference, batch 3 | ${tessera} | ${peer}`,
      `LeNet-5 inference, batch 1 | ${tessera} | ${peer}`,
      `LeNet-5 inference, batch 3 | ${tessera} | ${peer}`,
      ...(tessera.startsWith('wasm') ? [`MLP 784-128-10 inference, batch 1 | ${tessera} | ${onnx} ${tessera.split(' ')[1]}`, `LeNet-5 inference, batch 3 | ${tessera} | ${onnx} ${tessera.split(' ')[1]}`] : []),
    ];
  };
  return contenders.flatMap(pairing);
}

/**
 * Every number is finite and positive, comes with the spread behind it (min–max of repeats or
 * rounds; peak memory is counted once, exactly) which holds it, and the ratio is the unit's.
 */
export function expectSpreadsAndRatios(rows: Row[]): void {
  const within = (v: number, [lo, hi]: [number, number]): boolean => lo <= v * (1 + 1e-9) && v <= hi * (1 + 1e-9);
  for (const r of rows) {
    expect(Number.isFinite(r.tessera) && r.tessera > 0, `${r.benchmark}: Tessera ${r.tessera}`).toBe(true);
    if (r.unit !== 'MB') {
      expect(r.range, r.benchmark).toBeDefined();
      expect(within(r.tessera, r.range!.tessera), `${r.benchmark}: ${r.tessera} in ${r.range!.tessera}`).toBe(true);
      if (r.peer !== null && r.range!.peer) expect(within(r.peer, r.range!.peer), `${r.benchmark}: peer ${r.peer} in ${r.range!.peer}`).toBe(true);
    }
    if (r.peer === null) expect(r.ratio).toBeNull();
    else {
      expect(Number.isFinite(r.peer) && r.peer > 0, `${r.benchmark}: peer ${r.peer}`).toBe(true);
      expect(r.ratio).toBeCloseTo(ratioOf(r.unit, r.tessera, r.peer), 10);
    }
  }
}
