import { Random, TesseraError } from '@tessera/core';
import { gatherRows, type LabeledArrays } from './arrays.js';
import { permutation, resolveSeed } from './seed.js';

/** A generated classification set: xs [n, dims] float32, ys [n] int32 class indices, rows in seeded random order. */
export interface SyntheticSet extends LabeledArrays<Float32Array, Int32Array> {
  numClasses: number;
}

function checkArgs(op: string, n: number, classes: number, noise: number): void {
  if (!Number.isInteger(n) || n < 1) throw new TesseraError(`${op}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(classes) || classes < 1) throw new TesseraError(`${op}: the class count must be a positive integer, got ${classes}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new TesseraError(`${op}: noise must be a finite number >= 0, got ${noise}`);
}

/** Rows per class when n rows are shared as evenly as possible. */
function classSizes(n: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, k) => Math.floor(n / classes) + (k < n % classes ? 1 : 0));
}

/** Generates rows class by class with `point(class, i, count)` and returns them in a seeded random order. */
function generate(n: number, classes: number, dims: number, rng: Random, point: (k: number, i: number, count: number, out: Float32Array) => void): SyntheticSet {
  const xs = new Float32Array(n * dims);
  const ys = new Int32Array(n);
  const row = new Float32Array(dims);
  let r = 0;
  classSizes(n, classes).forEach((count, k) => {
    for (let i = 0; i < count; i++, r++) {
      point(k, i, count, row);
      xs.set(row, r * dims);
      ys[r] = k;
    }
  });
  const order = permutation(n, rng);
  return { xs: gatherRows(xs, dims, order), xsShape: [n, dims], ys: gatherRows(ys, 1, order), ysShape: [n], numClasses: classes };
}

/**
 * Interleaved spiral arms in 2-D, one per class, from the centre out to radius 1 over 1.25 turns,
 * with Gaussian noise of std `noise` on each coordinate. n rows in all, shared evenly by class.
 */
export function spirals(n: number, classes = 2, noise = 0.1, seed?: number): SyntheticSet {
  checkArgs('spirals', n, classes, noise);
  const rng = new Random(resolveSeed(seed));
  return generate(n, classes, 2, rng, (k, i, count, out) => {
    const t = (i + 0.5) / count;
    const angle = (2 * Math.PI * k) / classes + t * 2.5 * Math.PI;
    out[0] = t * Math.cos(angle) + rng.normal(0, noise);
    out[1] = t * Math.sin(angle) + rng.normal(0, noise);
  });
}

/** Two interleaving half circles (class 0 upper, class 1 lower and shifted), with Gaussian noise. */
export function moons(n: number, noise = 0.1, seed?: number): SyntheticSet {
  checkArgs('moons', n, 2, noise);
  const rng = new Random(resolveSeed(seed));
  return generate(n, 2, 2, rng, (k, i, count, out) => {
    const theta = count > 1 ? (Math.PI * i) / (count - 1) : Math.PI / 2;
    out[0] = (k === 0 ? Math.cos(theta) : 1 - Math.cos(theta)) + rng.normal(0, noise);
    out[1] = (k === 0 ? Math.sin(theta) : 0.5 - Math.sin(theta)) + rng.normal(0, noise);
  });
}

/**
 * Gaussian blobs: class k centred on a circle of radius 5 at angle 2πk/classes (first two
 * coordinates; the others centred at 0), with standard deviation `std` on every coordinate.
 */
export function blobs(n: number, classes = 3, std = 1, seed?: number, dims = 2): SyntheticSet {
  checkArgs('blobs', n, classes, std);
  if (!Number.isInteger(dims) || dims < 2) throw new TesseraError(`blobs: dims must be an integer >= 2, got ${dims}`);
  const rng = new Random(resolveSeed(seed));
  return generate(n, classes, dims, rng, (k, _i, _count, out) => {
    const angle = (2 * Math.PI * k) / classes;
    for (let d = 0; d < dims; d++) {
      const centre = d === 0 ? 5 * Math.cos(angle) : d === 1 ? 5 * Math.sin(angle) : 0;
      out[d] = centre + rng.normal(0, std);
    }
  });
}

/**
 * XOR: points uniform in the four unit quadrants around the origin, class 1 where the coordinates'
 * signs differ; the quadrants are filled evenly, so the classes are balanced. Gaussian noise of std
 * `noise` is added after labelling.
 */
export function xor(n: number, noise = 0, seed?: number): SyntheticSet {
  checkArgs('xor', n, 2, noise);
  const rng = new Random(resolveSeed(seed));
  // Class 0 holds quadrants (+,+) and (-,-); class 1 holds (+,-) and (-,+): alternate within each.
  return generate(n, 2, 2, rng, (k, i, _count, out) => {
    const sx = i % 2 === 0 ? 1 : -1;
    const sy = k === 0 ? sx : -sx;
    out[0] = sx * rng.uniform(0.05, 1) + rng.normal(0, noise);
    out[1] = sy * rng.uniform(0.05, 1) + rng.normal(0, noise);
  });
}
