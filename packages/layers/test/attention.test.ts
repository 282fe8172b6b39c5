import { add, memory, mul, relu, slice, sum, tensor, type Tensor } from '@tessera/core';
import { checkGradients, grad, variableGrads } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import {
  Embedding, MultiHeadAttention, PositionalEmbedding, TokenAndPositionEmbedding, TransformerEncoderBlock, deserializeLayer, input, layers, serializeLayer,
} from '../src/index.js';
import { expectClose, randomTensor, randomValues, values } from './helpers.js';
import { expectRoundTrip } from './roundtrip.js';

/** Float64 multi-head attention on one sample: q [T, dq], v [S, dv], k [S, dk]; weights as the layer holds them. */
function mhaRef(
  q: number[][], v: number[][], k: number[][], w: Record<string, number[]>, h: number, kd: number, vd: number, out: number,
  allowed: (t: number, s: number) => boolean = () => true,
): { y: number[][]; scores: number[][][] } {
  const proj = (x: number[][], kernel: number[], bias: number[], size: number): number[][][] =>
    x.map((row) => Array.from({ length: h }, (_, hh) => Array.from({ length: size }, (_, j) => row.reduce((acc, xv, i) => acc + xv * kernel[(i * h + hh) * size + j]!, bias[hh * size + j]!))));
  const Q = proj(q, w['query/kernel']!, w['query/bias']!, kd);
  const K = proj(k, w['key/kernel']!, w['key/bias']!, kd);
  const V = proj(v, w['value/kernel']!, w['value/bias']!, vd);
  const scores = Array.from({ length: h }, (_, hh) =>
    Q.map((qt, t) => {
      const logits = K.map((ks) => qt[hh]!.reduce((acc, a, j) => acc + a * ks[hh]![j]!, 0) / Math.sqrt(kd));
      // In float32, score − 1e9 is −1e9: masked positions get nothing, and a row with nothing allowed is uniform.
      const anyAllowed = K.some((_, s) => allowed(t, s));
      const m = Math.max(...logits);
      const e = logits.map((l, s) => (!anyAllowed ? 1 : allowed(t, s) ? Math.exp(l - m) : 0));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / z);
    }),
  );
  const y = q.map((_, t) =>
    Array.from({ length: out }, (_, o) => {
      let acc = w['attention_output/bias']![o]!;
      for (let hh = 0; hh < h; hh++)
        for (let j = 0; j < vd; j++) {
          const ctx = scores[hh]![t]!.reduce((a, p, s) => a + p * V[s]![hh]![j]!, 0);
          acc += ctx * w['attention_output/kernel']![(hh * vd + j) * out + o]!;
        }
      return acc;
    }),
  );
  return { y, scores };
}

const rows = (t: Tensor, b: number): number[][] => {
  const [, n, d] = t.shape as [number, number, number];
  const v = values(t);
  return Array.from({ length: n }, (_, i) => v.slice((b * n + i) * d, (b * n + i + 1) * d));
};

function weightMap(layer: MultiHeadAttention): Record<string, number[]> {
  return Object.fromEntries(layer.weights.map((w) => [w.name.slice(layer.name.length + 1), values(w)]));
}

describe('MultiHeadAttention', () => {
  it('matches the reference with a separate key and returns the attention weights', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 2, valueDim: 3, outputShape: 5, biasInitializer: 'randomNormal' });
    const q = randomTensor([2, 2, 3], 1);
    const v = randomTensor([2, 3, 4], 2);
    const k = randomTensor([2, 3, 2], 3);
    const [y, scores] = layer.apply([q, v, k], { returnAttentionScores: true }) as Tensor[];
    expect(y!.shape).toEqual([2, 2, 5]);
    expect(scores!.shape).toEqual([2, 2, 2, 3]);
    expect(layer.weights.map((w) => [w.name.slice(layer.name.length + 1), w.shape])).toEqual([
      ['query/kernel', [3, 2, 2]], ['query/bias', [2, 2]], ['key/kernel', [2, 2, 2]], ['key/bias', [2, 2]],
      ['value/kernel', [4, 2, 3]], ['value/bias', [2, 3]], ['attention_output/kernel', [2, 3, 5]], ['attention_output/bias', [5]],
    ]);
    const w = weightMap(layer);
    for (let b = 0; b < 2; b++) {
      const ref = mhaRef(rows(q, b), rows(v, b), rows(k, b), w, 2, 2, 3, 5);
      expectClose(rows(y!, b).flat(), ref.y.flat());
      expectClose(values(scores!).slice(b * 12, (b + 1) * 12), ref.scores.flat(2));
    }
    expect(layer.computeOutputShapes([[null, 2, 3], [null, 3, 4], [null, 3, 2]], { returnAttentionScores: true })).toEqual([[null, 2, 5], [null, 2, 2, 3]]);
    [q, v, k, y!, scores!].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('causal, value-mask and attentionMask positions get no weight', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3 });
    const x = randomTensor([2, 4, 3], 4);
    const valueMask = tensor([1, 1, 1, 0, 1, 0, 1, 1], [2, 4], 'bool');
    const attentionMask = tensor(Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 0 : 1)), [2, 4, 4]);
    const [y, scores] = layer.apply([x, x], { mask: [null, valueMask], attentionMask, useCausalMask: true, returnAttentionScores: true }) as Tensor[];
    const sv = values(scores!);
    const vm = values(valueMask);
    const am = values(attentionMask);
    const w = weightMap(layer);
    for (let b = 0; b < 2; b++) {
      const allowed = (t: number, s: number): boolean => s <= t && vm[b * 4 + s] === 1 && am[(b * 4 + t) * 4 + s] === 1;
      for (let h = 0; h < 2; h++)
        for (let t = 0; t < 4; t++)
          for (let s = 0; s < 4; s++) {
            const p = sv[((b * 2 + h) * 4 + t) * 4 + s]!;
            // A row with nothing allowed is spread over every position (Keras's additive mask).
            const anyAllowed = [0, 1, 2, 3].some((ss) => allowed(t, ss));
            if (anyAllowed && !allowed(t, s)) expect(p).toBe(0);
          }
      expectClose(rows(y!, b).flat(), mhaRef(rows(x, b), rows(x, b), rows(x, b), w, 2, 3, 3, 3, allowed).y.flat());
    }
    [x, valueMask, attentionMask, y!, scores!].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('with useCausalMask an output does not depend on later positions', () => {
    const layer = new MultiHeadAttention({ numHeads: 1, keyDim: 2 });
    const x = randomTensor([1, 4, 2], 5);
    const dx = grad((t: Tensor) => {
      const y = layer.apply([t, t], { useCausalMask: true }) as Tensor;
      return sum(slice(y, [0, 1, 0], [1, 1, 2]));
    })(x);
    const g = values(dx);
    expect(g.slice(0, 4).some((v) => v !== 0)).toBe(true);
    expect(g.slice(4)).toEqual([0, 0, 0, 0]);
    [x, dx].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('keeps the query mask on its output, trains every weight, serialises, keeps memory flat', () => {
    const e = new Embedding({ inputDim: 5, outputDim: 4, maskZero: true }).apply(input({ shape: [3], dtype: 'int32' }));
    const [y, s] = new MultiHeadAttention({ numHeads: 2, keyDim: 2 }).apply([e, e], { returnAttentionScores: true }) as ReturnType<typeof input>[];
    expect([y!.masked, s!.masked]).toEqual([true, false]);
    expect(y!.node.options.values).toEqual({ returnAttentionScores: true });
    const layer = layers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 0.2, seed: 1 });
    const x = randomTensor([2, 3, 4], 6);
    expectAllGradients(layer, () => layer.apply([x, x], { training: true }) as Tensor);
    const before = memory().numTensors;
    (layer.apply([x, x]) as Tensor).dispose();
    const g = grad((t: Tensor) => sum(layer.apply([t, t], { training: true, useCausalMask: true }) as Tensor))(x);
    g.dispose();
    expect(memory().numTensors).toBe(before);
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer))));
    expect(copy.getConfig()).toEqual(layer.getConfig());
    x.dispose();
    [layer, copy].forEach((l) => l.dispose());
  });

  it('bad inputs are errors naming the layer and the shapes', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha' });
    const x = randomTensor([2, 3, 4], 7);
    const short = randomTensor([2, 2, 4], 8);
    const flat = randomTensor([2, 4], 9);
    expect(() => layer.apply(x as unknown as Tensor[])).toThrow(/mha \(MultiHeadAttention\): takes a list of input tensors, got one tensor/);
    expect(() => layer.apply([x, flat])).toThrow(/mha \(MultiHeadAttention\): value must be \[batch, length, features\] with known features, got \[null,4\]/);
    expect(() => layer.apply([x, x, short])).toThrow(/value \[null,3,4\] and key \[null,2,4\] must have the same length/);
    const bad = tensor(new Array(2 * 3 * 2).fill(1), [2, 3, 2]);
    expect(() => layer.apply([x, x], { attentionMask: bad })).toThrow('mha (MultiHeadAttention): attentionMask has shape [2,3,2], expected [batch, T, S] = [2,3,3] (query length T, key length S)');
    expect(() => layer.apply([x, x], { useCausalMask: 'yes' })).toThrow(/useCausalMask must be true or false/);
    expect(() => new MultiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(/MultiHeadAttention: numHeads must be a positive integer, got number 0/);
    expect(() => new MultiHeadAttention({ numHeads: 1, keyDim: 2, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    [x, short, flat, bad].forEach((t) => t.dispose());
    layer.dispose();
  });
});

/** Every trainable weight of the layer gets a finite, non-zero gradient from a random projection of fn's output. */
function expectAllGradients(layer: { trainableWeights: import('@tessera/core').Variable[] }, fn: () => Tensor): void {
  const probe = fn();
  const w = randomTensor([...probe.shape], 99);
  probe.dispose();
  const { value, grads } = variableGrads(() => sum(mul(fn(), w)), layer.trainableWeights);
  expect(Object.keys(grads)).toHaveLength(layer.trainableWeights.length);
  for (const v of layer.trainableWeights) {
    const g = values(grads[v.name]!);
    expect(g.every(Number.isFinite) && g.some((d) => d !== 0), `gradient of ${v.name}`).toBe(true);
  }
  [value, w, ...Object.values(grads)].forEach((t) => t.dispose());
}

describe('PositionalEmbedding and TokenAndPositionEmbedding', () => {
  it('add the rows of the position table, from startIndex', () => {
    const layer = new PositionalEmbedding({ sequenceLength: 5, name: 'pos' });
    const x = randomTensor([2, 3, 2], 10);
    const y = layer.apply(x);
    const table = values(layer.embeddings!);
    const xv = values(x);
    expectClose(values(y), xv.map((v, i) => v + table[i % 6]!));
    const later = layer.apply(x, { startIndex: 2 });
    expectClose(values(later), xv.map((v, i) => v + table[4 + (i % 6)]!));
    expect(() => layer.apply(x, { startIndex: 3 })).toThrow('pos (PositionalEmbedding): got steps 3…5, longer than its sequenceLength 5 (positions 0…4 have embeddings)');
    const long = randomTensor([1, 6, 2], 11);
    expect(() => layer.apply(long)).toThrow('pos (PositionalEmbedding): got a sequence of 6 steps, longer than its sequenceLength 5 (positions 0…4 have embeddings)');
    expect(() => new PositionalEmbedding({ sequenceLength: 4 }).apply(input({ shape: [6, 2] }))).toThrow(/inputs of shape \[null,6,2\] are longer than its sequenceLength 4/);
    expectRoundTrip(new PositionalEmbedding({ sequenceLength: 4 }), [2, 3, 2]);
    [x, y, later, long].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('TokenAndPositionEmbedding: token rows plus position rows, masked at id 0 with maskZero', () => {
    const layer = new TokenAndPositionEmbedding({ vocabularySize: 6, sequenceLength: 4, embeddingDim: 3, maskZero: true, name: 'tpe' });
    const ids = tensor([[1, 5, 0], [2, 0, 0]], [2, 3], 'int32');
    const y = layer.apply(ids);
    const tok = values(layer.tokenEmbedding.embeddings!);
    const pos = values(layer.positionEmbedding.embeddings!);
    const idv = values(ids);
    expectClose(values(y), idv.flatMap((id, i) => [0, 1, 2].map((d) => tok[id * 3 + d]! + pos[(i % 3) * 3 + d]!)));
    expect(Array.from(layer.computeMask(ids, null)!.dataSync())).toEqual([1, 1, 0, 1, 0, 0]);
    expect(layer.weights.map((w) => w.name)).toEqual(['tpe/token_embedding/embeddings', 'tpe/position_embedding/embeddings']);
    const sym = layer.apply(input({ shape: [3], dtype: 'int32' }));
    expect([sym.shape, sym.masked]).toEqual([[null, 3, 3], true]);
    const long = tensor([[1, 2, 3, 4, 5]], [1, 5], 'int32');
    expect(() => layer.apply(long)).toThrow(/tpe\/position_embedding \(PositionalEmbedding\): got a sequence of 5 steps, longer than its sequenceLength 4/);
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer)))) as TokenAndPositionEmbedding;
    expect(copy.getConfig()).toEqual(layer.getConfig());
    copy.build([null, 3]);
    copy.setWeights(layer.getWeights());
    expectClose(values(copy.apply(ids)), values(y), 0);
    [ids, y, long].forEach((t) => t.dispose());
    [layer, copy].forEach((l) => l.dispose());
  });
});

describe('TransformerEncoderBlock', () => {
  it('is pre-norm attention and MLP with residuals, composed of its sublayers', () => {
    const block = new TransformerEncoderBlock({ numHeads: 2, intermediateDim: 8, name: 'enc' });
    const x = randomTensor([2, 3, 4], 12);
    const y = block.apply(x);
    const normed = block.attentionNorm!.apply(x);
    const h = add(x, block.attention!.apply([normed, normed]) as Tensor);
    const mlp = block.mlpDense2!.apply(relu(block.mlpDense1!.apply(block.mlpNorm!.apply(h))));
    expectClose(values(y), values(add(h, mlp)));
    expect(block.weights.map((w) => w.name)).toEqual([
      'enc/attention_norm/gamma', 'enc/attention_norm/beta',
      ...['query', 'key', 'value', 'attention_output'].flatMap((p) => [`enc/attention/${p}/kernel`, `enc/attention/${p}/bias`]),
      'enc/mlp_norm/gamma', 'enc/mlp_norm/beta', 'enc/mlp_dense_1/kernel', 'enc/mlp_dense_1/bias', 'enc/mlp_dense_2/kernel', 'enc/mlp_dense_2/bias',
    ]);
    // Two norms (2·4 each), attention (3·(4·2·2 + 2·2) + 2·2·4 + 4), the MLP (4·8 + 8, 8·4 + 4).
    expect(block.countParams()).toBe(16 + 80 + 40 + 36);
    [x, y, normed, h, mlp].forEach((t) => t.dispose());
    block.dispose();
  });

  it('causal: an output does not depend on later steps; padding does not change the other outputs', () => {
    const block = new TransformerEncoderBlock({ numHeads: 1, intermediateDim: 4, causal: true });
    const x = randomTensor([1, 3, 2], 13);
    const dx = grad((t: Tensor) => sum(slice(block.apply(t), [0, 0, 0], [1, 1, 2])))(x);
    expect(values(dx).slice(2)).toEqual([0, 0, 0, 0]);
    const open = new TransformerEncoderBlock({ numHeads: 2, intermediateDim: 4 });
    const seq = randomTensor([1, 2, 2], 14);
    const padded = tensor([...values(seq), 7, -7], [1, 3, 2]);
    const mask = tensor([1, 1, 0], [1, 3], 'bool');
    const a = open.apply(seq);
    const b = open.apply(padded, { mask });
    expectClose(values(b).slice(0, 4), values(a));
    expect(open.computeMask(padded, mask)).toBe(mask);
    [x, dx, seq, padded, mask, a, b].forEach((t) => t.dispose());
    [block, open].forEach((l) => l.dispose());
  });

  it('trains every weight, serialises with its dropout state, and refuses bad shapes', () => {
    const block = layers.transformerEncoderBlock({ numHeads: 2, intermediateDim: 6, dropout: 0.1, activation: 'gelu', seed: 5 });
    const x = randomTensor([2, 3, 4], 15);
    expectAllGradients(block, () => block.apply(x, { training: true }));
    x.dispose();
    expectRoundTrip(block, [2, 3, 4]);
    const frozen = new TransformerEncoderBlock({ numHeads: 2, intermediateDim: 4, trainable: false });
    frozen.build([null, 3, 4]);
    expect(frozen.trainableWeights).toEqual([]);
    expect(frozen.weights.every((w) => !w.trainable)).toBe(true);
    frozen.dispose();
    expect(() => new TransformerEncoderBlock({ numHeads: 3, intermediateDim: 4, name: 'b' }).apply(input({ shape: [2, 4] }))).toThrow(
      "b (TransformerEncoderBlock): the input's dim 4 does not split into 3 heads; give keyDim",
    );
  });
});

describe('gradients match finite differences (float64 checker)', () => {
  it('MultiHeadAttention with a value mask and the causal mask, and a TransformerEncoderBlock', async () => {
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 2, biasInitializer: 'randomNormal' });
    mha.build([[null, 3, 4], [null, 3, 4]]);
    const attend = (x: Tensor): Tensor =>
      mha.apply([x, x], { mask: [null, tensor([1, 1, 0, 1, 0, 1], [2, 3], 'bool')], useCausalMask: true }) as Tensor;
    expect((await checkGradients(attend, [{ values: randomValues(24, 21, -1, 1), shape: [2, 3, 4] }], { rtol: 1e-4, atol: 1e-6, name: 'MultiHeadAttention' })).ok).toBe(true);
    const block = new TransformerEncoderBlock({ numHeads: 2, intermediateDim: 6, activation: 'gelu' });
    block.build([null, 3, 4]);
    // Outputs at unmasked positions only: a padded query's row is all −1e9, which float64 finite
    // differences cannot resolve (its output is masked anyway).
    const encode = (x: Tensor): Tensor => mul(block.apply(x, { mask: tensor([1, 1, 0, 1, 1, 1], [2, 3], 'bool') }), tensor([1, 1, 0, 1, 1, 1], [2, 3, 1]));
    expect((await checkGradients(encode, [{ values: randomValues(24, 22, -1, 1), shape: [2, 3, 4] }], { rtol: 1e-4, atol: 1e-6, name: 'TransformerEncoderBlock' })).ok).toBe(true);
    [mha, block].forEach((l) => l.dispose());
  });
});
