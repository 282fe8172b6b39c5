// Float64 references for recurrent layers on small inputs: plain loops over samples and steps.
import { sigmoidRef } from './helpers.js';

/** Row vector [n] times matrix [n, m] (row-major). */
export function vecMat(v: number[], w: number[], m: number): number[] {
  const out = new Array<number>(m).fill(0);
  v.forEach((x, i) => {
    for (let j = 0; j < m; j++) out[j]! += x * w[i * m + j]!;
  });
  return out;
}

export const addV = (a: number[], b: number[]): number[] => a.map((v, i) => v + b[i]!);
export const block = (v: number[], k: number, u: number): number[] => v.slice(k * u, (k + 1) * u);

/** One step: input features and states in, new states out (the first is the output). */
export type Cell = (x: number[], states: number[][]) => number[][];

export interface RefOptions {
  backwards?: boolean;
  /** [batch][time]: false steps are skipped (states and output carried, as Keras). */
  mask?: boolean[][];
  /** [batch][state][units] */
  initial?: number[][][];
}

/** Runs a cell over every sample; returns per-sample outputs per processed step and the final states. */
export function runRef(x: ArrayLike<number>, [batch, time, features]: number[], cell: Cell, units: number, numStates: number, opts: RefOptions = {}) {
  const outputs: number[][][] = [];
  const finals: number[][][] = [];
  for (let b = 0; b < batch; b++) {
    let states = opts.initial?.[b]?.map((s) => [...s]) ?? Array.from({ length: numStates }, () => new Array<number>(units).fill(0));
    let out = new Array<number>(units).fill(0);
    const seq: number[][] = [];
    for (let s = 0; s < time; s++) {
      const t = opts.backwards ? time - 1 - s : s;
      const xt = Array.from(x).slice((b * time + t) * features, (b * time + t + 1) * features);
      if (!opts.mask || opts.mask[b]![t]) {
        states = cell(xt, states);
        out = states[0]!;
      }
      seq.push(out);
    }
    outputs.push(seq);
    finals.push(states);
  }
  return { outputs, finals };
}

export const simpleCell = (W: number[], U: number[], b: number[], u: number): Cell => (xt, [h]) => [addV(addV(vecMat(xt, W, u), vecMat(h!, U, u)), b).map(Math.tanh)];

export const lstmCell = (W: number[], U: number[], b: number[], u: number): Cell => (xt, [h, c]) => {
  const z = addV(addV(vecMat(xt, W, 4 * u), vecMat(h!, U, 4 * u)), b);
  const i = block(z, 0, u).map(sigmoidRef);
  const f = block(z, 1, u).map(sigmoidRef);
  const g = block(z, 2, u).map(Math.tanh);
  const o = block(z, 3, u).map(sigmoidRef);
  const cNext = c!.map((cv, k) => f[k]! * cv + i[k]! * g[k]!);
  return [cNext.map((cv, k) => o[k]! * Math.tanh(cv)), cNext];
};

/** GRU with resetAfter (Keras's default): bias [2, 3u] = input bias then recurrent bias. */
export const gruCell = (W: number[], U: number[], b: number[], u: number): Cell => (xt, [h]) => {
  const xw = addV(vecMat(xt, W, 3 * u), b.slice(0, 3 * u));
  const inner = addV(vecMat(h!, U, 3 * u), b.slice(3 * u));
  const z = addV(block(xw, 0, u), block(inner, 0, u)).map(sigmoidRef);
  const r = addV(block(xw, 1, u), block(inner, 1, u)).map(sigmoidRef);
  const hh = block(xw, 2, u).map((v, k) => Math.tanh(v + r[k]! * block(inner, 2, u)[k]!));
  return [h!.map((hv, k) => z[k]! * hv + (1 - z[k]!) * hh[k]!)];
};
