import { setSeed, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform,
  TruncatedNormal, VarianceScaling, computeFans, getInitializer, initializers, serializeInitializer,
} from '../src/index.js';
import { values } from './helpers.js';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = values(t);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)) };
}

describe('fans', () => {
  it('follows Keras for vectors, matrices and conv kernels', () => {
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(computeFans([784, 64])).toEqual({ fanIn: 784, fanOut: 64 });
    // 3x3 kernel, 16 in, 32 out: receptive field 9.
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
  });
});

describe('variance scaling statistics on a big shape', () => {
  // [400, 600]: fanIn 400, fanOut 600, 240k draws: the sample std is within ~0.3% of the true one.
  const shape = [400, 600];
  const cases: [string, () => Tensor, number][] = [
    ['glorotUniform', () => new GlorotUniform({ seed: 1 }).apply(shape), Math.sqrt(2 / 1000)],
    ['glorotNormal', () => new GlorotNormal({ seed: 2 }).apply(shape), Math.sqrt(2 / 1000)],
    ['heNormal', () => new HeNormal({ seed: 3 }).apply(shape), Math.sqrt(2 / 400)],
    ['heUniform', () => new HeUniform({ seed: 4 }).apply(shape), Math.sqrt(2 / 400)],
    ['lecunNormal', () => new LecunNormal({ seed: 5 }).apply(shape), Math.sqrt(1 / 400)],
    ['lecunUniform', () => new LecunUniform({ seed: 6 }).apply(shape), Math.sqrt(1 / 400)],
    ['varianceScaling fanOut untruncated', () => new VarianceScaling({ scale: 3, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 7 }).apply(shape), 1 / Math.sqrt(200)],
  ];
  for (const [name, make, std] of cases) {
    it(`${name} has std ${std.toFixed(4)} (within 2%) and mean ~0`, () => {
      const t = make();
      const s = stats(t);
      expect(Math.abs(s.std - std) / std).toBeLessThan(0.02);
      expect(Math.abs(s.mean)).toBeLessThan(std * 0.02);
      t.dispose();
    });
  }

  it('uniform variants stay within ±sqrt(3·scale/n), truncated ones within 2 (rescaled) stds', () => {
    const u = new GlorotUniform({ seed: 8 }).apply(shape);
    const limit = Math.sqrt(6 / 1000);
    const su = stats(u);
    expect(su.max).toBeLessThanOrEqual(limit);
    expect(su.min).toBeGreaterThanOrEqual(-limit);
    expect(su.max).toBeGreaterThan(limit * 0.99);
    const n = new HeNormal({ seed: 9 }).apply(shape);
    const bound = (2 * Math.sqrt(2 / 400)) / 0.87962566103423978;
    const sn = stats(n);
    expect(Math.max(sn.max, -sn.min)).toBeLessThanOrEqual(bound * (1 + 1e-6));
    [u, n].forEach((t) => t.dispose());
  });

  it('uses receptive field × channels for conv kernels', () => {
    const t = new HeNormal({ seed: 10 }).apply([3, 3, 64, 128]);
    expect(Math.abs(stats(t).std - Math.sqrt(2 / 576)) / Math.sqrt(2 / 576)).toBeLessThan(0.02);
    t.dispose();
  });
});

describe('simple initializers', () => {
  it('zeros, ones, constant', () => {
    const z = getInitializer('zeros').apply([2, 3]);
    const o = getInitializer('ones').apply([4]);
    const c = new Constant({ value: 2.5 }).apply([2, 2]);
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(o)).toEqual([1, 1, 1, 1]);
    expect(values(c)).toEqual([2.5, 2.5, 2.5, 2.5]);
    [z, o, c].forEach((t) => t.dispose());
  });

  it('randomNormal / randomUniform / truncatedNormal respect their parameters', () => {
    const n = new RandomNormal({ mean: 3, stddev: 0.5, seed: 1 }).apply([20000]);
    const u = new RandomUniform({ minval: 2, maxval: 4, seed: 2 }).apply([20000]);
    const t = new TruncatedNormal({ mean: -1, stddev: 2, seed: 3 }).apply([20000]);
    const sn = stats(n);
    expect(sn.mean).toBeCloseTo(3, 1);
    expect(sn.std).toBeCloseTo(0.5, 1);
    const su = stats(u);
    expect(su.min).toBeGreaterThanOrEqual(2);
    expect(su.max).toBeLessThan(4);
    expect(su.mean).toBeCloseTo(3, 1);
    const st = stats(t);
    expect(st.min).toBeGreaterThanOrEqual(-5);
    expect(st.max).toBeLessThanOrEqual(3);
    expect(st.std).toBeCloseTo(2 * 0.8796, 1);
    [n, u, t].forEach((x) => x.dispose());
  });
});

describe('orthogonal', () => {
  function gram(v: number[], rows: number, cols: number, byRows: boolean): number[][] {
    const n = byRows ? rows : cols;
    const len = byRows ? cols : rows;
    const at = (i: number, k: number): number => (byRows ? v[i * cols + k]! : v[k * cols + i]!);
    return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < len; k++) s += at(i, k) * at(j, k);
      return s;
    }));
  }

  it('has orthonormal columns when tall, rows when wide, scaled by gain', () => {
    for (const [rows, cols, gain] of [[40, 12, 1], [8, 32, 1], [16, 16, 2]] as const) {
      const t = new Orthogonal({ gain, seed: rows + cols }).apply([rows, cols]);
      const g = gram(values(t), rows, cols, rows < cols);
      g.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - (i === j ? gain * gain : 0))).toBeLessThan(1e-5)));
      t.dispose();
    }
  });

  it('treats higher-rank shapes as [prod(shape[:-1]), shape[-1]] and rejects vectors', () => {
    const t = new Orthogonal({ seed: 1 }).apply([2, 3, 10]);
    const g = gram(values(t), 6, 10, true);
    g.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - (i === j ? 1 : 0))).toBeLessThan(1e-5)));
    t.dispose();
    expect(() => new Orthogonal().apply([5])).toThrow(/rank >= 2/);
  });
});

describe('seeds', () => {
  it('a seeded initializer repeats its values; different seeds differ', () => {
    const a = new GlorotUniform({ seed: 42 }).apply([10, 10]);
    const b = new GlorotUniform({ seed: 42 }).apply([10, 10]);
    const c = new GlorotUniform({ seed: 43 }).apply([10, 10]);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    const o1 = new Orthogonal({ seed: 5 }).apply([6, 6]);
    const o2 = new Orthogonal({ seed: 5 }).apply([6, 6]);
    expect(values(o1)).toEqual(values(o2));
    [a, b, c, o1, o2].forEach((t) => t.dispose());
  });

  it('unseeded initializers draw from the global seed: setSeed makes them repeat', () => {
    const draw = (): number[][] => {
      setSeed(7);
      const ts = [new HeNormal().apply([5, 5]), new Orthogonal().apply([4, 4]), new RandomUniform().apply([9])];
      const out = ts.map(values);
      ts.forEach((t) => t.dispose());
      return out;
    };
    const first = draw();
    expect(draw()).toEqual(first);
    // Consecutive unseeded calls differ.
    expect(first[0]).not.toEqual(values(new HeNormal().apply([5, 5])));
  });
});

describe('registry', () => {
  it('resolves every spelling and round-trips through serialization', () => {
    for (const name of ['glorotUniform', 'glorot_uniform', 'GlorotUniform', 'he_normal', 'lecunUniform', 'orthogonal', 'truncated_normal', 'uniform', 'normal', 'zeros', 'Ones']) {
      expect(getInitializer(name)).toBeDefined();
    }
    const inits = [
      new GlorotNormal({ seed: 3 }), new VarianceScaling({ scale: 2, mode: 'fan_avg', distribution: 'uniform', seed: 1 }),
      new Orthogonal({ gain: 0.5 }), new Constant({ value: 4 }), new RandomNormal({ mean: 1, stddev: 2, seed: 9 }), initializers.heUniform(),
    ];
    for (const init of inits) {
      const s = serializeInitializer(init);
      const again = getInitializer(JSON.parse(JSON.stringify(s)));
      expect(again.className).toBe(init.className);
      expect(again.getConfig()).toEqual(init.getConfig());
    }
    const a = new VarianceScaling({ mode: 'fan_out' });
    expect(a.mode).toBe('fanOut');
  });

  it('rejects unknown names and options clearly', () => {
    expect(() => getInitializer('glorotUniformish')).toThrow(/unknown initializer 'glorotUniformish' \(known: .*GlorotUniform/);
    expect(() => getInitializer({ className: 'GlorotUniform', config: { scale: 2 } })).toThrow(/GlorotUniform has no option 'scale'/);
    expect(() => getInitializer({ className: 'Zeros', config: { seed: 1 } })).toThrow(/Zeros has no option 'seed'/);
    expect(() => new RandomUniform({ minval: 1, maxval: 0 })).toThrow(/maxval/);
    expect(() => new VarianceScaling({ mode: 'fanMiddle' as 'fanIn' })).toThrow(/mode must be one of/);
    expect(() => new HeNormal({ seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => getInitializer(42 as unknown as string)).toThrow(/expected an initializer name/);
  });
});
