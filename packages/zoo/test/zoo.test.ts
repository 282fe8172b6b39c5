import '@tessera/backend-cpu';
import { Random, memory, setSeed, tensor, tidy } from '@tessera/core';
import { Sequential } from '@tessera/models';
import { describe, expect, it } from 'vitest';
import { MODEL_NAMES, OPTIMIZER_NAMES, RECIPES, makeOptimizer, mlp, needsImageInput, resnet, toMnistInput } from '../src/index.js';

describe('the MNIST recipes', () => {
  it.each(MODEL_NAMES)('%s builds, compiles with its optimizer and maps a batch to 10 probabilities', (name) => {
    const recipe = RECIPES[name];
    const model = recipe.build();
    model.compile({ optimizer: makeOptimizer(recipe.optimizer, recipe.lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    expect(needsImageInput(model)).toBe(recipe.input === 'image');
    const shape = recipe.input === 'flat' ? [2, 784] : [2, 28, 28, 1];
    const probs = tidy(() => model.predict(tensor(new Float32Array(2 * 784).fill(0.5), shape)));
    expect(probs.shape).toEqual([2, 10]);
    const row = Array.from(probs.dataSync()).slice(0, 10);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    probs.dispose();
    model.dispose();
  });

  it('standardises inputs with a Rescaling layer when given the pixel statistics', () => {
    const model = RECIPES.mlp.build({ mean: 0.13, std: 0.31 });
    expect(model.layers[0]!.className).toBe('Rescaling');
    expect(needsImageInput(model)).toBe(false);
    model.dispose();
  });

  it('mlp(units) has 784·units + units + units·10 + 10 parameters', () => {
    const model = mlp(128);
    expect(model.countParams()).toBe(784 * 128 + 128 + 128 * 10 + 10);
    model.dispose();
  });

  it('makes every optimizer it names', () => {
    const classes = OPTIMIZER_NAMES.map((name) => makeOptimizer(name, 0.01).className);
    expect(new Set(classes).size).toBe(OPTIMIZER_NAMES.length - 1); // sgd and momentum are both SGD
  });
});

describe('the residual network', () => {
  /** Parameters by construction: bias-free convs, BN's 4 per channel, a projection where the shape changes. */
  function expectedParams(width: number, stages: number, blocks: number): number {
    const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + 4 * cout;
    let n = conv(3, 1, width);
    let c = width;
    for (let s = 0; s < stages; s++) {
      const f = width * 2 ** s;
      for (let b = 0; b < blocks; b++) {
        n += conv(3, c, f) + conv(3, f, f) + (c !== f || (s > 0 && b === 0) ? conv(1, c, f) : 0);
        c = f;
      }
    }
    return n + c * 10 + 10;
  }

  it('is a functional graph of conv-BN blocks with Add skips, global pooling and a softmax, 78,426 parameters by default', () => {
    const m = RECIPES.resnet.build();
    expect(m).not.toBeInstanceOf(Sequential);
    expect(m.countParams()).toBe(78_426);
    expect(m.countParams()).toBe(expectedParams(16, 3, 1));
    const classes = m.layers.map((l) => l.className);
    expect(classes.filter((c) => c === 'Add')).toHaveLength(3);
    expect(classes.filter((c) => c === 'Conv2D')).toHaveLength(9); // stem, 2 per block, 2 projections
    expect(classes.filter((c) => c === 'BatchNormalization')).toHaveLength(9);
    expect(classes.slice(-2)).toEqual(['GlobalAveragePooling2D', 'Dense']);
    // BN's moving mean and variance are the non-trainable weights: 2 per channel of each BN.
    const nonTrainable = m.nonTrainableWeights.reduce((a, w) => a + w.size, 0);
    expect(nonTrainable).toBe(2 * (16 + 16 + 16 + 32 * 3 + 64 * 3));
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain('Total params: 78,426');
    // The first block's skip is the identity (the stem's output); the later ones a projection.
    expect(text).toMatch(/stage1_block1_add \(Add\) .*stage1_block1_conv2_bn\[0\]\[0\], stem_relu\[0\]\[0\]/);
    expect(text).toMatch(/stage2_block1_add \(Add\) .*stage2_block1_conv2_bn\[0\]\[0\], stage2_block1_proj_bn\[0\]\[0\]/);
    expect(text).toMatch(/stage3_block1_out \(Activation\) +\(None, 7, 7, 64\)/);
    m.dispose();
  });

  it('sizes by width, stages and blocks, and rejects bad sizes', () => {
    for (const [width, stages, blocks] of [[8, 2, 2], [4, 3, 1], [6, 1, 3]] as const) {
      const m = resnet({ width, stages, blocks });
      expect(m.countParams(), `${width}/${stages}/${blocks}`).toBe(expectedParams(width, stages, blocks));
      m.dispose();
    }
    expect(() => resnet({ width: 0 })).toThrow('resnet: width must be an integer >= 1, got 0');
    expect(() => resnet({ blocks: 1.5 })).toThrow('resnet: blocks must be an integer >= 1, got 1.5');
  });

  it('the recipe takes width and blocks; the fixed-size recipes refuse them', () => {
    const m = RECIPES.resnet.build(undefined, { width: 8, blocks: 2 });
    expect(m.countParams()).toBe(expectedParams(8, 3, 2));
    m.dispose();
    expect(RECIPES.resnet.sizes).toEqual(['width', 'blocks']);
    expect(() => RECIPES.lenet5.build(undefined, { width: 32 })).toThrow("the lenet5 recipe has no size option 'width': its size is fixed");
    expect(() => RECIPES.resnet.build(undefined, { depth: 2 } as never)).toThrow("the resnet recipe has no size option 'depth': it takes width, blocks");
    expect(() => RECIPES.resnet.build(undefined, { width: 0 })).toThrow("the resnet recipe's width must be an integer >= 1, got 0");
  });

  it('standardises inputs with a Rescaling layer after the input when given pixel statistics', () => {
    const m = RECIPES.resnet.build({ mean: 0.13, std: 0.31 });
    expect(m.layers.map((l) => l.className).slice(0, 3)).toEqual(['InputLayer', 'Rescaling', 'Conv2D']);
    expect(needsImageInput(m)).toBe(true);
    m.dispose();
  });

  it('a few Adam steps on a tiny batch reduce the loss, and memory stays flat', async () => {
    setSeed(4);
    const m = resnet({ width: 4, stages: 2 });
    m.compile({ optimizer: makeOptimizer('adam', 1e-2), loss: 'categoricalCrossentropy' });
    const r = new Random(5);
    // 8 images of 4 classes: class k has a bright k-th quadrant.
    const x = new Float32Array(8 * 784);
    const y = new Float32Array(8 * 10);
    for (let i = 0; i < 8; i++) {
      const k = i % 4;
      y[i * 10 + k] = 1;
      for (let p = 0; p < 784; p++) {
        const [row, col] = [Math.floor(p / 28), p % 28];
        x[i * 784 + p] = (Math.floor(row / 14) * 2 + Math.floor(col / 14) === k ? 0.8 : 0) + r.uniform(0, 0.2);
      }
    }
    const [xs, ys] = [tensor(x, [8, 28, 28, 1]), tensor(y, [8, 10])];
    const losses = [(await m.trainOnBatch(xs, ys))['loss']!];
    const before = memory().numTensors;
    for (let i = 0; i < 7; i++) losses.push((await m.trainOnBatch(xs, ys))['loss']!);
    expect(memory().numTensors).toBe(before);
    // Every step lowers the loss (2.25 → 1.60 with this seed).
    losses.slice(1).forEach((l, i) => expect(l, `step ${i + 2}: ${losses.join(', ')}`).toBeLessThan(losses[i]!));
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
    [xs, ys].forEach((t) => t.dispose());
    m.dispose();
  });
});

describe('toMnistInput', () => {
  it('scales a dark stroke on white into the 20×20 box and centres its mass near (14, 14)', () => {
    const w = 100;
    const h = 60;
    const pixels = new Float32Array(w * h).fill(1);
    // A vertical bar, 4 px wide and 40 px tall, off-centre at the left.
    for (let y = 5; y < 45; y++) for (let x = 10; x < 14; x++) pixels[y * w + x] = 0;
    const out = toMnistInput({ width: w, height: h, pixels });
    let rows0 = 28;
    let rows1 = -1;
    let mass = 0;
    let cx = 0;
    let cy = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = out[y * 28 + x]!;
        if (v > 0.2) {
          rows0 = Math.min(rows0, y);
          rows1 = Math.max(rows1, y);
        }
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    }
    expect(rows1 - rows0 + 1).toBe(20);
    expect(Math.abs(cx / mass + 0.5 - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(cy / mass + 0.5 - 14)).toBeLessThanOrEqual(1);
  });

  it('gives an empty input for a blank image', () => {
    expect(toMnistInput({ width: 10, height: 10, pixels: new Float32Array(100).fill(1) }).every((v) => v === 0)).toBe(true);
  });
});
