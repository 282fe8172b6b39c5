import { Random, tensor, type Tensor } from '@tessera/core';

/** Two interleaved spirals, `n` points per class, as in the classic toy problem. */
export function twoSpirals(n: number, seed: number, noise = 0.1): { x: Tensor; y: Tensor } {
  const r = new Random(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const t = (i / n) * 3 * Math.PI + 0.5;
      const rad = t / (3 * Math.PI);
      const a = t + c * Math.PI;
      xs.push(rad * Math.cos(a) + r.normal(0, noise * 0.1), rad * Math.sin(a) + r.normal(0, noise * 0.1));
      ys.push(c);
    }
  }
  // Shuffle once so validationSplit (taken from the end) sees both classes.
  const order = Array.from({ length: 2 * n }, (_, i) => i);
  r.shuffle(order);
  return {
    x: tensor(order.flatMap((i) => [xs[2 * i]!, xs[2 * i + 1]!]), [2 * n, 2]),
    y: tensor(order.map((i) => ys[i]!), [2 * n, 1]),
  };
}

/** 8x8 single-channel images of three shapes (horizontal bar, vertical bar, square outline), jittered and noisy. */
export function shapes(n: number, seed: number): { x: Tensor; y: Tensor } {
  const r = new Random(seed);
  const img = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let k = 0; k < n; k++) {
    const cls = k % 3;
    labels.push(cls);
    const o = k * 64;
    const dx = r.int(3);
    const dy = r.int(3);
    for (let i = 0; i < 64; i++) img[o + i] = r.uniform(0, 0.3);
    const set = (y: number, x: number): void => {
      if (x >= 0 && x < 8 && y >= 0 && y < 8) img[o + y * 8 + x] = r.uniform(0.7, 1);
    };
    if (cls === 0) for (let x = 0; x < 5; x++) set(2 + dy, x + dx);
    else if (cls === 1) for (let y = 0; y < 5; y++) set(y + dy, 2 + dx);
    else {
      for (let i = 0; i < 4; i++) {
        set(dy + 1, dx + 1 + i);
        set(dy + 4, dx + 1 + i);
        set(dy + 1 + i, dx + 1);
        set(dy + 1 + i, dx + 4);
      }
    }
  }
  return { x: tensor(img, [n, 8, 8, 1]), y: tensor(labels, [n], 'int32') };
}
