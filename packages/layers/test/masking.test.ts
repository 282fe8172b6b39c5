import { memory, sum, tensor, type Tensor } from '@tessera/core';
import { checkGradients, grad } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import {
  Add, Bidirectional, Concatenate, Conv1D, Dense, Dropout, Embedding, Flatten, GRU, GlobalAveragePooling1D, LSTM, LayerNormalization, Masking, SimpleRNN, deserializeLayer, input,
  serializeLayer, type RNNBase, type SymbolicTensor,
} from '../src/index.js';
import { expectClose, randomTensor, randomValues, values } from './helpers.js';
import { gruCell, lstmCell, runRef, simpleCell, type Cell } from './rnn_ref.js';

const bools = (t: Tensor): boolean[] => Array.from(t.dataSync(), (v) => v !== 0);

function weightsOf(layer: RNNBase): { W: number[]; U: number[]; b: number[] } {
  return { W: values(layer.kernel!), U: values(layer.recurrentKernel!), b: values(layer.bias!) };
}

describe('Masking and Embedding({ maskZero })', () => {
  it('Masking zeroes steps whose features all equal maskValue and masks them', () => {
    const layer = new Masking({ maskValue: -1 });
    const x = tensor([1, 2, -1, -1, -1, 5, 0, 0, -1, -1, -1, -1], [2, 3, 2]);
    const y = layer.apply(x);
    expect(values(y)).toEqual([1, 2, 0, 0, -1, 5, 0, 0, 0, 0, 0, 0]);
    const m = layer.computeMask(x, null);
    expect(m.shape).toEqual([2, 3]);
    expect(bools(m)).toEqual([true, false, true, true, false, false]);
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer))));
    expect(copy.getConfig()).toEqual(layer.getConfig());
    expect(() => new Masking({ maskValue: Number.NaN })).toThrow(/Masking: maskValue must be a finite number, got number NaN/);
    [x, y, m].forEach((t) => t.dispose());
    [layer, copy].forEach((l) => l.dispose());
  });

  it('Embedding with maskZero masks index 0 and keeps the option in its config', () => {
    const e = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true });
    const ids = tensor([[3, 0, 1], [0, 0, 4]], [2, 3], 'int32');
    const m = e.computeMask(ids, null)!;
    expect(bools(m)).toEqual([true, false, true, false, false, true]);
    expect(e.getConfig().maskZero).toBe(true);
    const plain = new Embedding({ inputDim: 5, outputDim: 2 });
    expect(plain.computeMask(ids, null)).toBeNull();
    expect(() => new Embedding({ inputDim: 5, outputDim: 2, maskZero: 1 as unknown as boolean })).toThrow(/Embedding: maskZero must be true or false/);
    [ids, m].forEach((t) => t.dispose());
    [e, plain].forEach((l) => l.dispose());
  });
});

describe('masks in symbolic calls', () => {
  it('flow through per-timestep layers, are consumed by RNNs and pooling, and refuse layers that cannot take them', () => {
    const ids = input({ shape: [6], dtype: 'int32' });
    const e = new Embedding({ inputDim: 9, outputDim: 4, maskZero: true }).apply(ids);
    expect(ids.masked).toBe(false);
    expect(e.masked).toBe(true);
    const d = new LayerNormalization().apply(new Dropout({ rate: 0.1 }).apply(new Dense({ units: 3 }).apply(e)));
    expect(d.masked).toBe(true);
    const seq = new GRU({ units: 2, returnSequences: true }).apply(d) as SymbolicTensor;
    expect(seq.masked).toBe(true);
    const [last, state] = new LSTM({ units: 2, returnState: true }).apply(seq) as SymbolicTensor[];
    expect([last!.masked, state!.masked]).toEqual([false, false]);
    expect(new GlobalAveragePooling1D().apply(d).masked).toBe(false);
    expect(() => new Flatten({ name: 'flat' }).apply(d)).toThrow(
      /flat \(Flatten\): its input 'layer_normalization.*' carries a mask \(from Masking or Embedding with maskZero\), but Flatten does not support masking/,
    );
    expect(() => new Conv1D({ filters: 2, kernelSize: 2 }).apply(e)).toThrow(/Conv1D does not support masking/);
    const merged = new Add().apply([d, new Dense({ units: 3 }).apply(new Embedding({ inputDim: 9, outputDim: 3 }).apply(ids))]);
    expect(merged.masked).toBe(true);
  });
});

describe('masks in eager calls', () => {
  it('are checked: shape, list or not, and whether the layer takes them', () => {
    const x = randomTensor([2, 3, 4], 1);
    const good = tensor([1, 1, 0, 1, 0, 0], [2, 3], 'bool');
    const bad = tensor([1, 1, 1, 1], [2, 2], 'bool');
    const rnn = new SimpleRNN({ units: 2, name: 'rnn' });
    expect(() => rnn.apply(x, { mask: bad })).toThrow("rnn (SimpleRNN): apply's mask has shape [2,2], expected [2,3] (the input [2,3,4] without its last axis)");
    expect(() => rnn.apply(x, { mask: [good] })).toThrow(/rnn \(SimpleRNN\): apply's mask must be one tensor for the one input/);
    expect(() => new Flatten({ name: 'f' }).apply(x, { mask: good })).toThrow(/f \(Flatten\): got a mask, but Flatten does not support masking/);
    expect(() => rnn.apply(x, { mask: 'yes' as unknown as Tensor })).toThrow(/apply's mask must be a Tensor or null, got string "yes"/);
    expect(() => rnn.apply(x, { masks: good })).toThrow(/rnn\.apply: unknown option 'masks'.*mask/);
    const sym = input({ shape: [3, 4] });
    expect(() => rnn.apply(sym, { mask: good })).toThrow(/apply got a mask for symbolic inputs; in a functional model masks flow/);
    [x, good, bad].forEach((t) => t.dispose());
    rnn.dispose();
  });

  it('a float 0/1 mask works like a bool one', () => {
    const x = randomTensor([2, 3, 4], 2);
    const rnn = new SimpleRNN({ units: 2 });
    const a = rnn.apply(x, { mask: tensor([1, 1, 0, 1, 0, 0], [2, 3]) }) as Tensor;
    const b = rnn.apply(x, { mask: tensor([1, 1, 0, 1, 0, 0], [2, 3], 'bool') }) as Tensor;
    expectClose(values(a), values(b), 0);
    [x, a, b].forEach((t) => t.dispose());
    rnn.dispose();
  });
});

describe('RNNs with a mask', () => {
  const shape = [3, 5, 4];
  const maskRows = [
    [true, true, false, true, false],
    [false, true, true, true, true],
    [true, true, true, false, false],
  ];
  const cases: [string, () => RNNBase, (l: RNNBase) => Cell, number][] = [
    ['SimpleRNN', () => new SimpleRNN({ units: 3, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' }), (l) => { const w = weightsOf(l); return simpleCell(w.W, w.U, w.b, 3); }, 1],
    ['LSTM', () => new LSTM({ units: 3, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' }), (l) => { const w = weightsOf(l); return lstmCell(w.W, w.U, w.b, 3); }, 2],
    ['GRU', () => new GRU({ units: 3, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' }), (l) => { const w = weightsOf(l); return gruCell(w.W, w.U, w.b, 3); }, 1],
  ];
  for (const [name, make, cellOf, numStates] of cases) {
    it(`${name}: masked steps carry states and outputs (zeros before the first step), as Keras`, () => {
      const layer = make();
      const x = randomTensor(shape, 11);
      const mask = tensor(maskRows.flat().map(Number), [3, 5], 'bool');
      const [seq, ...states] = layer.apply(x, { mask }) as Tensor[];
      const ref = runRef(values(x), shape, cellOf(layer), 3, numStates, { mask: maskRows });
      expectClose(values(seq!), ref.outputs.flat(2));
      states.forEach((s, k) => expectClose(values(s), ref.finals.map((f) => f[k]!).flat()));
      expect(layer.computeMask(x, mask)).toBe(mask);
      [x, mask, seq!, ...states].forEach((t) => t.dispose());
      layer.dispose();
    });
  }

  it('trailing padding changes nothing: the final state equals that of the unpadded sequences', () => {
    const layer = new LSTM({ units: 3 });
    const x = randomTensor([1, 3, 2], 12);
    const padded = tensor([...values(x), 9, 9, -9, 9], [1, 5, 2]);
    const mask = tensor([1, 1, 1, 0, 0], [1, 5], 'bool');
    const a = layer.apply(x) as Tensor;
    const b = layer.apply(padded, { mask }) as Tensor;
    expectClose(values(b), values(a));
    [x, padded, mask, a, b].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('goBackwards reverses the mask with the steps', () => {
    const layer = new SimpleRNN({ units: 2, goBackwards: true, returnSequences: true });
    const x = randomTensor([2, 4, 3], 13);
    const rows = [[true, false, true, true], [false, true, true, false]];
    const mask = tensor(rows.flat().map(Number), [2, 4], 'bool');
    const seq = layer.apply(x, { mask }) as Tensor;
    const w = weightsOf(layer);
    const ref = runRef(values(x), [2, 4, 3], simpleCell(w.W, w.U, w.b, 2), 2, 1, { mask: rows, backwards: true });
    expectClose(values(seq), ref.outputs.flat(2));
    [x, mask, seq].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('masked steps get no gradient, and memory stays flat', () => {
    const layer = new GRU({ units: 2 });
    const x = randomTensor([2, 3, 2], 14);
    const mask = tensor([1, 0, 1, 1, 1, 0], [2, 3], 'bool');
    (layer.apply(x, { mask }) as Tensor).dispose();
    const before = memory().numTensors;
    const dx = grad((t: Tensor) => sum(layer.apply(t, { mask, training: true }) as Tensor))(x);
    const g = values(dx);
    // Step 1 of sample 0 and step 2 of sample 1 are masked: zero gradient there, non-zero elsewhere.
    expect(g.slice(2, 4)).toEqual([0, 0]);
    expect(g.slice(10, 12)).toEqual([0, 0]);
    expect(g.slice(0, 2).some((v) => v !== 0)).toBe(true);
    dx.dispose();
    expect(memory().numTensors).toBe(before);
    [x, mask].forEach((t) => t.dispose());
    layer.dispose();
  });
});

describe('GlobalAveragePooling1D and merges with a mask', () => {
  it('pools the mean of the unmasked steps (zeros when every step is masked)', () => {
    const pool = new GlobalAveragePooling1D();
    const x = tensor([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10], [2, 3, 2]);
    const mask = tensor([1, 1, 0, 0, 0, 0], [2, 3], 'bool');
    const y = pool.apply(x, { mask });
    expect(values(y)).toEqual([2, 3, 0, 0]);
    expect(pool.computeMask(x, mask)).toBeNull();
    const keep = new GlobalAveragePooling1D({ keepDims: true }).apply(x, { mask });
    expect(keep.shape).toEqual([2, 1, 2]);
    [x, mask, y, keep].forEach((t) => t.dispose());
  });

  it('elementwise merges AND the masks; Concatenate joins them as Keras', () => {
    const a = randomTensor([1, 3, 2], 15);
    const b = randomTensor([1, 3, 2], 16);
    const ma = tensor([1, 1, 0], [1, 3], 'bool');
    const mb = tensor([0, 1, 1], [1, 3], 'bool');
    expect(bools(new Add().computeMask([a, b], [ma, mb])!)).toEqual([false, true, false]);
    expect(bools(new Add().computeMask([a, b], [ma, null])!)).toEqual([true, true, false]);
    expect(new Add().computeMask([a, b], [null, null])).toBeNull();
    // Along the features: a position is kept if any input keeps it; along time: each keeps its own.
    expect(bools(new Concatenate().computeMask([a, b], [ma, mb])!)).toEqual([true, true, true]);
    expect(bools(new Concatenate({ axis: 1 }).computeMask([a, b], [ma, null])!)).toEqual([true, true, false, true, true, true]);
    [a, b, ma, mb].forEach((t) => t.dispose());
  });
});

describe('gradients with masks match finite differences (float64 checker)', () => {
  const cases: [string, () => import('../src/index.js').Layer, number[]][] = [
    ['LSTM, returnSequences', () => new LSTM({ units: 2, returnSequences: true, biasInitializer: 'randomNormal' }), [2, 4, 2]],
    ['Bidirectional GRU', () => new Bidirectional({ layer: new GRU({ units: 2, biasInitializer: 'randomNormal' }), mergeMode: 'mul' }), [2, 4, 2]],
    ['GlobalAveragePooling1D', () => new GlobalAveragePooling1D(), [2, 4, 2]],
  ];
  for (const [name, make, shape] of cases) {
    it(name, async () => {
      const layer = make();
      layer.build([null, ...shape.slice(1)]);
      const n = shape.reduce((a, b) => a * b, 1);
      const f = (x: Tensor): Tensor => {
        const out = layer.apply(x, { mask: tensor([1, 0, 1, 1, 1, 1, 1, 0], [2, 4], 'bool') });
        return Array.isArray(out) ? out[0]! : out;
      };
      const result = await checkGradients(f, [{ values: randomValues(n, n + 3, -1.5, 1.5), shape }], { rtol: 1e-4, atol: 1e-6, name });
      expect(result.ok).toBe(true);
      layer.dispose();
    });
  }
});
