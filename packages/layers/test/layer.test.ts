import { memory, mul, setSeed, tensor, type Tensor } from '@tessera/core';
import { variableGrads } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import {
  BatchNormalization, Conv2D, Dense, Dropout, Flatten, GRU, LSTM, Layer, MaxPooling2D, SimpleRNN, deserializeLayer, l2, registerLayer,
  registeredLayers, resetLayerNames, serializeLayer, toSnakeCase, type BaseLayerConfig, type LayerArgs,
} from '../src/index.js';
import { randomTensor, values } from './helpers.js';

describe('names', () => {
  it('snake-cases class names like Keras', () => {
    expect(toSnakeCase('Dense')).toBe('dense');
    expect(toSnakeCase('Conv2D')).toBe('conv2d');
    expect(toSnakeCase('MaxPooling2D')).toBe('max_pooling2d');
    expect(toSnakeCase('BatchNormalization')).toBe('batch_normalization');
    expect(toSnakeCase('SimpleRNN')).toBe('simple_rnn');
    expect(toSnakeCase('GlobalAveragePooling2D')).toBe('global_average_pooling2d');
    expect(toSnakeCase('LSTM')).toBe('lstm');
  });

  it('gives unique default names, skipping explicit ones, and names weights after the layer', () => {
    resetLayerNames();
    const a = new Dense({ units: 2 });
    const b = new Dense({ units: 2 });
    const explicit = new Dense({ units: 2, name: 'dense_2' });
    const c = new Dense({ units: 2 });
    expect([a.name, b.name, explicit.name, c.name]).toEqual(['dense', 'dense_1', 'dense_2', 'dense_3']);
    expect(new Conv2D({ filters: 1, kernelSize: 1 }).name).toBe('conv2d');
    b.build([null, 3]);
    expect(b.weights.map((w) => w.name)).toEqual(['dense_1/kernel', 'dense_1/bias']);
    [a, b, explicit, c].forEach((l) => l.dispose());
  });
});

describe('build and apply', () => {
  it('builds lazily on the first apply with the batch dimension unknown', () => {
    const d = new Dense({ units: 3 });
    expect(d.built).toBe(false);
    const y = d.apply(randomTensor([5, 4], 1));
    expect(d.built).toBe(true);
    expect(d.buildInputShape).toEqual([null, 4]);
    expect(y.shape).toEqual([5, 3]);
    expect(d.computeOutputShape([null, 4])).toEqual([null, 3]);
    y.dispose();
    d.dispose();
  });

  it('declared input shapes are checked at build and apply', () => {
    const d = new Dense({ units: 3, inputShape: [4] });
    expect(d.batchInputShape).toEqual([null, 4]);
    expect(() => d.build([null, 5])).toThrow(/dense.*\(Dense\): got input shape \[null,5\], but the layer was declared for inputs of shape \[null,4\]/);
    const withBatch = new Dense({ units: 1, inputShape: [2], batchSize: 8 });
    expect(withBatch.batchInputShape).toEqual([8, 2]);
    [d, withBatch].forEach((l) => l.dispose());
  });

  it('rejects inputs that do not match what the layer was built for, naming the layer', () => {
    const d = new Dense({ units: 3, name: 'classifier' });
    d.build([null, 784]);
    const bad = randomTensor([2, 100], 2);
    expect(() => d.apply(bad)).toThrow(
      "classifier (Dense): got an input of shape [2,100], expected rank >= 2 with axis -1 of size 784 (it was built for inputs of shape [null,784])",
    );
    const c = new Conv2D({ filters: 2, kernelSize: 3 });
    c.build([null, 8, 8, 3]);
    const rank3 = randomTensor([8, 8, 3], 3);
    expect(() => c.apply(rank3)).toThrow(/conv2d.*\(Conv2D\): got an input of shape \[8,8,3\], expected rank 4 with axis -1 of size 3/);
    const f = new Flatten();
    f.build([null, 2, 3]);
    // Flatten accepts other shapes (it has no weights tied to the shape).
    const ok = f.apply(randomTensor([4, 5], 4));
    expect(ok.shape).toEqual([4, 5]);
    expect(() => d.apply('x' as unknown as Tensor)).toThrow(/apply expects a Tensor, got string/);
    expect(() => d.apply(bad, { training: 'yes' as unknown as boolean })).toThrow(/training must be true or false/);
    [bad, rank3, ok].forEach((t) => t.dispose());
    [d, c, f].forEach((l) => l.dispose());
  });

  it('casts integer inputs to float32', () => {
    const d = new Dense({ units: 1, kernelInitializer: 'ones', useBias: false });
    const x = tensor([[1, 2, 3]], [1, 3], 'int32');
    const y = d.apply(x);
    expect(y.dtype).toBe('float32');
    expect(values(y)).toEqual([6]);
    [x, y].forEach((t) => t.dispose());
    d.dispose();
  });

  it('frees the intermediates of call', () => {
    const l = new LSTM({ units: 4 });
    const x = randomTensor([2, 5, 3], 5);
    (l.apply(x) as Tensor).dispose(); // builds the weights
    const before = memory().numTensors;
    const y = l.apply(x) as Tensor;
    expect(memory().numTensors).toBe(before + 1);
    y.dispose();
    x.dispose();
    l.dispose();
  });
});

describe('weights', () => {
  it('get/setWeights copy values and check shapes', () => {
    const d = new Dense({ units: 2 });
    d.build([null, 3]);
    const [k, b] = d.getWeights() as [Tensor, Tensor];
    const newK = randomTensor([3, 2], 6);
    const newB = tensor([0.5, -0.5]);
    d.setWeights([newK, newB]);
    expect(values(d.weights[0]!)).toEqual(values(newK));
    expect(values(d.weights[1]!)).toEqual([0.5, -0.5]);
    // The copies taken before are unaffected.
    expect(values(b)).toEqual([0, 0]);
    expect(values(k)).not.toEqual(values(newK));
    newK.dispose();
    expect(values(d.weights[0]!).length).toBe(6);
    expect(() => d.setWeights([newB])).toThrow(/got 1 tensors, the layer has 2 weights/);
    const wrong = tensor([1, 2, 3]);
    expect(() => d.setWeights([k, wrong])).toThrow(/value 1 has shape \[3\], weight '.*\/bias' is \[2\]/);
    // Nothing changed on error.
    expect(values(d.weights[1]!)).toEqual([0.5, -0.5]);
    const unbuilt = new Dense({ units: 1 });
    expect(() => unbuilt.setWeights([k])).toThrow(/not built yet/);
    [k, b, newB, wrong].forEach((t) => t.dispose());
    [d, unbuilt].forEach((l) => l.dispose());
  });

  it('trainable=false moves every weight to nonTrainableWeights and out of variableGrads', () => {
    const d = new Dense({ units: 2, trainable: false });
    d.build([null, 2]);
    expect(d.trainableWeights).toEqual([]);
    expect(d.nonTrainableWeights.length).toBe(2);
    expect(d.weights.every((w) => !w.trainable)).toBe(true);
    d.trainable = true;
    expect(d.trainableWeights.length).toBe(2);
    expect(d.weights.every((w) => w.trainable)).toBe(true);
    const bn = new BatchNormalization();
    bn.build([null, 3]);
    expect(bn.trainableWeights.map((w) => w.name)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual([`${bn.name}/moving_mean`, `${bn.name}/moving_variance`]);
    bn.trainable = false;
    expect(bn.trainableWeights).toEqual([]);
    bn.trainable = true;
    // Moving statistics stay non-trainable.
    expect(bn.nonTrainableWeights.length).toBe(2);
    [d, bn].forEach((l) => l.dispose());
  });

  it('setSeed then building layers gives identical weights every time', () => {
    const build = (): number[][] => {
      setSeed(42);
      const layers: [Layer, (number | null)[]][] = [
        [new Dense({ units: 4 }), [null, 3]],
        [new Conv2D({ filters: 2, kernelSize: 3 }), [null, 5, 5, 1]],
        [new Dropout({ rate: 0.5 }), [null, 4]],
        [new LSTM({ units: 3 }), [null, 2, 4]],
        [new GRU({ units: 2 }), [null, 2, 4]],
      ];
      const out = layers.flatMap(([l, s]) => {
        l.build(s);
        const w = l.weights.map(values);
        l.dispose();
        return w;
      });
      return out;
    };
    const a = build();
    expect(build()).toEqual(a);
    // Weights are random, not constant.
    expect(new Set(a[0]).size).toBeGreaterThan(1);
  });

  it('counts parameters like Keras', () => {
    const cases: [Layer, (number | null)[], number][] = [
      [new Dense({ units: 64 }), [null, 784], 50240],
      [new Conv2D({ filters: 6, kernelSize: 3 }), [null, 28, 28, 1], 60],
      [new Conv2D({ filters: 16, kernelSize: [5, 5], useBias: false }), [null, 14, 14, 6], 2400],
      [new LSTM({ units: 8 }), [null, 10, 4], 416],
      // Keras's default GRU (reset_after=True): 3·(4·8 + 8·8) + 2·3·8.
      [new GRU({ units: 8 }), [null, 10, 4], 336],
      [new GRU({ units: 8, resetAfter: false }), [null, 10, 4], 312],
      [new SimpleRNN({ units: 8 }), [null, 10, 4], 104],
      [new BatchNormalization(), [null, 10], 40],
      [new MaxPooling2D(), [null, 4, 4, 2], 0],
    ];
    for (const [layer, shape, n] of cases) {
      layer.build(shape);
      expect(layer.countParams(), layer.name).toBe(n);
      layer.dispose();
    }
    expect(() => new Dense({ units: 1 }).countParams()).toThrow(/not built yet/);
  });

  it('regularizationLoss sums the penalties and is differentiable', () => {
    const d = new Dense({ units: 2, kernelRegularizer: 'l2', biasRegularizer: l2(0.5), biasInitializer: 'ones' });
    expect(d.regularizationLoss()).toBeNull();
    d.build([null, 3]);
    const k = values(d.kernel!);
    const loss = d.regularizationLoss()!;
    const expected = 0.01 * k.reduce((s, v) => s + v * v, 0) + 0.5 * 2;
    expect(values(loss)[0]).toBeCloseTo(expected, 5);
    const { value, grads } = variableGrads(() => d.regularizationLoss()!, d.trainableWeights);
    const gk = values(grads[d.kernel!.name]!);
    gk.forEach((g, i) => expect(g).toBeCloseTo(0.02 * k[i]!, 5));
    expect(values(grads[d.bias!.name]!)).toEqual([1, 1]);
    [loss, value, ...Object.values(grads)].forEach((t) => t.dispose());
    expect(new Dense({ units: 1 }).regularizationLoss()).toBeNull();
    d.dispose();
  });

  it('dispose frees the weights and makes the layer unusable', () => {
    const before = memory().numTensors;
    const d = new Dense({ units: 5 });
    d.build([null, 5]);
    expect(memory().numTensors).toBe(before + 2);
    d.dispose();
    expect(memory().numTensors).toBe(before);
    const x = randomTensor([1, 5], 1);
    expect(() => d.apply(x)).toThrow(/dense.*\(Dense\)\.apply: the layer was disposed/);
    x.dispose();
  });
});

describe('serialization', () => {
  it('round-trips every layer through JSON, and the rebuilt layer computes the same outputs', () => {
    setSeed(3);
    const layers: [Layer, number[]][] = [
      [new Dense({ units: 3, activation: 'relu', kernelRegularizer: 'l1', inputShape: [4] }), [2, 4]],
      [new Conv2D({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', dilationRate: 1, activation: 'tanh' }), [1, 5, 5, 2]],
      [new BatchNormalization({ momentum: 0.9, epsilon: 1e-2 }), [3, 4]],
      [new LSTM({ units: 3, returnSequences: true, unitForgetBias: false }), [2, 3, 2]],
      [new GRU({ units: 2, resetAfter: false, goBackwards: true }), [2, 3, 2]],
      [new Dropout({ rate: 0.3, seed: 5 }), [2, 2]],
      [new Flatten(), [2, 2, 2]],
    ];
    for (const [layer, shape] of layers) {
      const x = randomTensor(shape, 7);
      const y = layer.apply(x) as Tensor;
      const s = JSON.parse(JSON.stringify(serializeLayer(layer)));
      const copy = deserializeLayer(s);
      expect(copy.constructor).toBe(layer.constructor);
      expect(copy.name).toBe(layer.name);
      expect(copy.getConfig()).toEqual(layer.getConfig());
      copy.build(layer.buildInputShape!);
      const w = layer.getWeights();
      copy.setWeights(w);
      const y2 = copy.apply(x) as Tensor;
      expect(values(y2)).toEqual(values(y));
      [x, y, y2, ...w].forEach((t) => t.dispose());
      [layer, copy].forEach((l) => l.dispose());
    }
  });

  it('the typed config rebuilds through the constructor', () => {
    const d = new Dense({ units: 4, activation: 'sigmoid', useBias: false });
    const again = new Dense(d.getConfig());
    expect(again.getConfig()).toEqual(d.getConfig());
    expect(again.useBias).toBe(false);
  });

  it('rejects unknown classes and options, listing the known ones', () => {
    expect(() => deserializeLayer({ className: 'Dense2', config: {} })).toThrow(/unknown layer class 'Dense2' \(known: Dense, .*LSTM/);
    expect(() => deserializeLayer({ className: 'Dense', config: { units: 2, unitz: 3 } })).toThrow(/Dense has no option 'unitz'/);
    expect(() => deserializeLayer({ className: 'Dense', config: { units: -2 } })).toThrow(/Dense: units must be a positive integer, got number -2/);
    expect(() => new Dense({ units: 2, activation: 'relu2' })).toThrow(/unknown activation 'relu2' \(known: linear, relu/);
    expect(registeredLayers()).toEqual(expect.arrayContaining(['Dense', 'Conv2D', 'BatchNormalization', 'LSTM', 'GRU', 'SimpleRNN', 'Embedding']));
  });

  it('custom layers register and serialise', () => {
    type ScaleConfig = BaseLayerConfig & { factor: number };
    class Scale extends Layer<Tensor> {
      readonly factor: number;
      constructor(args: LayerArgs & { factor: number }) {
        super(args);
        this.factor = args.factor;
      }
      call(x: Tensor): Tensor {
        return mul(x, this.factor);
      }
      override getConfig(): ScaleConfig {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    const s = new Scale({ factor: 3 });
    expect(() => serializeLayer(s)).toThrow(/not registered; call registerLayer\('Scale', Scale\)/);
    registerLayer('Scale', Scale);
    const copy = deserializeLayer(serializeLayer(s)) as Scale;
    expect(copy.factor).toBe(3);
    const x = tensor([[1, 2]]);
    const y = copy.apply(x);
    expect(values(y)).toEqual([3, 6]);
    [x, y].forEach((t) => t.dispose());
  });
});
