// Exported models run in the real peer, onnxruntime-node (a dev dependency: its CPU binary ships in
// the npm package), and must give Tessera's predictions within 1e-5.
import '@tessera/backend-cpu';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { Random, memory, tensor, type Tensor } from '@tessera/core';
import {
  Activation, Add, AveragePooling1D, AveragePooling2D, Average, BatchNormalization, Concatenate, Conv1D, Conv2D, Cropping2D, Dense, DepthwiseConv2D, Dot,
  Dropout, Embedding, Flatten, GRU, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, LSTM, Lambda, Layer,
  LayerNormalization, MaxPooling1D, MaxPooling2D, Maximum, Minimum, Multiply, Permute, RepeatVector, Rescaling, Reshape, SeparableConv2D, SimpleRNN,
  Subtract, UpSampling2D, ZeroPadding2D, input, registerActivation, type LayerArgs,
} from '@tessera/layers';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Model, exportOnnx, model, sequential } from '../src/index.js';
import { saveOnnxFile } from '../src/node.js';

const TOLERANCE = 1e-5;

function random(shape: number[], seed: number, scale = 1): Tensor {
  const r = new Random(seed);
  return tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal(0, scale)), shape);
}

function randomInts(shape: number[], seed: number, below: number): Tensor {
  const r = new Random(seed);
  return tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(r.uniform(0, below))), shape, 'int32');
}

/** Gives every BatchNormalization of `m` moving statistics far from the initial 0 and 1. */
function randomiseStatistics(m: Model, seed: number): void {
  const r = new Random(seed);
  for (const l of m.layers) {
    if (l instanceof BatchNormalization) {
      const c = l.movingMean!.shape[0]!;
      l.movingMean!.assign(tensor(Array.from({ length: c }, () => r.normal(0, 1)), [c]));
      l.movingVariance!.assign(tensor(Array.from({ length: c }, () => r.uniform(0.5, 2)), [c]));
      l.gamma?.assign(tensor(Array.from({ length: c }, () => r.uniform(0.5, 1.5)), [c]));
      l.beta?.assign(tensor(Array.from({ length: c }, () => r.normal(0, 1)), [c]));
    }
  }
}

function parse(bytes: Uint8Array) {
  return fromBinary(ModelProtoSchema, bytes);
}

/**
 * Exports `m`, runs the file in onnxruntime on `feeds` and compares every output with
 * `m.predict`; returns the bytes for structural checks.
 */
async function matchesOrt(m: Model, feeds: Tensor[], opset?: number): Promise<Uint8Array> {
  const bytes = await exportOnnx(m, opset === undefined ? {} : { opset });
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(m.inputNames);
    expect(session.outputNames).toEqual(m.outputNames);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [i, x] of feeds.entries()) {
      // In the dtype the model declares for the input (Tessera casts other dtypes, onnxruntime does not).
      const data = await x.data();
      ortFeeds[m.inputNames[i]!] = m.inputs[i]!.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(data), x.shape) : new ort.Tensor('float32', Float32Array.from(data), x.shape);
    }
    const results = await session.run(ortFeeds);
    const predicted = m.predict(feeds.length === 1 ? feeds[0]! : feeds) as Tensor | Tensor[];
    const list = Array.isArray(predicted) ? predicted : [predicted];
    for (const [i, name] of m.outputNames.entries()) {
      const want = list[i]!;
      const got = results[name]!;
      expect(got.dims, `output '${name}'`).toEqual(want.shape);
      const a = got.data as Float32Array;
      const b = await want.data();
      let worst = 0;
      for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / Math.max(1, Math.abs(b[k]!)));
      expect(worst, `output '${name}': largest difference`).toBeLessThanOrEqual(TOLERANCE);
    }
    list.forEach((t) => t.dispose());
  } finally {
    await session.release();
  }
  return bytes;
}

const opTypes = (bytes: Uint8Array): string[] => parse(bytes).graph!.node.map((n) => n.opType);
const count = (bytes: Uint8Array, op: string): number => opTypes(bytes).filter((o) => o === op).length;

describe('exportOnnx in onnxruntime-node', () => {
  it('an MLP (Gemm), at two batch sizes: the batch dimension is dynamic', async () => {
    const m = sequential({
      layers: [new Dense({ units: 16, activation: 'relu', inputShape: [8] }), new Dropout({ rate: 0.3 }), new Dense({ units: 10, activation: 'softmax' })],
    });
    const bytes = await matchesOrt(m, [random([5, 8], 1)]);
    await matchesOrt(m, [random([1, 8], 2)]);
    expect(opTypes(bytes)).toEqual(['Gemm', 'Relu', 'Gemm', 'Softmax', 'Identity']);
    const graph = parse(bytes).graph!;
    const dims = (v: (typeof graph.input)[number]) =>
      v.type!.value.case === 'tensorType' ? v.type!.value.value.shape!.dim.map((d) => (d.value.case === 'dimParam' ? d.value.value : Number(d.value.value))) : [];
    expect(dims(graph.input[0]!)).toEqual(['batch', 8]);
    expect(dims(graph.output[0]!)).toEqual(['batch', 10]);
  });

  it('a LeNet-5-like CNN with BatchNormalization: one Transpose (the NHWC input), the Flatten folded into the Dense kernel', async () => {
    const m = sequential({
      layers: [
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [12, 12, 1] }),
        new BatchNormalization(),
        new Activation({ activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 6, kernelSize: 3, activation: 'tanh' }),
        new AveragePooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 12, activation: 'relu' }),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    });
    randomiseStatistics(m, 3);
    const bytes = await matchesOrt(m, [random([3, 12, 12, 1], 4)]);
    expect(count(bytes, 'Transpose')).toBe(1);
    expect(count(bytes, 'BatchNormalization')).toBe(1);
  });

  it('a residual network with Add skips (functional API), strides and same padding', async () => {
    const x = input({ shape: [8, 8, 3], name: 'image' });
    let h = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as never;
    for (let i = 0; i < 2; i++) {
      let y = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(h) as never;
      y = new BatchNormalization().apply(y) as never;
      y = new Activation({ activation: 'relu' }).apply(y) as never;
      y = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(y) as never;
      h = new Activation({ activation: 'relu' }).apply(new Add().apply([h, y])) as never;
    }
    h = new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'gelu' }).apply(h) as never;
    const out = new Dense({ units: 5, activation: 'softmax', name: 'probs' }).apply(new GlobalAveragePooling2D().apply(h)) as never;
    const m = model({ inputs: x, outputs: out });
    randomiseStatistics(m, 5);
    const bytes = await matchesOrt(m, [random([2, 8, 8, 3], 6)]);
    expect(count(bytes, 'Transpose')).toBe(1);
  });

  it('a model with two inputs and two outputs, and every merge layer', async () => {
    const a = input({ shape: [6], name: 'a' });
    const img = input({ shape: [4, 4, 2], name: 'img' });
    const fa = new BatchNormalization().apply(new Dense({ units: 6, activation: 'tanh' }).apply(a)) as never;
    // The flattened conv output feeds a Dense (folded into its kernel) and, in Tessera's order, the Concatenate below.
    const flat = new Flatten().apply(new Conv2D({ filters: 3, kernelSize: 2 }).apply(img)) as never;
    const fi = new Dense({ units: 6 }).apply(flat) as never;
    const merged = [new Add(), new Subtract(), new Multiply(), new Average(), new Maximum(), new Minimum()].map((l) => l.apply([fa, fi]) as never);
    const cat = new Concatenate().apply(merged) as never;
    const dotted = new Dot({ axes: 1, normalize: true }).apply([fa, fi]) as never;
    const out1 = new Dense({ units: 3, activation: 'softmax', name: 'klass' }).apply(new Concatenate().apply([cat, dotted, flat])) as never;
    const out2 = new Dense({ units: 1, name: 'score' }).apply(fa) as never;
    const m = model({ inputs: [a, img], outputs: [out1, out2] });
    randomiseStatistics(m, 17);
    const bytes = await matchesOrt(m, [random([3, 6], 7), random([3, 4, 4, 2], 8)]);
    expect(count(bytes, 'BatchNormalization')).toBe(1);
    expect(count(bytes, 'Transpose')).toBe(2); // the NHWC input, and the flattened maps back in Tessera's order
  });

  it('Embedding + LSTM models: int32 token ids, or float ids cast as Tessera does; returnSequences, goBackwards', async () => {
    const tokens = input({ shape: [7], dtype: 'int32', name: 'tokens' });
    let h = new Embedding({ inputDim: 20, outputDim: 6 }).apply(tokens) as never;
    h = new LSTM({ units: 5, returnSequences: true }).apply(h) as never;
    h = new LSTM({ units: 4, goBackwards: true }).apply(h) as never;
    const m = model({ inputs: tokens, outputs: new Dense({ units: 3, activation: 'softmax' }).apply(h) as never });
    const bytes = await matchesOrt(m, [randomInts([3, 7], 9, 20)]);
    expect(count(bytes, 'LSTM')).toBe(2);
    const type = parse(bytes).graph!.input[0]!.type!.value;
    expect(type.case === 'tensorType' && type.value.elemType).toBe(6); // INT32
    const floatIds = sequential({ layers: [new Embedding({ inputDim: 20, outputDim: 4, inputShape: [5] }), new LSTM({ units: 3 })] });
    expect(count(await matchesOrt(floatIds, [randomInts([2, 5], 10, 20)]), 'Cast')).toBe(1);
  });

  it('GRU (resetAfter true and false) and SimpleRNN models, with states returned', async () => {
    const x = input({ shape: [6, 3], name: 'sequence' });
    const seq = new GRU({ units: 5, returnSequences: true }).apply(x) as never;
    const back = new GRU({ units: 4, resetAfter: false, goBackwards: true, returnSequences: true }).apply(seq) as never;
    const [last, state] = new SimpleRNN({ units: 3, returnState: true, activation: 'relu' }).apply(back) as never[];
    const [, h, c] = new LSTM({ units: 2, returnState: true }).apply(seq) as never[];
    const m = model({ inputs: x, outputs: [new Dense({ units: 2, name: 'head' }).apply(last!) as never, state!, h!, c!] });
    const bytes = await matchesOrt(m, [random([2, 6, 3], 10)]);
    expect(count(bytes, 'GRU')).toBe(2);
    expect(count(bytes, 'RNN')).toBe(1);
  });

  it('TF.js-style recurrent gates (hard_sigmoid_tfjs) map to HardSigmoid', async () => {
    const m = sequential({
      layers: [
        new LSTM({ units: 4, recurrentActivation: 'hard_sigmoid_tfjs', returnSequences: true, inputShape: [5, 3] }),
        new GRU({ units: 3, recurrentActivation: 'hard_sigmoid_tfjs', resetAfter: false }),
      ],
    });
    await matchesOrt(m, [random([2, 5, 3], 11, 2)]);
  });

  it('every built-in activation', async () => {
    const names = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'elu', 'selu', 'softplus', 'swish', 'leaky_relu', 'relu6', 'hard_sigmoid_tfjs'];
    const x = input({ shape: [6] });
    const outs = names.map((a) => new Dense({ units: 4, activation: a, name: `act_${a}` }).apply(x) as never);
    await matchesOrt(model({ inputs: x, outputs: outs }), [random([4, 6], 12, 3)]);
  });

  it('1-D and 2-D convolution and pooling variants, padding, cropping, up-sampling, reshaping and a nested model', async () => {
    const seq = input({ shape: [10, 3], name: 'seq' });
    let s = new Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu' }).apply(seq) as never;
    s = new Conv1D({ filters: 4, kernelSize: 3, padding: 'same', strides: 2 }).apply(s) as never;
    const s1 = new GlobalMaxPooling1D().apply(new MaxPooling1D({ poolSize: 2, padding: 'same' }).apply(s)) as never;
    const s2 = new GlobalAveragePooling1D().apply(new AveragePooling1D({ poolSize: 2 }).apply(s)) as never;
    const img = input({ shape: [6, 6, 2], name: 'img' });
    let i = new Rescaling({ scale: 0.5, offset: -1 }).apply(img) as never;
    i = new ZeroPadding2D({ padding: [[1, 0], [0, 2]] }).apply(i) as never;
    i = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation: 'relu' }).apply(i) as never;
    i = new SeparableConv2D({ filters: 3, kernelSize: 2, padding: 'same' }).apply(i) as never;
    i = new UpSampling2D({ size: [2, 1] }).apply(i) as never;
    i = new Cropping2D({ cropping: [[1, 2], [0, 1]] }).apply(i) as never;
    const i1 = new GlobalMaxPooling2D().apply(i) as never;
    const i2 = new Flatten().apply(new Permute({ dims: [2, 1, 3] }).apply(i)) as never;
    const inner = sequential({ layers: [new Dense({ units: 6, activation: 'elu', inputShape: [8], name: 'twin' }), new LayerNormalization(), new Reshape({ targetShape: [2, 3] })] });
    // The outer 'twin' shares its name with a layer of the nested model, not its weights.
    const nested = new Dense({ units: 5, name: 'twin' }).apply(new Flatten().apply(inner.apply(new Concatenate().apply([s1, s2])) as never)) as never;
    const repeated = new Flatten().apply(new LayerNormalization({ axis: [1, 2] }).apply(new RepeatVector({ n: 2 }).apply(i1))) as never;
    const normed = new BatchNormalization().apply(new Reshape({ targetShape: [3, -1] }).apply(i2)) as never;
    const out = new Concatenate({ name: 'features' }).apply([nested, repeated, new Flatten().apply(normed)]) as never;
    const m = model({ inputs: [seq, img], outputs: out });
    randomiseStatistics(m, 13);
    const feeds = [random([2, 10, 3], 14), random([2, 6, 6, 2], 15)];
    await matchesOrt(m, feeds);
    await matchesOrt(m, feeds, 13);
  });

  it('writes opsets 13 to 21 (LayerNormalization as an op from 17, composed before)', async () => {
    const m = sequential({
      layers: [new Dense({ units: 4, inputShape: [3, 5] }), new LayerNormalization(), new Flatten(), new Dense({ units: 2 })],
    });
    for (const opset of [13, 18, 21]) {
      const bytes = await matchesOrt(m, [random([2, 3, 5], 16)], opset);
      expect(Number(parse(bytes).opsetImport[0]!.version)).toBe(opset);
    }
  });
});

describe('saveOnnxFile (Node)', () => {
  it('writes a file onnxruntime loads by path; an export error leaves no file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-onnx-'));
    try {
      const m = sequential({ layers: [new Dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
      const path = join(dir, 'sub', 'mlp.onnx');
      const written = await saveOnnxFile(m, path, { opset: 13 });
      expect((await stat(path)).size).toBe(written);
      const session = await ort.InferenceSession.create(path);
      const x = random([2, 4], 20);
      const out = (await session.run({ [m.inputNames[0]!]: new ort.Tensor('float32', await x.data(), [2, 4]) }))[m.outputNames[0]!]!;
      expect(out.dims).toEqual([2, 3]);
      await session.release();
      const bad = sequential({ layers: [new Dense({ units: 2, inputShape: [3] }), new Lambda({ fn: (t) => t as Tensor })] });
      await expect(saveOnnxFile(bad, join(dir, 'bad.onnx'))).rejects.toThrow(/is a Lambda layer/);
      expect(await readdir(dir)).toEqual(['sub']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('exportOnnx refuses what ONNX cannot hold', () => {
  const mlp = (extra: Layer) => sequential({ layers: [new Dense({ units: 4, inputShape: [3] }), extra] });

  it('a Lambda layer, naming it', async () => {
    const m = mlp(new Lambda({ fn: (t) => (t as Tensor), name: 'my_lambda' }));
    await expect(exportOnnx(m)).rejects.toThrow(/layer 'my_lambda' is a Lambda layer: it runs a JavaScript function/);
  });

  it('a custom layer, naming it and the exported layers', async () => {
    class Doubler extends Layer<Tensor, Tensor> {
      constructor(args: LayerArgs = {}) {
        super(args);
      }
      call(t: Tensor): Tensor {
        return t;
      }
    }
    await expect(exportOnnx(mlp(new Doubler({ name: 'doubler' })))).rejects.toThrow(/layer 'doubler' \(Doubler\) has no ONNX mapping; exported layers: InputLayer, Dense/);
  });

  it('a subclass of a mapped layer (it may compute something else)', async () => {
    class MyDense extends Dense {}
    await expect(exportOnnx(mlp(new MyDense({ units: 2, name: 'mine' })))).rejects.toThrow(/layer 'mine' \(MyDense\) has no ONNX mapping/);
  });

  it("a registered activation with no ONNX op, and one ONNX's recurrent ops do not take", async () => {
    registerActivation('onnx_test_square', (t) => t);
    await expect(exportOnnx(mlp(new Activation({ activation: 'onnx_test_square', name: 'sq' })))).rejects.toThrow(
      /layer 'sq' \(Activation\) uses the activation 'onnx_test_square', which has no ONNX mapping/,
    );
    const rnn = sequential({ layers: [new LSTM({ units: 2, activation: 'elu', inputShape: [3, 2], name: 'elu_lstm' })] });
    await expect(exportOnnx(rnn)).rejects.toThrow(/layer 'elu_lstm' \(LSTM\) uses the activation 'elu', which ONNX's LSTM op does not take/);
  });

  it('bilinear up-sampling, layer normalisation over leading axes', async () => {
    const up = sequential({ layers: [new UpSampling2D({ size: 2, interpolation: 'bilinear', inputShape: [2, 2, 1], name: 'up' })] });
    await expect(exportOnnx(up)).rejects.toThrow(/layer 'up' \(UpSampling2D\) uses interpolation 'bilinear'/);
    const ln = sequential({ layers: [new LayerNormalization({ axis: 1, inputShape: [3, 4], name: 'ln' })] });
    await expect(exportOnnx(ln)).rejects.toThrow(/layer 'ln' \(LayerNormalization\) normalises axes \[1\] of a rank-3 input/);
  });

  it('bad options', async () => {
    const m = mlp(new Dense({ units: 2 }));
    await expect(exportOnnx(m, { opset: 12 })).rejects.toThrow('exportOnnx: opset must be an integer from 13 to 21, got 12');
    await expect(exportOnnx(m, { opst: 17 } as never)).rejects.toThrow("exportOnnx: unknown option 'opst' (options: opset, docString)");
    await expect(exportOnnx({} as never)).rejects.toThrow('exportOnnx: expected a Model or Sequential');
  });

  it('leaves no tensors behind, also after an error', async () => {
    const m = mlp(new Lambda({ fn: (t) => (t as Tensor) }));
    const ok = mlp(new Dense({ units: 2 }));
    const before = memory().numTensors;
    await exportOnnx(ok);
    await expect(exportOnnx(m)).rejects.toThrow(/Lambda/);
    expect(memory().numTensors).toBe(before);
  });
});
