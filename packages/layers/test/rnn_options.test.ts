import { concat, memory, mul, setSeed, sum, tensor, type Tensor } from '@tessera/core';
import { variableGrads } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import { Bidirectional, GRU, LSTM, SimpleRNN, deserializeLayer, input, layers, serializeLayer, type RNNBase } from '../src/index.js';
import { expectClose, expectGradientsFlow, randomTensor, values } from './helpers.js';
import { expectRoundTrip } from './roundtrip.js';
import { gruCell, lstmCell, runRef, simpleCell } from './rnn_ref.js';

function weightsOf(layer: RNNBase): { W: number[]; U: number[]; b: number[] } {
  return { W: values(layer.kernel!), U: values(layer.recurrentKernel!), b: values(layer.bias!) };
}

const eye4 = (): number[] => Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));

function setKernel(layer: RNNBase, which: 'kernel' | 'recurrentKernel', v: number[]): void {
  const t = tensor(v, [4, 4]);
  layer[which]!.assign(t);
  t.dispose();
}

const split2 = (v: number[], batch: number): number[][] => Array.from({ length: batch }, (_, i) => v.slice((i * v.length) / batch, ((i + 1) * v.length) / batch));

describe('initial states', () => {
  it('LSTM starts from [h, c] and GRU from h, as the reference', () => {
    const x = randomTensor([2, 3, 2], 1);
    const lstm = new LSTM({ units: 3, returnState: true, biasInitializer: 'randomNormal' });
    const h0 = randomTensor([2, 3], 2);
    const c0 = randomTensor([2, 3], 3);
    const [y, h, c] = lstm.apply(x, { initialState: [h0, c0] }) as Tensor[];
    const w = weightsOf(lstm);
    const initial = [0, 1].map((b) => [split2(values(h0), 2)[b]!, split2(values(c0), 2)[b]!]);
    const ref = runRef(values(x), [2, 3, 2], lstmCell(w.W, w.U, w.b, 3), 3, 2, { initial });
    expectClose(values(y!), ref.outputs.map((s) => s[2]!).flat());
    expectClose(values(c!), ref.finals.map((f) => f[1]!).flat());
    const gru = new GRU({ units: 3, biasInitializer: 'randomNormal' });
    const g = gru.apply(x, { initialState: h0 }) as Tensor;
    const wg = weightsOf(gru);
    const refG = runRef(values(x), [2, 3, 2], gruCell(wg.W, wg.U, wg.b, 3), 3, 1, { initial: split2(values(h0), 2).map((r) => [r]) });
    expectClose(values(g), refG.finals.map((f) => f[0]!).flat());
    [x, h0, c0, y!, h!, c!, g].forEach((t) => t.dispose());
    [lstm, gru].forEach((l) => l.dispose());
  });

  it('wrong initial states are errors naming the layer and the sizes', () => {
    const x = randomTensor([2, 3, 2], 4);
    const h0 = randomTensor([2, 3], 5);
    const lstm = new LSTM({ units: 3, name: 'enc' });
    expect(() => lstm.apply(x, { initialState: h0 })).toThrow('enc (LSTM): initialState must be 2 states [batch, units] (h, c), got 1 tensor');
    const wrong = randomTensor([2, 4], 6);
    expect(() => lstm.apply(x, { initialState: [h0, wrong] })).toThrow('enc (LSTM): initialState[1] has shape [2,4], expected [batch, units] = [2,3]');
    expect(() => lstm.apply(x, { initalState: [h0, h0] })).toThrow(/enc\.apply: unknown option 'initalState'.*initialState/);
    [x, h0, wrong].forEach((t) => t.dispose());
    lstm.dispose();
  });

  it('a symbolic initial state is an input of the graph', () => {
    const x = input({ shape: [3, 2] });
    const h0 = input({ shape: [4] });
    const y = new SimpleRNN({ units: 4 }).apply(x, { initialState: h0 }) as ReturnType<typeof input>;
    expect(y.shape).toEqual([null, 4]);
    expect(y.node.inputs).toEqual([x, h0]);
    expect(y.node.positional).toEqual([x]);
    expect(y.node.options.tensors).toEqual([{ name: 'initialState', count: null }]);
    const real = randomTensor([1, 4], 7);
    expect(() => new SimpleRNN({ units: 4 }).apply(x, { initialState: real })).toThrow(/option 'initialState' is a tensor but the inputs are symbolic/);
    real.dispose();
  });
});

describe('stateful RNNs', () => {
  it('carry the states across calls: two halves equal the whole sequence, until resetStates', () => {
    const whole = randomTensor([2, 6, 3], 8);
    const first = tensor(values(whole).filter((_, i) => Math.floor(i / 3) % 6 < 3), [2, 3, 3]);
    const second = tensor(values(whole).filter((_, i) => Math.floor(i / 3) % 6 >= 3), [2, 3, 3]);
    const plain = new LSTM({ units: 3, returnSequences: true });
    const stateful = new LSTM({ units: 3, returnSequences: true, stateful: true });
    const expected = plain.apply(whole) as Tensor;
    stateful.build([2, 6, 3]);
    stateful.setWeights(plain.getWeights());
    expect(stateful.states).toBeNull();
    const a = stateful.apply(first) as Tensor;
    const carried = stateful.states!;
    expect(carried.map((s) => s.shape)).toEqual([[2, 3], [2, 3]]);
    const b = stateful.apply(second) as Tensor;
    expectClose([...split2(values(a), 2)[0]!, ...split2(values(b), 2)[0]!], split2(values(expected), 2)[0]!);
    expectClose([...split2(values(a), 2)[1]!, ...split2(values(b), 2)[1]!], split2(values(expected), 2)[1]!);
    stateful.resetStates();
    const again = stateful.apply(first) as Tensor;
    expectClose(values(again), values(a), 0);
    stateful.resetStates(carried);
    const resumed = stateful.apply(second) as Tensor;
    expectClose(values(resumed), values(b), 0);
    [whole, first, second, expected, a, b, again, resumed, ...carried].forEach((t) => t.dispose());
    [plain, stateful].forEach((l) => l.dispose());
  });

  it('need one batch size, keep the carried states out of gradients, and keep memory flat', () => {
    const layer = new SimpleRNN({ units: 2, stateful: true, batchInputShape: [2, 3, 2], name: 'srnn' });
    const x = randomTensor([2, 3, 2], 9);
    const odd = randomTensor([3, 3, 2], 10);
    (layer.apply(x) as Tensor).dispose();
    expect(() => layer.apply(odd)).toThrow(/srnn \(SimpleRNN\): is stateful with batch size 2, got a batch of 3/);
    const before = memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const { value, grads } = variableGrads(() => sum(layer.apply(x, { training: true }) as Tensor), layer.trainableWeights);
      [value, ...Object.values(grads)].forEach((t) => t.dispose());
    }
    expect(memory().numTensors).toBe(before);
    expect(() => new SimpleRNN({ units: 2 }).resetStates()).toThrow(/resetStates: the layer is not stateful/);
    expect(() => layer.resetStates([randomTensor([3, 2], 1)])).toThrow(/initialState\[0\] has shape \[3,2\], expected \[batch, units\] = \[2,2\]/);
    [x, odd].forEach((t) => t.dispose());
    layer.dispose();
  });
});

describe('dropout and recurrentDropout', () => {
  it('input dropout uses one mask per call, the same at every step; nothing at inference', () => {
    // Linear units with an identity kernel and no recurrence: each step's output is its dropped input.
    const layer = new SimpleRNN({ units: 4, activation: 'linear', recurrentInitializer: 'zeros', useBias: false, returnSequences: true, dropout: 0.5, seed: 7 });
    layer.build([null, 5, 4]);
    setKernel(layer, 'kernel', eye4());
    const x = tensor(new Array(2 * 5 * 4).fill(1), [2, 5, 4]);
    const y = layer.apply(x, { training: true }) as Tensor;
    const v = values(y);
    const kept = (b: number, t: number): number[] => v.slice((b * 5 + t) * 4, (b * 5 + t + 1) * 4);
    for (let b = 0; b < 2; b++) for (let t = 1; t < 5; t++) expect(kept(b, t)).toEqual(kept(b, 0));
    expect(v.every((e) => e === 0 || e === 2)).toBe(true);
    expect(v.some((e) => e === 0) && v.some((e) => e === 2)).toBe(true);
    const inference = layer.apply(x) as Tensor;
    expect(values(inference).every((e) => e === 1)).toBe(true);
    [x, y, inference].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('recurrent dropout drops the state entering the recurrent matmul, one mask per call', () => {
    // h_t = x_t + (h_{t−1}·m)·I with x = 1: a unit dropped by m stays at 1, a kept one counts up by 2.
    const layer = new SimpleRNN({ units: 4, activation: 'linear', kernelInitializer: 'ones', useBias: false, returnSequences: true, recurrentDropout: 0.5, seed: 3 });
    layer.build([null, 3, 1]);
    setKernel(layer, 'recurrentKernel', eye4());
    const x = tensor(new Array(1 * 3 * 1).fill(1), [1, 3, 1]);
    const y = values(layer.apply(x, { training: true }) as Tensor);
    for (let u = 0; u < 4; u++) {
      const seq = [y[u]!, y[4 + u]!, y[8 + u]!];
      expect([[1, 1, 1], [1, 3, 7]]).toContainEqual(seq);
    }
    x.dispose();
    layer.dispose();
  });

  it('masks repeat from a seed and from a saved random state; gradients flow with both dropouts', () => {
    const make = (): LSTM => new LSTM({ units: 3, dropout: 0.3, recurrentDropout: 0.3, seed: 11, returnSequences: true });
    const a = make();
    const b = make();
    const x = randomTensor([2, 4, 3], 12);
    a.build([null, 4, 3]);
    b.build([null, 4, 3]);
    b.setWeights(a.getWeights());
    const ya = a.apply(x, { training: true }) as Tensor;
    const yb = b.apply(x, { training: true }) as Tensor;
    expectClose(values(yb), values(ya), 0);
    const state = a.getRandomState();
    const next = a.apply(x, { training: true }) as Tensor;
    b.setRandomState(state);
    const same = b.apply(x, { training: true }) as Tensor;
    expectClose(values(same), values(next), 0);
    expect(values(next)).not.toEqual(values(ya));
    expectGradientsFlow(a, x);
    expect(() => new GRU({ units: 2, dropout: 1 })).toThrow(/GRU: dropout must be a number in \[0, 1\), got number 1/);
    expect(() => new GRU({ units: 2, recurrentDropout: -0.1 })).toThrow(/GRU: recurrentDropout must be a number in \[0, 1\)/);
    [x, ya, yb, next, same].forEach((t) => t.dispose());
    [a, b].forEach((l) => l.dispose());
  });

  it('the options survive serialisation', () => {
    setSeed(1);
    expectRoundTrip(new GRU({ units: 2, dropout: 0.2, recurrentDropout: 0.1, seed: 4, stateful: false, returnSequences: true }), [2, 3, 2], true);
    expectRoundTrip(new LSTM({ units: 2, stateful: true }), [2, 3, 2]);
  });
});

describe('Bidirectional', () => {
  const shape = [2, 4, 3];
  function reference(layer: Bidirectional, x: Tensor): { fwd: number[][][]; bwd: number[][][]; finals: number[][][][] } {
    const f = weightsOf(layer.forwardLayer);
    const b = weightsOf(layer.backwardLayer);
    const rf = runRef(values(x), shape, simpleCell(f.W, f.U, f.b, 2), 2, 1);
    const rb = runRef(values(x), shape, simpleCell(b.W, b.U, b.b, 2), 2, 1, { backwards: true });
    return { fwd: rf.outputs, bwd: rb.outputs.map((seq) => [...seq].reverse()), finals: [rf.finals, rb.finals] };
  }

  it('concat: forward outputs then the backward ones in time order; states of both', () => {
    const layer = new Bidirectional({ layer: new SimpleRNN({ units: 2, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' }) });
    const x = randomTensor(shape, 13);
    const [y, hf, hb] = layer.apply(x) as Tensor[];
    expect(y!.shape).toEqual([2, 4, 4]);
    const r = reference(layer, x);
    const expected = r.fwd.flatMap((seq, b) => seq.flatMap((o, t) => [...o, ...r.bwd[b]![t]!]));
    expectClose(values(y!), expected);
    expectClose(values(hf!), r.finals[0]!.map((s) => s[0]!).flat());
    expectClose(values(hb!), r.finals[1]!.map((s) => s[0]!).flat());
    expect(layer.computeOutputShapes([null, 4, 3])).toEqual([[null, 4, 4], [null, 2], [null, 2]]);
    expect(layer.weights.map((w) => w.name)).toEqual([
      `${layer.name}/forward_${layer.getConfig().layer.config['name']}/kernel`, expect.stringContaining('forward_'), expect.stringContaining('forward_'),
      expect.stringContaining('backward_'), expect.stringContaining('backward_'), expect.stringContaining('backward_'),
    ]);
    [x, y!, hf!, hb!].forEach((t) => t.dispose());
    layer.dispose();
  });

  for (const mergeMode of ['sum', 'mul', 'ave'] as const) {
    it(`mergeMode '${mergeMode}' of the last outputs`, () => {
      const layer = new Bidirectional({ layer: new SimpleRNN({ units: 2, biasInitializer: 'randomNormal' }), mergeMode });
      const x = randomTensor(shape, 14);
      const y = layer.apply(x) as Tensor;
      expect(y.shape).toEqual([2, 2]);
      const r = reference(layer, x);
      const f = r.finals[0]!.map((s) => s[0]!).flat();
      const b = r.finals[1]!.map((s) => s[0]!).flat();
      const op = { sum: (p: number, q: number) => p + q, mul: (p: number, q: number) => p * q, ave: (p: number, q: number) => (p + q) / 2 }[mergeMode];
      expectClose(values(y), f.map((v, i) => op(v, b[i]!)));
      [x, y].forEach((t) => t.dispose());
      layer.dispose();
    });
  }

  it('passes a mask to both directions and keeps it with returnSequences; splits initialState', () => {
    const layer = new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true }), mergeMode: 'sum' });
    const x = randomTensor(shape, 15);
    const mask = tensor([1, 1, 0, 0, 1, 1, 1, 1], [2, 4], 'bool');
    const masked = layer.apply(x, { mask }) as Tensor;
    // The backward direction of sample 0 starts at its last unmasked step: compare with the unpadded input.
    const short = tensor(values(x).slice(0, 6), [1, 2, 3]);
    const alone = layer.apply(short) as Tensor;
    expectClose(values(masked).slice(0, 4), values(alone));
    expect(layer.computeMask(x, mask)).toBe(mask);
    const h = randomTensor([2, 2], 16);
    const withState = layer.apply(x, { initialState: [h, h] }) as Tensor;
    expect(values(withState)).not.toEqual(values(layer.apply(x) as Tensor));
    expect(() => layer.apply(x, { initialState: [h] })).toThrow(/initialState must hold the forward layer's states then the backward layer's \(an even number\), got 1/);
    [x, mask, masked, short, alone, h, withState].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('serialises, trains every weight, and checks its options', () => {
    expectRoundTrip(new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }), mergeMode: 'ave' }), shape);
    const layer = layers.bidirectional({ layer: new GRU({ units: 2 }) });
    const x = randomTensor(shape, 17);
    expectGradientsFlow(layer, x);
    expect(layer.trainableWeights).toHaveLength(6);
    const json = JSON.parse(JSON.stringify(serializeLayer(layer)));
    expect(json.config.layer.className).toBe('GRU');
    const copy = deserializeLayer(json) as Bidirectional;
    expect(copy.forwardLayer).toBeInstanceOf(GRU);
    expect(copy.backwardLayer.goBackwards).toBe(true);
    expect(() => new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'max' as 'sum' })).toThrow(/Bidirectional: mergeMode must be one of 'concat', 'sum', 'mul', 'ave', got string "max"/);
    expect(() => new Bidirectional({ layer: 'lstm' as unknown as GRU })).toThrow(/Bidirectional: layer must be an RNN layer/);
    void concat;
    void mul;
    x.dispose();
    [layer, copy].forEach((l) => l.dispose());
  });
});
