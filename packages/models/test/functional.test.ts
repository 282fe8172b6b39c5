import '@tessera/backend-cpu';
import { Random, add, memory, mul, relu, setSeed, slice, tensor, type Tensor } from '@tessera/core';
import {
  Add, BatchNormalization, Concatenate, Conv2D, Dense, Dot, Dropout, Embedding, Flatten, GlobalAveragePooling2D, Lambda, Layer, Multiply, SimpleRNN,
  Subtract, input,
  registerLambda, registerLayer, type LayerArgs,
} from '@tessera/layers';
import { adam, sgd } from '@tessera/optimizers';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Model, Sequential, loadModel, memoryHandler, model, sequential } from '../src/index.js';

function randn(shape: number[], seed: number): Tensor {
  const r = new Random(seed);
  return tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal(0, 1)), shape);
}

async function values(t: Tensor | Tensor[]): Promise<number[]> {
  const list = Array.isArray(t) ? t : [t];
  const out: number[] = [];
  for (const x of list) out.push(...(await x.data()));
  return out;
}

/** A residual block as a custom layer holding its sublayers as properties: no registration call. */
class ResidualBlock extends Layer<Tensor, Tensor> {
  readonly units: number;
  private readonly inner: Dense;
  private readonly outer: Dense;
  constructor(args: LayerArgs & { units: number }) {
    super(args);
    this.units = args.units;
    this.inner = new Dense({ units: args.units, activation: 'relu' });
    this.outer = new Dense({ units: args.units });
  }
  call(x: Tensor): Tensor {
    return relu(add(x, this.outer.apply(this.inner.apply(x))));
  }
  override getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}
registerLayer('ResidualBlock', ResidualBlock);

/** A layer holding layers in an array and a Map. */
class Tower extends Layer<Tensor, Tensor> {
  private readonly stack = [new Dense({ units: 4, activation: 'tanh' }), new Dense({ units: 4, activation: 'tanh' })];
  private readonly heads = new Map([['out', new Dense({ units: 1 })]]);
  call(x: Tensor): Tensor {
    let h = x;
    for (const l of this.stack) h = l.apply(h);
    return this.heads.get('out')!.apply(h);
  }
}
registerLayer('Tower', Tower);

describe('functional models', () => {
  it('model() is typed by what it is given: one tensor in and out for one input and output, lists for lists', () => {
    const [a, b] = [input({ shape: [3], name: 'a' }), input({ shape: [3], name: 'b' })];
    const one = model({ inputs: a, outputs: new Dense({ units: 2 }).apply(a) });
    const listOfOne = model({ inputs: [a], outputs: [new Dense({ units: 2 }).apply(a)] });
    const two = model({ inputs: [a, b], outputs: [new Dense({ units: 2 }).apply(a), new Dense({ units: 1 }).apply(b)] });
    expectTypeOf(one).toEqualTypeOf<Model<Tensor, Tensor>>();
    expectTypeOf(listOfOne).toEqualTypeOf<Model<Tensor, Tensor>>();
    expectTypeOf(two).toEqualTypeOf<Model<Tensor[], Tensor[]>>();
    const x = tensor([[1, 2, 3]]);
    // At run time too: a list of one is one tensor, as the types say.
    const [y1, y2] = [one.predict(x), listOfOne.predict(x)];
    const ys = two.predict([x, x]);
    expect(y1.shape).toEqual([1, 2]);
    expect(y2.shape).toEqual([1, 2]);
    expect(ys.map((t) => t.shape)).toEqual([[1, 2], [1, 1]]);
    [x, y1, y2, ...ys].forEach((t) => t.dispose());
    [one, listOfOne, two].forEach((m) => m.dispose());
  });

  it('a two-input model (image + side feature) trains, saves and reloads to the same predictions', async () => {
    setSeed(1);
    const before = memory().numTensors;
    const img = input({ shape: [6, 6, 1], name: 'image' });
    const side = input({ shape: [2], name: 'side' });
    const f = new Flatten().apply(new Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }).apply(img));
    const joined = new Concatenate().apply([f, new Dense({ units: 3, activation: 'relu' }).apply(side)]);
    const out = new Dense({ units: 1, activation: 'sigmoid', name: 'prob' }).apply(joined);
    const m = model({ inputs: [img, side], outputs: out });
    expect(m.inputNames).toEqual(['image', 'side']);
    expect(m.outputNames).toEqual(['prob']);
    m.compile({ optimizer: adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    // The label depends on the side feature only: the model must use its second input.
    const xi = randn([64, 6, 6, 1], 2);
    const xs = randn([64, 2], 3);
    const y = tensor(Array.from(await xs.data()).filter((_, i) => i % 2 === 0).map((v) => (v > 0 ? 1 : 0)), [64, 1]);
    const h = await m.fit({ image: xi, side: xs }, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const acc = h.history['acc'] ?? h.history['accuracy'];
    expect(acc!.at(-1)).toBeGreaterThan(0.9);
    const mem = memoryHandler();
    await m.save(mem);
    const back = await loadModel(mem);
    expect(back).toBeInstanceOf(Model);
    expect(back.inputNames).toEqual(['image', 'side']);
    const [p1, p2] = [m.predict([xi, xs]), back.predict([xi, xs])];
    expect(await values(p2)).toEqual(await values(p1));
    // The compiled state came back too: training continues.
    await back.fit([xi, xs], y, { epochs: 1, batchSize: 32, verbose: 0 });
    [p1, p2].forEach((t) => (t as Tensor).dispose());
    [m, back].forEach((x) => x.dispose());
    [xi, xs, y].forEach((t) => t.dispose());
    expect(memory().numTensors).toBe(before);
  });

  it('a two-output model (class + regression) takes per-output losses, lossWeights and metrics, and names the logs per output', async () => {
    setSeed(2);
    const x = input({ shape: [4] });
    const h = new Dense({ units: 16, activation: 'relu' }).apply(x);
    const cls = new Dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h);
    const reg = new Dense({ units: 1, name: 'reg' }).apply(h);
    const m = model({ inputs: x, outputs: [cls, reg] });
    m.compile({
      optimizer: adam(0.03),
      loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' },
      lossWeights: { cls: 1, reg: 0.5 },
      metrics: { cls: ['accuracy'], reg: ['mae'] },
    });
    expect(m.metricsNames).toEqual(['loss', 'cls_loss', 'reg_loss', 'cls_accuracy', 'reg_mae']);
    const xs = randn([96, 4], 5);
    const d = await xs.data();
    const labels = tensor(Array.from({ length: 96 }, (_, i) => (d[4 * i]! > 0.5 ? 2 : d[4 * i]! > -0.5 ? 1 : 0)), [96], 'int32');
    const target = tensor(Array.from({ length: 96 }, (_, i) => d[4 * i + 1]! * 2 - d[4 * i + 2]!), [96, 1]);
    const hist = await m.fit(xs, { reg: target, cls: labels }, { epochs: 40, batchSize: 32, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(hist.history).sort()).toEqual(
      ['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'reg_mae', 'val_cls_accuracy', 'val_cls_loss', 'val_loss', 'val_reg_loss', 'val_reg_mae'].sort(),
    );
    const last = (k: string): number => hist.history[k]!.at(-1)!;
    // The total is the weighted sum of the outputs' losses.
    const logs = await m.evaluate(xs, [labels, target], { batchSize: 96 });
    expect(logs['loss']).toBeCloseTo(logs['cls_loss']! + 0.5 * logs['reg_loss']!, 4);
    expect(last('cls_accuracy')).toBeGreaterThan(0.8);
    expect(last('reg_loss')).toBeLessThan(hist.history['reg_loss']![0]! / 4);
    const mem = memoryHandler();
    await m.save(mem);
    const back = await loadModel(mem);
    expect(back.outputNames).toEqual(['cls', 'reg']);
    expect(await back.evaluate(xs, [labels, target], { batchSize: 96 })).toEqual(logs);
    const p = back.predict(xs) as Tensor[];
    expect(p.map((t) => t.shape)).toEqual([[96, 3], [96, 1]]);
    p.forEach((t) => t.dispose());
    [m, back].forEach((x) => x.dispose());
    [xs, labels, target].forEach((t) => t.dispose());
  });

  it('a residual block as a custom layer: its sublayers are tracked, trained, saved and reloaded', async () => {
    setSeed(3);
    const before = memory().numTensors;
    const x = input({ shape: [6] });
    const block = new ResidualBlock({ units: 6 });
    const out = new Dense({ units: 1 }).apply(block.apply(x));
    const m = model({ inputs: x, outputs: out });
    expect(block.subLayers.length).toBe(2);
    expect(block.trainableWeights.length).toBe(4);
    expect(m.trainableWeights.length).toBe(6);
    expect(m.countParams()).toBe(2 * (36 + 6) + 7);
    m.compile({ optimizer: sgd(0.05), loss: 'meanSquaredError' });
    const xs = randn([32, 6], 4);
    const ys = randn([32, 1], 5);
    const innerBefore = await values(block.trainableWeights[0]!);
    await m.fit(xs, ys, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(await values(block.trainableWeights[0]!)).not.toEqual(innerBefore);
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/residual_block\w* \(ResidualBlock\)\s+\(None, 6\)\s+84\s+input_layer\w*\[0\]\[0\]/);
    const mem = memoryHandler();
    await m.save(mem);
    const back = await loadModel(mem);
    expect(back.trainableWeights.length).toBe(6);
    const [p1, p2] = [m.predict(xs) as Tensor, back.predict(xs) as Tensor];
    expect(await values(p2)).toEqual(await values(p1));
    // Freezing the block freezes its sublayers.
    block.trainable = false;
    expect(m.trainableWeights.length).toBe(2);
    [p1, p2, xs, ys].forEach((t) => t.dispose());
    [m, back].forEach((v) => v.dispose());
    expect(memory().numTensors).toBe(before);
  });

  it('layers held in arrays and maps are tracked, in a Sequential too', async () => {
    const m = sequential({ layers: [new Tower({ inputShape: [3] })] });
    expect(m.weights.length).toBe(6);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const xs = randn([8, 3], 1);
    await m.trainOnBatch(xs, randn([8, 1], 2));
    const mem = memoryHandler();
    await m.save(mem);
    const back = await loadModel<Sequential>(mem);
    expect(await values(back.predict(xs))).toEqual(await values(m.predict(xs)));
    m.dispose();
    back.dispose();
  });

  it('a model used as a layer of another model, and a layer shared by two branches', async () => {
    setSeed(4);
    const a = input({ shape: [3] });
    const encoder = model({ inputs: a, outputs: new Dense({ units: 2, activation: 'tanh', name: 'enc' }).apply(a), name: 'encoder' });
    const left = input({ shape: [3], name: 'left' });
    const right = input({ shape: [3], name: 'right' });
    const shared = new Dense({ units: 2, name: 'shared' });
    const dist = new Subtract().apply([encoder.apply(left) as never, encoder.apply(right) as never]);
    const sim = new Dot({ axes: 1, normalize: true }).apply([shared.apply(left), shared.apply(right)]);
    const out = new Dense({ units: 1, activation: 'sigmoid' }).apply(new Concatenate().apply([dist, sim]));
    const siamese = model({ inputs: [left, right], outputs: out });
    expect(siamese.weights.length).toBe(2 + 2 + 2);
    siamese.compile({ optimizer: adam(0.01), loss: 'binaryCrossentropy' });
    const xl = randn([16, 3], 6);
    const xr = randn([16, 3], 7);
    await siamese.fit([xl, xr], tensor(Array.from({ length: 16 }, (_, i) => i % 2), [16, 1]), { epochs: 2, verbose: 0 });
    const lines: string[] = [];
    siamese.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/shared \(Dense\)\s+\(None, 2\)\s+8\s+left\[0\]\[0\], right\[0\]\[0\]/);
    const mem = memoryHandler();
    await siamese.save(mem);
    const back = await loadModel(mem);
    expect(await values(back.predict([xl, xr]))).toEqual(await values(siamese.predict([xl, xr])));
    expect(back.getLayer('encoder')).toBeInstanceOf(Model);
    siamese.dispose();
    back.dispose();
  });

  it('merge layers compute what they say', async () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    expect(await values(new Add().apply([a, b]))).toEqual([6, 8, 10, 12]);
    expect(await values(new Multiply().apply([a, b]))).toEqual([5, 12, 21, 32]);
    expect(await values(new Concatenate().apply([a, b]))).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
    expect(await values(new Dot({ axes: 1 }).apply([a, b]))).toEqual([17, 53]);
    const m3 = tensor([[[1, 2], [3, 4]]]);
    const n3 = tensor([[[1, 0], [0, 1]]]);
    expect(await values(new Dot({ axes: [2, 1] }).apply([m3, n3]))).toEqual([1, 2, 3, 4]);
    expect(await values(new Dot({ axes: [1, 1] }).apply([m3, n3]))).toEqual([1, 3, 2, 4]);
  });

  it('reports graph mistakes at model() and compile() time, naming the layers and shapes', () => {
    const x = input({ shape: [4], name: 'x_in' });
    const other = input({ shape: [4], name: 'other_in' });
    const y = new Dense({ units: 2 }).apply(other);
    expect(() => model({ inputs: x, outputs: y })).toThrow(/depends on the input 'other_in' \[null,4\], which is not among the model's inputs \('x_in'\)/);
    expect(() => model({ inputs: [x, other], outputs: y })).toThrow(/input 'x_in' is not used by any output/);
    expect(() => new Add().apply([x, new Dense({ units: 3 }).apply(x)])).toThrow(/add\w* \(Add\): its inputs must have the same shape, got \[null,4\], \[null,3\]/);
    const d = new Dense({ units: 2 });
    d.apply(x);
    expect(() => d.apply(input({ shape: [5] }))).toThrow(/dense\w* \(Dense\): got an input of shape \[null,5\], expected rank >= 2 with axis -1 of size 4/);
    const twin = new Dense({ units: 2, name: 'twin' }).apply(new Dense({ units: 2, name: 'twin' }).apply(x));
    expect(() => model({ inputs: x, outputs: twin })).toThrow(/two layers are named 'twin'/);
    expect(() => model({ inputs: y, outputs: y })).toThrow(/inputs\[0\] is the output of layer 'dense\w*' \(Dense\), not an input\(\)/);
    const two = model({ inputs: other, outputs: [y, new Dense({ units: 1, name: 'r' }).apply(other)] });
    expect(() => two.compile({ optimizer: 'sgd', loss: { [two.outputNames[0]!]: 'mse' } })).toThrow(/loss has no entry for output 'r' \(every output needs one\)/);
    expect(() => two.compile({ optimizer: 'sgd', loss: ['mse'] })).toThrow(/loss has 1 entries, the model has 2 outputs/);
    expect(() => new Dense({ units: 1 }).apply([x, x])).toThrow(/takes one input tensor, got a list of 2/);
    two.dispose();
  });

  it('a Lambda layer saves under its registered name; an unregistered one says so at save time', async () => {
    const double = (t: Tensor | Tensor[]): Tensor => mul(t as Tensor, 2);
    registerLambda('double', double);
    const x = input({ shape: [2] });
    const m = model({ inputs: x, outputs: new Lambda({ fn: double }).apply(x) });
    const mem = memoryHandler();
    await m.save(mem);
    const back = await loadModel(mem);
    const t = tensor([[1, 2]]);
    expect(await values(back.predict(t))).toEqual([2, 4]);
    const anon = model({ inputs: x, outputs: new Lambda({ fn: (v) => mul(v as Tensor, 3) }).apply(x) });
    await expect(anon.save(memoryHandler())).rejects.toThrow(/Lambda layer 'lambda\w*' runs a function that is not registered.*registerLambda/);
    [m, back, anon].forEach((v) => v.dispose());
  });

  it('regularization counts in evaluate and val_loss as in the training loss', async () => {
    setSeed(5);
    const m = sequential({ layers: [new Dense({ units: 1, inputShape: [3], kernelRegularizer: { className: 'L2', config: { l2: 10 } } })] });
    m.compile({ optimizer: sgd(0), loss: 'mse' });
    const xs = randn([8, 3], 1);
    const ys = randn([8, 1], 2);
    const h = await m.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0, validationData: [xs, ys], shuffle: false });
    // Learning rate 0: the weights do not move, so training and validation loss agree.
    expect(h.history['val_loss']![0]).toBeCloseTo(h.history['loss']![0]!, 5);
    const ev = await m.evaluate(xs, ys);
    expect(ev['loss']).toBeCloseTo(h.history['loss']![0]!, 5);
    m.dispose();
  });

  it('setSeed makes fit’s shuffle repeatable (and a seed given to fit still wins)', async () => {
    const run = async (seed: number | undefined, globalSeed: number): Promise<number[]> => {
      setSeed(globalSeed);
      const m = sequential({ layers: [new Dense({ units: 1, inputShape: [2] }), new Dropout({ rate: 0.3 })] });
      m.compile({ optimizer: sgd(0.1), loss: 'mse' });
      const xs = randn([20, 2], 9);
      const ys = randn([20, 1], 10);
      const losses: number[] = [];
      await m.fit(xs, ys, { epochs: 2, batchSize: 4, verbose: 0, ...(seed === undefined ? {} : { seed }), callbacks: [{ onBatchEnd: (_, l) => void losses.push(l!['loss']!) }] });
      m.dispose();
      return losses;
    };
    expect(await run(undefined, 7)).toEqual(await run(undefined, 7));
    expect(await run(undefined, 7)).not.toEqual(await run(undefined, 8));
    const [a, b] = [await run(3, 7), await run(3, 7)];
    expect(a).toEqual(b);
  });

  it('a ResNet-style graph with BatchNorm, Add skips and global pooling trains and keeps memory flat', async () => {
    setSeed(6);
    const x = input({ shape: [8, 8, 1] });
    let h = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    const skip = h;
    h = new BatchNormalization().apply(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(h));
    h = new Add().apply([h, skip]);
    const out = new Dense({ units: 2, activation: 'softmax' }).apply(new GlobalAveragePooling2D().apply(h));
    const m = model({ inputs: x, outputs: out });
    m.compile({ optimizer: adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const xs = randn([16, 8, 8, 1], 3);
    const ys = tensor(Array.from({ length: 16 }, (_, i) => i % 2), [16], 'int32');
    await m.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
    const before = memory().numTensors;
    await m.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
    await m.evaluate(xs, ys);
    expect(memory().numTensors).toBe(before);
    m.dispose();
  });

  it('sparse targets of shape [batch, time] train a next-token model (loss and accuracy over every step)', async () => {
    setSeed(8);
    const tokens = input({ shape: [5], dtype: 'int32' });
    const h = new SimpleRNN({ units: 12, returnSequences: true }).apply(new Embedding({ inputDim: 4, outputDim: 6 }).apply(tokens));
    const m = model({ inputs: tokens, outputs: new Dense({ units: 4 }).apply(h) });
    m.compile({ optimizer: adam(0.05), loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, metrics: ['accuracy'] });
    // The sequence 0 1 2 3 0 1 2 3 ...: each next token follows from the current one.
    const start = Array.from({ length: 16 }, (_, i) => i % 4);
    const xs = tensor(start.flatMap((s) => [0, 1, 2, 3, 4].map((t) => (s + t) % 4)), [16, 5], 'int32');
    const ys = tensor(start.flatMap((s) => [1, 2, 3, 4, 5].map((t) => (s + t) % 4)), [16, 5], 'int32');
    const hist = await m.fit(xs, ys, { epochs: 30, batchSize: 8, verbose: 0 });
    expect(hist.history['loss']!.at(-1)).toBeLessThan(hist.history['loss']![0]! / 5);
    expect(hist.history['accuracy']!.at(-1)).toBe(1);
    m.dispose();
    [xs, ys].forEach((t) => t.dispose());
  });

  it('a cycle in a graph (which the API cannot make, so forged here) is an error naming the layers', () => {
    const x = input({ shape: [2] });
    const a = new Dense({ units: 2, name: 'first' }).apply(x);
    const b = new Dense({ units: 2, name: 'second' }).apply(a);
    (a.node.inputs as unknown[]).push(b);
    expect(() => model({ inputs: x, outputs: b })).toThrow(/the graph has a cycle through layer 'second' \(0 \('second'\) ← second ← first ← second\)/);
  });

  it('fits a dataset of name-keyed batches, and resumes a functional model exactly from a checkpoint', async () => {
    const build = (): Model => {
      setSeed(11);
      const a = input({ shape: [3], name: 'a' });
      const b = input({ shape: [2], name: 'b' });
      const h = new Dropout({ rate: 0.3, seed: 5 }).apply(new Dense({ units: 8, activation: 'relu' }).apply(new Concatenate().apply([a, b])));
      const m = model({ inputs: [a, b], outputs: new Dense({ units: 1, name: 'y' }).apply(h) });
      m.compile({ optimizer: adam(0.01), loss: 'mse' });
      return m;
    };
    const xa = randn([24, 3], 1);
    const xb = randn([24, 2], 2);
    const y = randn([24, 1], 3);
    const batches = (): { xs: Record<string, Tensor>; ys: Record<string, Tensor> }[] =>
      [0, 8, 16].map((s) => ({ xs: { a: slice(xa, [s], [8]), b: slice(xb, [s], [8]) }, ys: { y: slice(y, [s], [8]) } }));
    const losses = async (m: Model, from: number, to: number): Promise<number[]> => {
      const out: number[] = [];
      for (let e = from; e < to; e++) out.push(...(await m.fit(batches(), { epochs: e + 1, initialEpoch: e, verbose: 0 })).history['loss']!);
      return out;
    };
    const straight = build();
    const all = await losses(straight, 0, 4);
    const first = build();
    const head = await losses(first, 0, 2);
    const mem = memoryHandler();
    await first.save(mem);
    const resumed = await loadModel(mem);
    const tail = await losses(resumed, 2, 4);
    expect([...head, ...tail]).toEqual(all);
    [straight, first, resumed].forEach((m) => m.dispose());
    [xa, xb, y].forEach((t) => t.dispose());
  });
});
