import '@tessera/backend-cpu';
import { tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { MODEL_NAMES, OPTIMIZER_NAMES, RECIPES, makeOptimizer, mlp, needsImageInput, toMnistInput } from '../src/index.js';

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
