// Softmax over the last axis and softmax cross-entropy, in double precision like the cpu backend.

/** Each of `rows` rows of c values, shifted by its max so exp never overflows. */
export function softmax(y: usize, x: usize, rows: i32, c: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * c) << 2);
    const yr = y + (<usize>(r * c) << 2);
    let mx: f64 = -Infinity;
    for (let i = 0; i < c; i++) mx = max<f64>(mx, <f64>load<f32>(xr + (<usize>i << 2)));
    let sum: f64 = 0;
    for (let i = 0; i < c; i++) sum += Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - mx);
    for (let i = 0; i < c; i++) {
      store<f32>(yr + (<usize>i << 2), <f32>(Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - mx) / sum));
    }
  }
}

/**
 * Per-row −Σ labels·log softmax(logits) = Σ labels·(logsumexp − logits). A zero label contributes
 * nothing even against a −∞ logit (0·log 0 = 0, as in the limit).
 */
export function softmaxCrossEntropy(loss: usize, x: usize, labels: usize, rows: i32, c: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * c) << 2);
    const lr = labels + (<usize>(r * c) << 2);
    let mx: f64 = -Infinity;
    for (let i = 0; i < c; i++) mx = max<f64>(mx, <f64>load<f32>(xr + (<usize>i << 2)));
    let sum: f64 = 0;
    for (let i = 0; i < c; i++) sum += Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - mx);
    const lse = mx + Math.log(sum);
    let l: f64 = 0;
    for (let i = 0; i < c; i++) {
      const p = <f64>load<f32>(lr + (<usize>i << 2));
      if (p != 0) l += p * (lse - <f64>load<f32>(xr + (<usize>i << 2)));
    }
    store<f32>(loss + (<usize>r << 2), <f32>l);
  }
}
