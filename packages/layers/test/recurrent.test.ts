import { type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, SimpleRNN, type RNNBase } from '../src/index.js';
import { expectClose, expectGradientsFlow, randomTensor, sigmoidRef, values } from './helpers.js';

/** Row vector [n] times matrix [n, m] (row-major). */
function vecMat(v: number[], w: number[], m: number): number[] {
  const out = new Array<number>(m).fill(0);
  v.forEach((x, i) => {
    for (let j = 0; j < m; j++) out[j]! += x * w[i * m + j]!;
  });
  return out;
}

const add = (a: number[], b: number[]): number[] => a.map((v, i) => v + b[i]!);
const block = (v: number[], k: number, u: number): number[] => v.slice(k * u, (k + 1) * u);

type Cell = (x: number[], states: number[][]) => number[][];

/** Runs a cell over every sample's sequence; returns per-sample outputs per step and final states. */
function runRef(x: number[], [batch, time, features]: number[], cell: Cell, units: number, numStates: number, backwards = false) {
  const outputs: number[][][] = [];
  const finals: number[][][] = [];
  for (let b = 0; b < batch; b++) {
    let states = Array.from({ length: numStates }, () => new Array<number>(units).fill(0));
    const seq: number[][] = [];
    for (let s = 0; s < time; s++) {
      const t = backwards ? time - 1 - s : s;
      const xt = x.slice((b * time + t) * features, (b * time + t + 1) * features);
      states = cell(xt, states);
      seq.push(states[0]!);
    }
    outputs.push(seq);
    finals.push(states);
  }
  return { outputs, finals };
}

function weightsOf(layer: RNNBase): { W: number[]; U: number[]; b: number[] } {
  return { W: values(layer.kernel!), U: values(layer.recurrentKernel!), b: values(layer.bias!) };
}

const shape = [3, 4, 5];
const units = 6;

describe('SimpleRNN', () => {
  it('matches h = tanh(x·W + h·U + b) over a sequence, returning sequences and state', () => {
    const layer = new SimpleRNN({ units, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' });
    const x = randomTensor(shape, 1);
    const [seq, h] = layer.apply(x) as Tensor[];
    const { W, U, b } = weightsOf(layer);
    const ref = runRef(values(x), shape, (xt, [hp]) => [add(add(vecMat(xt, W, units), vecMat(hp!, U, units)), b).map(Math.tanh)], units, 1);
    expect(seq!.shape).toEqual([3, 4, units]);
    expect(h!.shape).toEqual([3, units]);
    expectClose(values(seq!), ref.outputs.flat(2));
    expectClose(values(h!), ref.finals.map((s) => s[0]!).flat());
    expect(layer.computeOutputShapes([null, 4, 5])).toEqual([[null, 4, units], [null, units]]);
    [x, seq!, h!].forEach((t) => t.dispose());
    layer.dispose();
  });
});

describe('LSTM', () => {
  const lstmCell = (W: number[], U: number[], b: number[], u: number): Cell => (xt, [h, c]) => {
    const z = add(add(vecMat(xt, W, 4 * u), vecMat(h!, U, 4 * u)), b);
    const i = block(z, 0, u).map(sigmoidRef);
    const f = block(z, 1, u).map(sigmoidRef);
    const g = block(z, 2, u).map(Math.tanh);
    const o = block(z, 3, u).map(sigmoidRef);
    const cNext = c!.map((cv, k) => f[k]! * cv + i[k]! * g[k]!);
    return [cNext.map((cv, k) => o[k]! * Math.tanh(cv)), cNext];
  };

  it('one step matches the cell equations (gates i, f, c, o) with the unit forget bias', () => {
    const layer = new LSTM({ units, returnState: true });
    const x = randomTensor([2, 1, 5], 2);
    const [out, h, c] = layer.apply(x) as Tensor[];
    const { W, U, b } = weightsOf(layer);
    // unitForgetBias: zeros except ones for the forget gate.
    expect(b).toEqual([...new Array(units).fill(0), ...new Array(units).fill(1), ...new Array(2 * units).fill(0)]);
    const ref = runRef(values(x), [2, 1, 5], lstmCell(W, U, b, units), units, 2);
    expectClose(values(out!), ref.outputs.flat(2));
    expectClose(values(h!), ref.finals.map((s) => s[0]!).flat());
    expectClose(values(c!), ref.finals.map((s) => s[1]!).flat());
    [x, out!, h!, c!].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('a sequence (last output, and backwards) matches the reference', () => {
    for (const goBackwards of [false, true]) {
      const layer = new LSTM({ units, goBackwards, biasInitializer: 'randomUniform', unitForgetBias: false });
      const x = randomTensor(shape, 3);
      const y = layer.apply(x) as Tensor;
      expect(y.shape).toEqual([3, units]);
      expect(layer.computeOutputShape([null, null, 5])).toEqual([null, units]);
      const { W, U, b } = weightsOf(layer);
      const ref = runRef(values(x), shape, lstmCell(W, U, b, units), units, 2, goBackwards);
      expectClose(values(y), ref.outputs.map((seq) => seq[seq.length - 1]!).flat());
      [x, y].forEach((t) => t.dispose());
      layer.dispose();
    }
  });

  it('recurrent kernel is orthogonal by default and gradients reach every weight', () => {
    const layer = new LSTM({ units: 4, returnSequences: true });
    const x = randomTensor([2, 3, 3], 4);
    expectGradientsFlow(layer, x);
    const U = values(layer.recurrentKernel!); // [4, 16]: orthonormal rows
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 16; k++) s += U[i * 16 + k]! * U[j * 16 + k]!;
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-5);
      }
    x.dispose();
    layer.dispose();
  });

  it('rejects inputs that are not [batch, time, features]', () => {
    const layer = new LSTM({ units: 2 });
    const x = randomTensor([2, 3], 5);
    expect(() => layer.apply(x)).toThrow(/expects inputs \[batch, time, features\] with known features, got \[null,3\]/);
    layer.build([null, 4, 3]);
    const other = randomTensor([2, 4, 2], 6);
    expect(() => layer.apply(other)).toThrow(/got an input of shape \[2,4,2\], expected rank 3 with axis 2 of size 3/);
    [x, other].forEach((t) => t.dispose());
    layer.dispose();
  });
});

describe('GRU', () => {
  const gruCell = (W: number[], U: number[], b: number[], u: number, resetAfter: boolean): Cell => (xt, [h]) => {
    const bi = resetAfter ? b.slice(0, 3 * u) : b;
    const xw = add(vecMat(xt, W, 3 * u), bi);
    if (resetAfter) {
      const inner = add(vecMat(h!, U, 3 * u), b.slice(3 * u));
      const z = add(block(xw, 0, u), block(inner, 0, u)).map(sigmoidRef);
      const r = add(block(xw, 1, u), block(inner, 1, u)).map(sigmoidRef);
      const hh = block(xw, 2, u).map((v, k) => Math.tanh(v + r[k]! * block(inner, 2, u)[k]!));
      return [h!.map((hv, k) => z[k]! * hv + (1 - z[k]!) * hh[k]!)];
    }
    const hu = vecMat(h!, U, 3 * u);
    const z = add(block(xw, 0, u), block(hu, 0, u)).map(sigmoidRef);
    const r = add(block(xw, 1, u), block(hu, 1, u)).map(sigmoidRef);
    const rh = h!.map((hv, k) => r[k]! * hv);
    // (r·h)·U_h, where U_h is the last third of U's columns.
    const Uh: number[] = [];
    for (let i = 0; i < u; i++) Uh.push(...U.slice(i * 3 * u + 2 * u, (i + 1) * 3 * u));
    const hh = add(block(xw, 2, u), vecMat(rh, Uh, u)).map(Math.tanh);
    return [h!.map((hv, k) => z[k]! * hv + (1 - z[k]!) * hh[k]!)];
  };

  for (const resetAfter of [true, false]) {
    it(`resetAfter=${resetAfter}: one step and a whole sequence match the cell equations`, () => {
      const layer = new GRU({ units, resetAfter, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' });
      const x = randomTensor(shape, 7);
      const [seq, h] = layer.apply(x) as Tensor[];
      const { W, U, b } = weightsOf(layer);
      expect(layer.bias!.shape).toEqual(resetAfter ? [2, 3 * units] : [3 * units]);
      const ref = runRef(values(x), shape, gruCell(W, U, b, units, resetAfter), units, 1);
      expect(seq!.shape).toEqual([3, 4, units]);
      expectClose(values(seq!), ref.outputs.flat(2));
      expectClose(values(h!), ref.finals.map((s) => s[0]!).flat());
      [x, seq!, h!].forEach((t) => t.dispose());
      layer.dispose();
    });

    it(`resetAfter=${resetAfter}: gradients reach every weight`, () => {
      const layer = new GRU({ units: 3, resetAfter, biasInitializer: 'randomNormal' });
      const x = randomTensor([2, 3, 2], 8);
      expectGradientsFlow(layer, x);
      x.dispose();
      layer.dispose();
    });
  }
});

describe('SimpleRNN gradients', () => {
  it('reach kernel, recurrent kernel and bias', () => {
    const layer = new SimpleRNN({ units: 3, activation: 'relu', biasInitializer: 'ones' });
    const x = randomTensor([2, 4, 2], 9);
    expectGradientsFlow(layer, x);
    x.dispose();
    layer.dispose();
  });
});
