import { ENGINE, fusedMatMul, profile, setSeed, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Activation, Dense, Dropout, Flatten, Rescaling, Reshape, deserializeLayer, getActivation, serializeLayer } from '../src/index.js';
import { expectClose, expectGradientsFlow, matmulRef, randomTensor, sigmoidRef, values } from './helpers.js';

describe('Dense', () => {
  const refs: Record<string, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(v, 0),
    sigmoid: sigmoidRef,
    tanh: Math.tanh,
    elu: (v) => (v > 0 ? v : Math.expm1(v)),
    softplus: (v) => Math.log1p(Math.exp(v)),
  };
  for (const [name, f] of Object.entries(refs)) {
    it(`computes ${name}(x·W + b) like a plain-JS reference`, () => {
      const d = new Dense({ units: 5, activation: name, biasInitializer: { className: 'RandomNormal', config: { seed: 2 } } });
      const x = randomTensor([4, 7], 1);
      const y = d.apply(x);
      expect(y.shape).toEqual([4, 5]);
      const b = values(d.bias!);
      const ref = matmulRef(values(x), values(d.kernel!), 4, 7, 5).map((v, i) => f(v + b[i % 5]!));
      expectClose(values(y), ref);
      [x, y].forEach((t) => t.dispose());
      d.dispose();
    });
  }

  it('applies softmax over the units', () => {
    const d = new Dense({ units: 3, activation: 'softmax' });
    const x = randomTensor([6, 4], 3);
    const y = d.apply(x);
    const v = values(y);
    for (let r = 0; r < 6; r++) expect(v.slice(r * 3, r * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const z = matmulRef(values(x), values(d.kernel!), 6, 4, 3);
    for (let r = 0; r < 6; r++) {
      const row = z.slice(r * 3, r * 3 + 3);
      const m = Math.max(...row);
      const e = row.map((q) => Math.exp(q - m));
      const s = e.reduce((a, b) => a + b, 0);
      expectClose(v.slice(r * 3, r * 3 + 3), e.map((q) => q / s));
    }
    [x, y].forEach((t) => t.dispose());
    d.dispose();
  });

  it('uses one fused kernel for linear/relu/sigmoid/tanh', () => {
    const d = new Dense({ units: 3, activation: 'relu' });
    const x = randomTensor([2, 4], 4);
    d.build([null, 4]);
    const { result, kernels } = profile(() => d.apply(x));
    expect(ENGINE.hasKernel('FusedMatMul')).toBe(true);
    expect(kernels.map((k) => k.kernel)).toEqual(['FusedMatMul']);
    const ref = fusedMatMul({ a: x, b: d.kernel!, bias: d.bias!, activation: 'relu' });
    expect(values(result)).toEqual(values(ref));
    [x, result, ref].forEach((t) => t.dispose());
    d.dispose();
  });

  it('maps over leading axes of rank-3 inputs and without bias', () => {
    const d = new Dense({ units: 2, useBias: false });
    const x = randomTensor([2, 3, 4], 5);
    const y = d.apply(x);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(d.computeOutputShape([null, 3, 4])).toEqual([null, 3, 2]);
    expectClose(values(y), matmulRef(values(x), values(d.kernel!), 6, 4, 2));
    expect(d.weights.length).toBe(1);
    [x, y].forEach((t) => t.dispose());
    d.dispose();
  });

  it('rejects bad options and unknown input widths', () => {
    expect(() => new Dense({ units: 0 })).toThrow(/Dense: units must be a positive integer, got number 0/);
    expect(() => new Dense({ units: 2.5 })).toThrow(/units must be a positive integer/);
    expect(() => new Dense({ units: 2, useBias: 1 as unknown as boolean })).toThrow(/useBias must be true or false/);
    expect(() => new Dense({ units: 2 }).build([null, null])).toThrow(/known last dimension, got \[null,null\]/);
    expect(() => new Dense({ units: 2 }).build([null])).toThrow(/rank >= 2/);
    expect(() => new Dense({ units: 2, dtype: 'int32' })).toThrow(/dtype 'int32' is not supported/);
  });

  it('gradients reach kernel and bias', () => {
    const d = new Dense({ units: 3, activation: 'tanh' });
    const x = randomTensor([4, 5], 6);
    expectGradientsFlow(d, x);
    x.dispose();
    d.dispose();
  });
});

describe('Activation', () => {
  it('applies each named activation', () => {
    const x = tensor([-3, -0.5, 0, 0.5, 3, 8]);
    const ref: Record<string, (v: number) => number> = {
      relu6: (v) => Math.min(Math.max(v, 0), 6),
      leaky_relu: (v) => (v > 0 ? v : 0.2 * v),
      selu: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)),
      swish: (v) => v * sigmoidRef(v),
      gelu: (v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2)),
      linear: (v) => v,
    };
    for (const [name, f] of Object.entries(ref)) {
      const a = new Activation({ activation: name });
      const y = a.apply(x);
      expectClose(values(y), values(x).map(f), 1e-4);
      expect(a.computeOutputShape([null, 6])).toEqual([null, 6]);
      y.dispose();
    }
    expect(getActivation('leakyRelu')).toBe(getActivation('leaky_relu'));
    expect(() => new Activation({ activation: 'nope' })).toThrow(/unknown activation 'nope'/);
    x.dispose();
  });

  it('returns a new tensor for linear (disposing it leaves the input alive)', () => {
    const x = tensor([1, 2]);
    const y = new Activation({ activation: 'linear' }).apply(x);
    expect(y).not.toBe(x);
    y.dispose();
    expect(values(x)).toEqual([1, 2]);
    x.dispose();
  });
});

// The Maclaurin series, accurate to ~1e-10 for |x| < 4; beyond, erf is ±1 within 2e-8.
function erfRef(x: number): number {
  if (Math.abs(x) >= 4) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('Flatten and Reshape', () => {
  it('Flatten keeps the batch and flattens the rest', () => {
    const f = new Flatten();
    const x = randomTensor([2, 3, 4, 5], 1);
    const y = f.apply(x);
    expect(y.shape).toEqual([2, 60]);
    expect(values(y)).toEqual(values(x));
    expect(f.computeOutputShape([null, 3, 4, 5])).toEqual([null, 60]);
    expect(f.computeOutputShape([null, null, 4])).toEqual([null, null]);
    expect(f.computeOutputShape([null])).toEqual([null, 1]);
    const v = tensor([1, 2, 3]);
    const fv = new Flatten().apply(v);
    expect(fv.shape).toEqual([3, 1]);
    [x, y, v, fv].forEach((t) => t.dispose());
  });

  it('Reshape resolves -1 and reports impossible shapes', () => {
    const r = new Reshape({ targetShape: [3, -1] });
    const x = randomTensor([2, 12], 2);
    const y = r.apply(x);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(r.computeOutputShape([null, 12])).toEqual([null, 3, 4]);
    expect(r.computeOutputShape([null, null])).toEqual([null, 3, null]);
    const bad = randomTensor([2, 10], 3);
    expect(() => new Reshape({ targetShape: [4, 2] }).apply(bad)).toThrow(/cannot reshape an input of shape \[2,10\] \(10 values per sample\) to \[4,2\]/);
    expect(() => new Reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1/);
    [x, y, bad].forEach((t) => t.dispose());
  });
});

describe('Rescaling', () => {
  it('computes x * scale + offset, casts integer inputs, and survives serialisation', () => {
    const r = new Rescaling({ scale: 1 / 0.3081, offset: -0.1307 / 0.3081 });
    const x = randomTensor([3, 5], 4);
    const y = r.apply(x);
    expectClose(values(y), values(x).map((v) => v / 0.3081 - 0.1307 / 0.3081));
    const xi = tensor(new Int32Array([0, 255]), [1, 2], 'int32');
    const yi = new Rescaling({ scale: 1 / 255 }).apply(xi);
    expect(yi.dtype).toBe('float32');
    expectClose(values(yi), [0, 1]);
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(r)))) as Rescaling;
    expect([copy.scale, copy.offset]).toEqual([r.scale, r.offset]);
    expect(r.countParams()).toBe(0);
    expect(() => new Rescaling({ scale: Number.NaN })).toThrow(/Rescaling: scale must be a finite number, got number NaN/);
    [x, y, xi, yi].forEach((t) => t.dispose());
    r.dispose();
    copy.dispose();
  });
});

describe('Dropout', () => {
  it('is the identity at inference and scales the kept inputs by 1/(1 - rate) while training', () => {
    const d = new Dropout({ rate: 0.25, seed: 1 });
    const x = randomTensor([200, 50], 2, 0.5, 1.5);
    const inf = d.apply(x);
    expect(values(inf)).toEqual(values(x));
    const y = d.apply(x, { training: true });
    const xv = values(x);
    const yv = values(y);
    let zeros = 0;
    yv.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(Math.abs(v - xv[i]! / 0.75)).toBeLessThan(1e-5);
    });
    // 10 000 draws: the dropped fraction is within 3.5 sigma (~0.015) of the rate.
    expect(Math.abs(zeros / yv.length - 0.25)).toBeLessThan(0.015);
    // The expected sum is preserved (inverted dropout).
    const sx = xv.reduce((a, b) => a + b, 0);
    const sy = yv.reduce((a, b) => a + b, 0);
    expect(Math.abs(sy - sx) / sx).toBeLessThan(0.02);
    [x, inf, y].forEach((t) => t.dispose());
    d.dispose();
  });

  it('draws a new mask every call; the sequence repeats for a seed and under setSeed', () => {
    const x = randomTensor([4, 25], 3, 1, 2);
    const run = (layer: Dropout): number[][] => [0, 1].map(() => {
      const y = layer.apply(x, { training: true });
      const v = values(y);
      y.dispose();
      return v;
    });
    const a = run(new Dropout({ rate: 0.5, seed: 9 }));
    const b = run(new Dropout({ rate: 0.5, seed: 9 }));
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
    setSeed(11);
    const c = run(new Dropout({ rate: 0.5 }));
    setSeed(11);
    const d = run(new Dropout({ rate: 0.5 }));
    expect(c).toEqual(d);
    x.dispose();
  });

  it('rate 0 keeps everything; bad rates are rejected', () => {
    const x = tensor([1, 2, 3]);
    const y = new Dropout({ rate: 0 }).apply(x, { training: true });
    expect(values(y)).toEqual([1, 2, 3]);
    expect(() => new Dropout({ rate: 1 })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => new Dropout({ rate: -0.1 })).toThrow(/rate/);
    [x, y].forEach((t: Tensor) => t.dispose());
  });
});
