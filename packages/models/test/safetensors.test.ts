import '@tessera/backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random, memory, setSeed, tensor, type Tensor } from '@tessera/core';
import {
  BatchNormalization, Conv1D, Conv2D, Conv2DTranspose, Dense, DepthwiseConv2D, Embedding, Flatten, GRU, LSTM, LayerNormalization, MaxPooling2D,
  SeparableConv2D, SimpleRNN, input, type SymbolicTensor,
} from '@tessera/layers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadSafetensors, loadSafetensorsFile, model, readSafetensors, readSafetensorsFile, readSafetensorsHeader, saveSafetensors, saveSafetensorsFile,
  sequential, writeSafetensors, type Model,
} from '../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header object and raw data, as any writer would lay it out. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const f32 = (...v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);

/** Randomises every weight of a model (seeded), positive where a variance is. */
function randomize(m: Model, seed: number): void {
  const r = new Random(seed);
  m.setWeights(m.weights.map((w) => tensor(Float32Array.from({ length: w.size }, () => (/variance/.test(w.name) ? r.uniform(0.5, 1.5) : r.uniform(-0.5, 0.5))), w.shape)));
}

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 1e-30;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(worst / scale).toBeLessThan(tol);
}

describe('the format', () => {
  it('writes what the reference implementation writes: u64 header length, compact JSON padded with spaces to 8 bytes, raw little-endian data', async () => {
    const a = tensor([1, 2]);
    const bytes = await writeSafetensors({ a });
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = header + ' '.repeat(Math.ceil(header.length / 8) * 8 - header.length);
    expect(Array.from(bytes)).toEqual(Array.from(file(null, f32(1, 2), padded)));
    a.dispose();
  });

  it('round-trips float32, int32 and bool tensors with metadata, and reads every integer and float dtype', async () => {
    const ts = { w: tensor([[1.5, -2], [3, 4]]), ids: tensor([7, -8, 9], [3], 'int32'), mask: tensor([1, 0, 1], [3], 'bool'), empty: tensor([], [0, 3]) };
    const bytes = await writeSafetensors(ts, { metadata: { source: 'test' } });
    expect(readSafetensorsHeader(bytes).metadata).toEqual({ source: 'test' });
    expect((readSafetensorsHeader(bytes).dataStart - 8) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(Object.keys(back)).toEqual(['w', 'ids', 'mask', 'empty']);
    for (const [k, t] of Object.entries(back)) {
      const src = ts[k as keyof typeof ts];
      expect([t.dtype, t.shape]).toEqual([src.dtype, src.shape]);
      expect(values(t)).toEqual(values(src));
    }
    [...Object.values(ts), ...Object.values(back)].forEach((t) => t.dispose());

    const cases: [string, Uint8Array, number[]][] = [
      ['F16', new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer), [1, -2, 0.333251953125]],
      ['BF16', new Uint8Array(new Uint16Array([0x3f80, 0xc040, 0x4049]).buffer), [1, -3, 3.140625]],
      ['F64', new Uint8Array(new Float64Array([0.5, -1.25, 1e10]).buffer), [0.5, -1.25, 1e10]],
      ['I64', new Uint8Array(new BigInt64Array([5n, -6n, 2147483647n]).buffer), [5, -6, 2147483647]],
      ['U8', new Uint8Array([0, 255, 7]), [0, 255, 7]],
      ['I8', new Uint8Array(new Int8Array([-128, 127, 0]).buffer), [-128, 127, 0]],
      ['I16', new Uint8Array(new Int16Array([-300, 300, 1]).buffer), [-300, 300, 1]],
      ['U16', new Uint8Array(new Uint16Array([65535, 0, 2]).buffer), [65535, 0, 2]],
      ['U32', new Uint8Array(new Uint32Array([4, 5, 6]).buffer), [4, 5, 6]],
    ];
    for (const [dtype, data, expected] of cases) {
      const t = readSafetensors(file({ x: { dtype, shape: [3], data_offsets: [0, data.byteLength] } }, data))['x']!;
      expect(t.dtype).toBe(dtype.startsWith('F') || dtype === 'BF16' ? 'float32' : 'int32');
      expect(values(t)).toEqual(expected.map((v) => (t.dtype === 'float32' ? Math.fround(v) : v)));
      t.dispose();
    }
  });

  it.each([
    ['fewer than 8 bytes', new Uint8Array(4), /the file has 4 bytes; a safetensors file starts with an 8-byte header length/],
    ['a header length past the end', (() => { const b = file({}); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /the header length is 1000 bytes, past the end of the file \(10 bytes\)/],
    ['a header that is not JSON', file(null, new Uint8Array(0), '{"a": [1,'), /the header is not JSON/],
    ['a header that is not an object', file([1, 2]), /the header must be a JSON object of tensors/],
    ['an unknown dtype', file({ x: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor 'x' has dtype "F33", which is not a safetensors dtype \(BOOL, U8/],
    ['a dtype that does not match the byte length', file({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), /tensor 'x' is F64 of shape \[2\], which is 16 bytes, but its data_offsets \[0, 8\] span 8/],
    ['a shape that does not match the byte length', file({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /which is 12 bytes, but its data_offsets \[0, 8\] span 8/],
    ['overlapping offsets', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(1, 2, 3)), /tensor 'b' \(bytes 4..12\) overlaps the tensor before it, which ends at byte 8/],
    ['a gap between tensors', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(1, 2, 3)), /bytes 4..8 of the data belong to no tensor \(a gap before 'b'\)/],
    ['offsets out of order', file({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, f32(1, 2)), /data_offsets \[8, 4\] are out of order \(begin after end\)/],
    ['a truncated buffer', file({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(1, 2, 3)), /the tensors need 16 bytes of data, the file has 12 after the header: it is truncated/],
    ['bytes after the last tensor', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1, 2)), /the file has 4 bytes after the last tensor's data/],
    ['non-string metadata', file({ __metadata__: { epochs: 3 } }), /__metadata__ must be an object of strings/],
    ['an unknown field', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], strides: [1] } }, f32(1)), /tensor 'a' has unknown field 'strides'/],
    ['an I64 value outside int32', file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([1n << 40n]).buffer)), /tensor 'a' \(I64\) holds 1099511627776 at index 0, outside int32/],
  ])('refuses %s, naming what is wrong, and makes no tensor', (_, bytes, message) => {
    const before = memory().numTensors;
    expect(() => readSafetensors(bytes)).toThrow(message);
    expect(memory().numTensors).toBe(before);
  });
});

/** A model with every layer that has a PyTorch layout. */
function convNet(): Model {
  const x = input({ shape: [8, 8, 2] });
  let h = new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' }).apply(x);
  h = new BatchNormalization({ name: 'bn' }).apply(h);
  h = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }).apply(h);
  h = new SeparableConv2D({ filters: 4, kernelSize: 2, name: 'sep' }).apply(h);
  h = new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 2, name: 'up' }).apply(h);
  h = new MaxPooling2D({ poolSize: 2, name: 'pool' }).apply(h);
  h = new Flatten({ name: 'flat' }).apply(h);
  return model({ inputs: x, outputs: new Dense({ units: 3, name: 'fc' }).apply(h), name: 'convnet' });
}

function rnnNet(): Model {
  const ids = input({ shape: [5], dtype: 'int32' });
  let h = new Embedding({ inputDim: 9, outputDim: 4, name: 'emb' }).apply(ids);
  h = new Conv1D({ filters: 4, kernelSize: 2, padding: 'same', name: 'c1' }).apply(h);
  h = new SimpleRNN({ units: 3, returnSequences: true, name: 'rnn' }).apply(h) as SymbolicTensor;
  h = new LSTM({ units: 4, returnSequences: true, name: 'lstm' }).apply(h) as SymbolicTensor;
  h = new GRU({ units: 3, returnSequences: true, name: 'gru' }).apply(h) as SymbolicTensor;
  h = new LayerNormalization({ name: 'ln' }).apply(h);
  return model({ inputs: ids, outputs: h, name: 'rnnnet' });
}

const images = (seed: number): Tensor => {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: 2 * 8 * 8 * 2 }, () => r.uniform(-1, 1)), [2, 8, 8, 2]);
};
const tokens = (): Tensor => tensor([1, 4, 8, 0, 3, 2, 2, 7, 5, 6], [2, 5], 'int32');

describe('a model’s weights', () => {
  it.each(['tessera', 'pytorch'] as const)('round-trip in the %s layout into a freshly initialised twin, which then predicts the same', async (layout) => {
    for (const [make, x] of [[convNet, images(1)], [rnnNet, tokens()]] as const) {
      setSeed(1);
      const a = make();
      randomize(a, 2);
      const bytes = await saveSafetensors(a, { layout, metadata: { note: 'x' } });
      const header = readSafetensorsHeader(bytes);
      expect(header.metadata).toMatchObject({ 'tessera.layout': layout, 'tessera.model': a.name, note: 'x', ...(layout === 'pytorch' ? { format: 'pt' } : {}) });
      const b = make();
      const before = memory().numTensors;
      await loadSafetensors(b, bytes, { layout });
      expect(memory().numTensors).toBe(before);
      a.weights.forEach((w, i) => expect(values(b.weights[i]!)).toEqual(values(w)));
      const [ya, yb] = [a.predict(x) as Tensor, b.predict(x) as Tensor];
      expect(values(yb)).toEqual(values(ya));
      [ya, yb, a, b].forEach((t) => t.dispose());
      x.dispose();
    }
  });

  it("names the Tessera layout's tensors <layer>.<weight>, as Tessera holds them", async () => {
    const m = sequential({ layers: [new Dense({ units: 3, inputShape: [2], name: 'hidden' }), new BatchNormalization({ name: 'norm' })] });
    const t = readSafetensors(await saveSafetensors(m));
    expect(Object.keys(t)).toEqual(['hidden.kernel', 'hidden.bias', 'norm.gamma', 'norm.beta', 'norm.moving_mean', 'norm.moving_variance']);
    expect(t['hidden.kernel']!.shape).toEqual([2, 3]);
    expect(values(t['hidden.kernel']!)).toEqual(values(m.weights[0]!));
    Object.values(t).forEach((x) => x.dispose());
    m.dispose();
  });

  it("the PyTorch layout is PyTorch's: its formulas on the file's tensors (NCHW convolutions, BatchNorm, nn.Flatten, Linear) give the model's outputs", async () => {
    setSeed(3);
    const m = convNet();
    randomize(m, 4);
    const t = readSafetensors(await saveSafetensors(m, { layout: 'pytorch' }));
    expect(Object.keys(t)).toEqual([
      'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked', 'dw.weight', 'dw.bias',
      'sep.depthwise.weight', 'sep.pointwise.weight', 'sep.pointwise.bias', 'up.weight', 'up.bias', 'fc.weight', 'fc.bias',
    ]);
    expect(t['bn.num_batches_tracked']!.shape).toEqual([]);
    const p = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    const sh = (k: string): number[] => t[k]!.shape as number[];
    expect([sh('conv.weight'), sh('dw.weight'), sh('sep.pointwise.weight'), sh('up.weight'), sh('fc.weight')]).toEqual([[3, 2, 3, 3], [6, 1, 3, 3], [4, 6, 1, 1], [4, 2, 2, 2], [3, 50]]);
    const x = images(5);
    // PyTorch's forward, NCHW, written out.
    let h = conv2d(toNCHW(x.dataSync() as Float32Array, [2, 8, 8, 2]), p['conv.weight']!, sh('conv.weight'), p['conv.bias']!, 1, 1);
    h.data = h.data.map((v) => Math.max(v, 0));
    h = channelwise(h, (c, v) => ((v - p['bn.running_mean']![c]!) / Math.sqrt(p['bn.running_var']![c]! + 1e-3)) * p['bn.weight']![c]! + p['bn.bias']![c]!);
    h = conv2d(h, p['dw.weight']!, sh('dw.weight'), p['dw.bias']!, 3, 0);
    h = conv2d(h, p['sep.depthwise.weight']!, sh('sep.depthwise.weight'), null, 6, 0);
    h = conv2d(h, p['sep.pointwise.weight']!, sh('sep.pointwise.weight'), p['sep.pointwise.bias']!, 1, 0);
    h = convTranspose2x2(h, p['up.weight']!, sh('up.weight'), p['up.bias']!);
    h = maxPool2(h);
    // nn.Flatten on NCHW, then nn.Linear.
    const expected = linearRows(h.data, h.shape[0]!, p['fc.weight']!, sh('fc.weight'), p['fc.bias']!);
    const y = m.predict(x) as Tensor;
    expectClose(y.dataSync(), expected);
    [y, x, ...Object.values(t)].forEach((v) => v.dispose());
    m.dispose();
  });

  it("the PyTorch layout is PyTorch's: Embedding, Conv1d, RNN, LSTM (i, f, g, o), GRU (r, z, n) and LayerNorm formulas give the model's outputs", async () => {
    setSeed(5);
    const m = rnnNet();
    randomize(m, 6);
    const t = readSafetensors(await saveSafetensors(m, { layout: 'pytorch' }));
    expect(Object.keys(t)).toEqual([
      'emb.weight', 'c1.weight', 'c1.bias', ...['rnn', 'lstm', 'gru'].flatMap((l) => ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'].map((w) => `${l}.${w}`)),
      'ln.weight', 'ln.bias',
    ]);
    const p = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    const sh = (k: string): number[] => t[k]!.shape as number[];
    expect([sh('lstm.weight_ih_l0'), sh('lstm.weight_hh_l0'), sh('gru.weight_ih_l0'), sh('c1.weight')]).toEqual([[16, 3], [16, 4], [9, 4], [4, 4, 2]]);
    const ids = tokens();
    const idv = ids.dataSync();
    const [n, steps] = [2, 5];
    const out = new Float32Array(n * steps * 3);
    const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
    for (let i = 0; i < n; i++) {
      // nn.Embedding, then nn.Conv1d on [C, L] (kernel 2, padding 'same': one zero at the end).
      const emb = Array.from({ length: steps }, (_, s) => p['emb.weight']!.subarray(idv[i * steps + s]! * 4, idv[i * steps + s]! * 4 + 4));
      let seq = emb.map((_, s) =>
        Float32Array.from({ length: 4 }, (_, o) => {
          let v = p['c1.bias']![o]!;
          for (let c = 0; c < 4; c++) for (let k = 0; k < 2; k++) v += (s + k < steps ? emb[s + k]![c]! : 0) * p['c1.weight']![(o * 4 + c) * 2 + k]!;
          return v;
        }),
      );
      const gatesOf = (l: string, x: Float32Array, h: Float32Array): [Float32Array, Float32Array] => [
        affine(x, p[`${l}.weight_ih_l0`]!, sh(`${l}.weight_ih_l0`), p[`${l}.bias_ih_l0`]!),
        affine(h, p[`${l}.weight_hh_l0`]!, sh(`${l}.weight_hh_l0`), p[`${l}.bias_hh_l0`]!),
      ];
      let h = new Float32Array(3);
      seq = seq.map((x) => {
        const [a, b] = gatesOf('rnn', x, h);
        return (h = a.map((v, j) => Math.tanh(v + b[j]!)));
      });
      h = new Float32Array(4);
      let c = new Float32Array(4);
      seq = seq.map((x) => {
        const [a, b] = gatesOf('lstm', x, h);
        const g = a.map((v, j) => v + b[j]!);
        c = c.map((cv, j) => sigmoid(g[4 + j]!) * cv + sigmoid(g[j]!) * Math.tanh(g[8 + j]!));
        return (h = c.map((cv, j) => sigmoid(g[12 + j]!) * Math.tanh(cv)));
      });
      h = new Float32Array(3);
      seq = seq.map((x) => {
        const [a, b] = gatesOf('gru', x, h);
        const r = [0, 1, 2].map((j) => sigmoid(a[j]! + b[j]!));
        const z = [0, 1, 2].map((j) => sigmoid(a[3 + j]! + b[3 + j]!));
        const cand = [0, 1, 2].map((j) => Math.tanh(a[6 + j]! + r[j]! * b[6 + j]!));
        return (h = h.map((hv, j) => (1 - z[j]!) * cand[j]! + z[j]! * hv));
      });
      seq.forEach((v, s) => {
        const mean = v.reduce((x, y) => x + y, 0) / 3;
        const variance = v.reduce((x, y) => x + (y - mean) ** 2, 0) / 3;
        v.forEach((x, j) => (out[(i * steps + s) * 3 + j] = ((x - mean) / Math.sqrt(variance + 1e-3)) * p['ln.weight']![j]! + p['ln.bias']![j]!));
      });
    }
    const y = m.predict(ids) as Tensor;
    expectClose(y.dataSync(), out);
    [y, ids, ...Object.values(t)].forEach((v) => v.dispose());
    m.dispose();
  });

  it('refuses a layer without a PyTorch equivalent, and loads a file whose tensors do not fit the model with a clear error, changing nothing', async () => {
    const gru = sequential({ layers: [new GRU({ units: 2, resetAfter: false, inputShape: [3, 2], name: 'g' })] });
    await expect(saveSafetensors(gru, { layout: 'pytorch' })).rejects.toThrow(
      "saveSafetensors: layer 'g' (GRU) has no PyTorch layout: PyTorch's GRU applies the reset gate after the recurrent matmul (resetAfter: true) (save it with { layout: 'tessera' })",
    );
    const lstm = sequential({ layers: [new LSTM({ units: 2, recurrentActivation: 'hard_sigmoid_tfjs', inputShape: [3, 2], name: 'l' })] });
    await expect(saveSafetensors(lstm, { layout: 'pytorch' })).rejects.toThrow("layer 'l' (LSTM) has no PyTorch layout: PyTorch's LSTM computes with tanh and sigmoid");
    await expect(saveSafetensors(lstm, { layout: 'keras' as never })).rejects.toThrow(`layout must be 'tessera' or 'pytorch', got "keras"`);

    const m = sequential({ layers: [new Dense({ units: 3, inputShape: [2], name: 'd' })], name: 'm' });
    const kernel = values(m.weights[0]!);
    const before = memory().numTensors;
    const bad = async (tensors: Record<string, Tensor>, message: string | RegExp, options = {}): Promise<void> => {
      const bytes = await writeSafetensors(tensors);
      Object.values(tensors).forEach((t) => t.dispose());
      await expect(loadSafetensors(m, bytes, options)).rejects.toThrow(message);
      expect(values(m.weights[0]!)).toEqual(kernel);
      expect(memory().numTensors).toBe(before);
    };
    await bad({ 'd.kernel': tensor([[1, 2, 3]]), 'd.bias': tensor([1, 2, 3]) }, "loadSafetensors: tensor 'd.kernel' has shape [1,3] in the file, but layer 'd' (Dense) needs [2,3]");
    await bad({ 'd.kernel': tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), 'd.bias': tensor([1, 2, 3]) }, "tensor 'd.kernel' is I32, but the weights of layer 'd' are floating point");
    await bad({ 'd.kernel': tensor([[1, 2, 3], [4, 5, 6]]) }, "loadSafetensors: the file lacks 'd.bias' (layout 'tessera'; pass { strict: false } to load what matches)");
    await bad({ 'd.kernel': tensor([[1, 2, 3], [4, 5, 6]]), 'd.bias': tensor([1, 2, 3]), extra: tensor([1]) }, "the file has 'extra', which model 'm' does not");
    await bad({ 'd.weight': tensor([[1, 2], [3, 4], [5, 6]]), 'd.bias': tensor([1, 2, 3]) }, /the file lacks 'd.kernel'; the file has 'd.weight'/);
    // strict: false sets what is there and leaves the rest.
    const partial = await writeSafetensors({ 'd.kernel': tensor([[1, 2, 3], [4, 5, 6]]), other: tensor([0]) });
    const bias = values(m.weights[1]!);
    await loadSafetensors(m, partial, { strict: false });
    expect(values(m.weights[0]!)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(m.weights[1]!)).toEqual(bias);
    [gru, lstm, m].forEach((x) => x.dispose());
  });

  it('Node: saveSafetensorsFile, loadSafetensorsFile and readSafetensorsFile', async () => {
    const a = sequential({ layers: [new Dense({ units: 2, inputShape: [3], name: 'dense_a' })] });
    const b = sequential({ layers: [new Dense({ units: 2, inputShape: [3], name: 'dense_a' })] });
    const path = join(dir, 'model.safetensors');
    await saveSafetensorsFile(a, path, { layout: 'pytorch' });
    await loadSafetensorsFile(b, path, { layout: 'pytorch' });
    expect(values(b.weights[0]!)).toEqual(values(a.weights[0]!));
    const t = await readSafetensorsFile(path);
    expect(t['dense_a.weight']!.shape).toEqual([2, 3]);
    Object.values(t).forEach((x) => x.dispose());
    await expect(readSafetensorsFile(join(dir, 'none.safetensors'))).rejects.toThrow(/readSafetensors: cannot read .*none.safetensors/);
    [a, b].forEach((x) => x.dispose());
  });
});

/** x·Wᵀ + b for one vector (nn.Linear), W [out, in]. */
function affine(x: Float32Array, w: Float32Array, [out, inDim]: readonly number[], b: Float32Array): Float32Array {
  return Float32Array.from({ length: out! }, (_, o) => {
    let v = b[o]!;
    for (let j = 0; j < inDim!; j++) v += x[j]! * w[o * inDim! + j]!;
    return v;
  });
}

function linearRows(x: Float32Array, rows: number, w: Float32Array, shape: readonly number[], b: Float32Array): Float32Array {
  const inDim = shape[1]!;
  const out = new Float32Array(rows * shape[0]!);
  for (let r = 0; r < rows; r++) out.set(affine(x.subarray(r * inDim, (r + 1) * inDim), w, shape, b), r * shape[0]!);
  return out;
}

interface NCHW {
  data: Float32Array;
  shape: number[];
}

function toNCHW(x: Float32Array, [n, h, w, c]: number[]): NCHW {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n!; i++) for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) for (let k = 0; k < c!; k++) out[((i * c! + k) * h! + y) * w! + z] = x[((i * h! + y) * w! + z) * c! + k]!;
  return { data: out, shape: [n!, c!, h!, w!] };
}

function channelwise(x: NCHW, f: (c: number, v: number) => number): NCHW {
  const [, c, h, w] = x.shape as [number, number, number, number];
  return { data: x.data.map((v, i) => f(Math.floor(i / (h * w)) % c, v)), shape: x.shape };
}

/** torch.nn.functional.conv2d (stride 1, symmetric zero padding, groups). */
function conv2d(x: NCHW, weight: Float32Array, wShape: readonly number[], bias: Float32Array | null, groups: number, pad: number, stride = 1): NCHW {
  const [n, cin, h, w] = x.shape as [number, number, number, number];
  const [cout, cpg, kh, kw] = wShape as [number, number, number, number];
  const oh = (h + 2 * pad - kh) / stride + 1;
  const ow = (w + 2 * pad - kw) / stride + 1;
  const out = new Float32Array(n * cout * oh * ow);
  const outPerGroup = cout / groups;
  for (let i = 0; i < n; i++)
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / outPerGroup);
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let s = bias ? bias[o]! : 0;
          for (let ci = 0; ci < cpg; ci++)
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++) {
                const yy = y * stride + a - pad;
                const zz = z * stride + b - pad;
                if (yy < 0 || zz < 0 || yy >= h || zz >= w) continue;
                s += x.data[((i * cin + g * cpg + ci) * h + yy) * w + zz]! * weight[((o * cpg + ci) * kh + a) * kw + b]!;
              }
          out[((i * cout + o) * oh + y) * ow + z] = s;
        }
    }
  return { data: out, shape: [n, cout, oh, ow] };
}

/** torch.nn.functional.conv_transpose2d with kernel 2, stride 2 (each input pixel writes one 2x2 block). */
function convTranspose2x2(x: NCHW, weight: Float32Array, wShape: readonly number[], bias: Float32Array): NCHW {
  const [n, cin, h, w] = x.shape as [number, number, number, number];
  const [, cout] = wShape as [number, number];
  const out = new Float32Array(n * cout * 2 * h * 2 * w);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < cout; o++)
      for (let y = 0; y < 2 * h; y++)
        for (let z = 0; z < 2 * w; z++) {
          let s = bias[o]!;
          for (let c = 0; c < cin; c++) s += x.data[((i * cin + c) * h + (y >> 1)) * w + (z >> 1)]! * weight[((c * cout + o) * 2 + (y & 1)) * 2 + (z & 1)]!;
          out[((i * cout + o) * 2 * h + y) * 2 * w + z] = s;
        }
  return { data: out, shape: [n, cout, 2 * h, 2 * w] };
}

function maxPool2(x: NCHW): NCHW {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
  const out = new Float32Array(n * c * oh * ow);
  for (let i = 0; i < n * c; i++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++) {
        const at = (a: number, b: number): number => x.data[(i * h + 2 * y + a) * w + 2 * z + b]!;
        out[(i * oh + y) * ow + z] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
  return { data: out, shape: [n, c, oh, ow] };
}
