import '@tessera/backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, transpose } from '@tessera/core';
import { loadModel, readSafetensorsFile } from '@tessera/models/node';
import { MNIST_FILES, encodeIdx } from '@tessera/datasets';
import { loadMnist } from '@tessera/datasets/node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, pixelStats, predict, train, type TrainOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-mnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: Error) => e.message);

describe('MNIST trainer end to end (short run)', () => {
  it('trains the MLP on 4000 images, saves model and report, and predicts digit files', async () => {
    const o = { ...(parseArgs(['--model', 'mlp', '--epochs', '2', '--limit', '4000', '--validation', '400', '--seed', '3']) as TrainOptions), out: join(dir, 'mlp'), verbose: 0 };
    const lines: string[] = [];
    const before = memory().numTensors;
    const r = await train(o, (s) => lines.push(s));
    expect(memory().numTensors).toBe(before);
    expect(r.testAccuracy).toBeGreaterThan(0.85);
    expect(r.history.epoch).toEqual([0, 1]);
    expect(r.history.history['val_accuracy']).toHaveLength(2);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10000);
    expect(lines.at(-2)).toMatch(/^test accuracy: \d+\.\d\d% \(loss \d\.\d{4}\)/);
    expect(lines.some((l) => l.includes('Total params: 50,890'))).toBe(true);
    // The MLP recipe trains against smoothed targets (docs/results.md): its cross-entropy can't fall
    // below their entropy, −(0.91·ln 0.91 + 9·0.01·ln 0.01) = 0.50029.
    expect(lines.some((l) => l.includes('cross-entropy with label smoothing 0.1'))).toBe(true);
    expect(r.testLoss).toBeGreaterThan(0.5002);
    expect(JSON.parse(readFileSync(join(r.outDir, 'history.json'), 'utf8'))).toMatchObject({ options: { labelSmoothing: 0.1 } });
    const weightsFile = (JSON.parse(readFileSync(join(r.outDir, 'model', 'model.json'), 'utf8')) as { weightsFile: string }).weightsFile;
    for (const f of ['report.html', 'history.json', 'model/model.json', `model/${weightsFile}`]) expect(existsSync(join(r.outDir, f))).toBe(true);
    expect(readFileSync(join(r.outDir, 'report.html'), 'utf8')).toContain('<polyline');

    // Classify the first 10 test digits, written out as PGM files.
    const mnist = await loadMnist({ limit: { train: 1, test: 10 } });
    const files: string[] = [];
    for (let i = 0; i < 10; i++) {
      const f = join(dir, `digit${i}.pgm`);
      writeFileSync(f, Buffer.concat([Buffer.from('P5\n28 28\n255\n'), Buffer.from(mnist.test.images.subarray(i * 784, (i + 1) * 784))]));
      files.push(f);
    }
    const preds = await predict({ command: 'predict', images: files, modelDir: join(r.outDir, 'model'), backend: undefined }, () => {});
    const correct = preds.filter((p, i) => p.digit === mnist.test.labels[i]).length;
    expect(correct).toBeGreaterThanOrEqual(8);
    preds.forEach((p) => expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4));

    // Bad predict inputs name the file and what is wrong.
    const modelDir = join(r.outDir, 'model');
    await expect(predict({ command: 'predict', images: [dir], modelDir, backend: undefined }, () => {})).rejects.toThrow(`predict: ${dir} is a directory; pass image files`);
    await expect(predict({ command: 'predict', images: [join(dir, 'nope.png')], modelDir, backend: undefined }, () => {})).rejects.toThrow(/predict: .*nope.png does not exist/);
    expect(memory().numTensors).toBe(before);
  });

  it('checks that --out can be written before training, and stops on a NaN loss without saving', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file where the output directory would go');
    const t0 = performance.now();
    const o = { ...(parseArgs(['--model', 'mlp', '--epochs', '1', '--limit', '500']) as TrainOptions), out: join(blocker, 'run'), verbose: 0 };
    // (.then/catch, not expect().rejects: a resolved run would be pretty-printed with the whole model.)
    expect(await failure(train(o, () => {}))).toMatch(/^--out .*blocker\/run: cannot write there \(.*\); choose a writable directory — checked before training/);
    expect(performance.now() - t0).toBeLessThan(2000); // no data was loaded, nothing trained

    const before = memory().numTensors;
    // A learning rate of 1e30 overflows the weights within two batches (a clipped cross-entropy stays finite until the logits do not).
    const diverging = { ...(parseArgs(['--model', 'mlp', '--epochs', '2', '--limit', '640', '--lr', '1e30', '--optimizer', 'sgd']) as TrainOptions), out: join(dir, 'nan'), verbose: 0 };
    expect(await failure(train(diverging, () => {}))).toMatch(/^training stopped in epoch 1, batch \d+: the loss became (NaN|Infinity) \(TerminateOnNaN\); nothing was saved/);
    expect(existsSync(join(dir, 'nan', 'model'))).toBe(false);
    expect(memory().numTensors).toBe(before);
  });

  it('standardises inputs with a Rescaling layer that is saved with the model; --export safetensors writes its weights for PyTorch', async () => {
    const o = { ...(parseArgs(['--model', 'mlp', '--epochs', '1', '--limit', '2000', '--inputs', 'standard', '--export', 'safetensors']) as TrainOptions), out: join(dir, 'std'), verbose: 0 };
    const lines: string[] = [];
    const r = await train(o, (s) => lines.push(s));
    expect(r.testAccuracy).toBeGreaterThan(0.7); // 1 epoch on 2000 images
    const mnist = await loadMnist({ limit: { train: 2000, test: 3 } });
    const stats = pixelStats(mnist.train.images);
    expect(lines.some((l) => l.includes(`mean ${stats.mean.toFixed(4)} and deviation ${stats.std.toFixed(4)}`))).toBe(true);
    const saved = JSON.parse(readFileSync(join(r.outDir, 'model', 'model.json'), 'utf8')) as unknown;
    expect(JSON.stringify(saved)).toContain('"Rescaling"');
    const f = join(dir, 'std0.pgm');
    writeFileSync(f, Buffer.concat([Buffer.from('P5\n28 28\n255\n'), Buffer.from(mnist.test.images.subarray(0, 784))]));
    const [p] = await predict({ command: 'predict', images: [f], modelDir: join(r.outDir, 'model'), backend: undefined }, () => {});
    expect(p!.digit).toBe(mnist.test.labels[0]);
    // The safetensors export: nn.Linear names and [out, in] weights, equal to the saved model's kernels transposed.
    expect(lines).toContain(`exported the weights to ${join(r.outDir, 'model.safetensors')} (safetensors, PyTorch names and layouts)`);
    const tensors = await readSafetensorsFile(join(r.outDir, 'model.safetensors'));
    const saved2 = await loadModel(join(r.outDir, 'model'), { compile: false });
    const dense = saved2.layers.filter((l) => l.className === 'Dense');
    expect(Object.keys(tensors)).toEqual(dense.flatMap((l) => [`${l.name}.weight`, `${l.name}.bias`]));
    for (const l of dense) {
      const [k, b] = l.getWeights();
      expect(tensors[`${l.name}.weight`]!.shape).toEqual([k!.shape[1], k!.shape[0]]);
      const kt = transpose(k!);
      expect(Array.from(tensors[`${l.name}.weight`]!.dataSync())).toEqual(Array.from(kt.dataSync()));
      expect(Array.from(tensors[`${l.name}.bias`]!.dataSync())).toEqual(Array.from(b!.dataSync()));
      [k!, b!, kt].forEach((t) => t.dispose());
    }
    Object.values(tensors).forEach((t) => t.dispose());
    saved2.dispose();
    expect(() => parseArgs(['--export', 'safetensors,h5'])).toThrow(/--export must be one of (.*, )?safetensors(, .*)?, got 'h5'/);
    expect((parseArgs(['--export', 'safetensors', '--export=safetensors']) as TrainOptions).exports).toEqual(['safetensors']);
  });

  it('parses the augmentation and thread flags, and refuses what they cannot do', async () => {
    expect(parseArgs(['--shift', '3', '--flip', '--threads', '2'])).toMatchObject({ shift: 3, flip: true, threads: 2 });
    expect(parseArgs(['--flip', '--no-flip'])).toMatchObject({ shift: undefined, flip: false, threads: 1 });
    expect(() => parseArgs(['--shift=-1'])).toThrow(/--shift must be an integer >= 0, got '-1'/);
    expect(() => parseArgs(['--shift', '-1'])).toThrow(/train: Option '--shift' argument is ambiguous\..* use '--shift=-XYZ'/);
    expect(parseArgs(['--model', 'resnet', '--width', '24', '--blocks=2'])).toMatchObject({ model: 'resnet', width: 24, blocks: 2 });
    expect(() => parseArgs(['--model', 'cnn', '--width', '24'])).toThrow(/--width: the cnn model's size is fixed \(--width and --blocks size the resnet\)/);
    expect(() => parseArgs(['--width', '8', '--model', 'mlp'])).toThrow(/--width: the mlp model's size is fixed/);
    expect(() => parseArgs(['--model', 'resnet', '--blocks', '0'])).toThrow(/--blocks must be an integer >= 1, got '0'/);
    expect(() => parseArgs(['--flip=yes'])).toThrow(/train: Option '--flip' does not take an argument/);
    expect(parseArgs(['--no-flip', '--flip'])).toMatchObject({ flip: true });
    expect(() => parseArgs(['--threads', '0'])).toThrow(/--threads must be an integer >= 1, got '0'/);
    const flat = { ...(parseArgs(['--model', 'mlp', '--shift', '2', '--limit', '100']) as TrainOptions), out: join(dir, 'flat-shift'), verbose: 0 };
    expect(await failure(train(flat, () => {}))).toMatch(/--shift\/--flip move pixels of images; the mlp model takes flat rows of 784/);
    const threadsOnCpu = { ...(parseArgs(['--model', 'mlp', '--backend', 'cpu', '--threads', '2', '--limit', '100']) as TrainOptions), out: join(dir, 'cpu-threads'), verbose: 0 };
    expect(await failure(train(threadsOnCpu, () => {}))).toMatch(/--threads 2: threads are the wasm backend's, and this run is on cpu/);
  });

  it('--model resnet trains the functional residual network, saves it, and predict reloads it', async () => {
    // A tiny IDX copy of MNIST (256 train, 100 test images) through --data-dir keeps this to seconds.
    const mnist = await loadMnist({ limit: { train: 256, test: 100 } });
    const dataDir = join(dir, 'tiny-mnist');
    mkdirSync(dataDir);
    const files = { trainImages: [mnist.train.imagesShape, mnist.train.images], trainLabels: [mnist.train.labelsShape, mnist.train.labels], testImages: [mnist.test.imagesShape, mnist.test.images], testLabels: [mnist.test.labelsShape, mnist.test.labels] } as const;
    for (const [key, [shape, data]] of Object.entries(files)) writeFileSync(join(dataDir, MNIST_FILES[key as keyof typeof MNIST_FILES]), encodeIdx({ dtype: 'uint8', shape, data }));
    const o = { ...(parseArgs(['--model', 'resnet', '--epochs', '1', '--validation', '64', '--data-dir', dataDir, '--seed', '2']) as TrainOptions), out: join(dir, 'resnet'), verbose: 0 };
    expect(o.model).toBe('resnet');
    const lines: string[] = [];
    const before = memory().numTensors;
    const r = await train(o, (s) => lines.push(s));
    expect(memory().numTensors).toBe(before);
    expect(lines[0]).toContain('Tessera MNIST trainer — ResNet');
    expect(lines.some((l) => l.includes('192 train / 64 validation / 100 test images'))).toBe(true);
    expect(lines.some((l) => l.includes('Total params: 78,426'))).toBe(true);
    expect(lines.some((l) => /stage2_block1_add \(Add\)/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('optimizer adam learning rate 0.001 × 0.75 per epoch'))).toBe(true);
    // The recipe's augmentation (issue 16's bars): random shifts of up to 2 pixels.
    expect(lines).toContain('training images augmented: random shifts of up to 2 pixel(s)');
    expect(JSON.parse(readFileSync(join(r.outDir, 'history.json'), 'utf8'))).toMatchObject({ options: { shift: 2, flip: false } });
    expect(r.history.history['val_accuracy']).toHaveLength(1);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(100);
    const saved = readFileSync(join(r.outDir, 'model', 'model.json'), 'utf8');
    expect(saved).toContain('"GlobalAveragePooling2D"');
    const f = join(dir, 'resnet0.pgm');
    writeFileSync(f, Buffer.concat([Buffer.from('P5\n28 28\n255\n'), Buffer.from(mnist.test.images.subarray(0, 784))]));
    const [p] = await predict({ command: 'predict', images: [f], modelDir: join(r.outDir, 'model'), backend: undefined }, () => {});
    expect(p!.probabilities).toHaveLength(10);
    expect(p!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(memory().numTensors).toBe(before);
  }, 180_000); // about 20 s alone; a loaded 2-core CI machine has taken over 60

  it('pixelStats matches a direct two-pass computation', () => {
    const px = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    const v = Array.from(px, (b) => b / 255);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    const s = pixelStats(px);
    expect(s.mean).toBeCloseTo(mean, 12);
    expect(s.std).toBeCloseTo(std, 12);
  });
});
