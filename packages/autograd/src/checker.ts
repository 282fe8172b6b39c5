import { Random, TesseraError, fmtShape, getBackend, setBackend, tensor, tidy, type Tensor } from '@tessera/core';
import { grads } from './gradients.js';

export interface GradCheckOptions {
  /** Backend to run on; default 'cpu64' (the cpu backend in float64 mode). */
  backend?: string;
  /** Central-difference step. */
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Seed of the random projection used when f's output is not a scalar. */
  seed?: number;
}

export interface GradCheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** Where the worst mismatch was: input index, flat element index, analytic and numeric values. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/**
 * Compares autograd's gradients of f at `inputs` with central finite differences, in float64
 * arithmetic: inputs are given as plain arrays (values + shape) and created on a float64 backend.
 * A non-scalar output is reduced to a scalar by a fixed random projection, which checks the full
 * vector-Jacobian product. Throws with the op, input and element on a mismatch unless `throwOnFail` is false.
 */
export async function checkGradients(
  f: (...xs: Tensor[]) => Tensor,
  inputs: { values: ArrayLike<number>; shape: number[] }[],
  options: GradCheckOptions & { throwOnFail?: boolean; name?: string } = {},
): Promise<GradCheckResult> {
  const { backend = 'cpu64', eps = 1e-6, rtol = 1e-5, atol = 1e-7, seed = 7, throwOnFail = true, name = 'f' } = options;
  const previous = getBackend();
  if (!(await setBackend(backend))) throw new TesseraError(`checkGradients: backend '${backend}' is unavailable`);
  try {
    const values = inputs.map((x) => Float64Array.from(x.values));
    let projection: Float64Array | null = null;
    const loss = (vals: Float64Array[]): number =>
      tidy(() => {
        const xs = vals.map((v, i) => tensor(v, inputs[i]!.shape));
        const y = f(...xs);
        const d = y.dataSync();
        if (!projection) projection = randomProjection(d.length, seed);
        let s = 0;
        for (let i = 0; i < d.length; i++) s += d[i]! * projection[i]!;
        return s;
      });
    loss(values);
    const analytic = tidy(() => {
      const xs = values.map((v, i) => tensor(v, inputs[i]!.shape));
      const y0 = f(...xs);
      const dy = tensor(projection!, [...y0.shape]);
      y0.dispose();
      return grads(f)(xs, dy).map((g) => Float64Array.from(g.dataSync()));
    });
    let maxAbs = 0;
    let maxRel = 0;
    let worst: GradCheckResult['worst'] = null;
    let worstFailure: GradCheckResult['worst'] = null;
    let worstFailureErr = -1;
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      for (let i = 0; i < v.length; i++) {
        const orig = v[i]!;
        v[i] = orig + eps;
        const up = loss(values);
        v[i] = orig - eps;
        const down = loss(values);
        v[i] = orig;
        const numeric = (up - down) / (2 * eps);
        const a = analytic[k]![i]!;
        const err = Math.abs(a - numeric);
        const rel = err / Math.max(Math.abs(numeric), 1e-12);
        if (err > maxAbs) {
          maxAbs = err;
          worst = { input: k, index: i, analytic: a, numeric };
        }
        maxRel = Math.max(maxRel, Math.min(rel, err / Math.max(atol, 1e-300)));
        if (!(err <= atol + rtol * Math.abs(numeric)) && !(err <= worstFailureErr)) {
          worstFailureErr = Number.isNaN(err) ? Infinity : err;
          worstFailure = { input: k, index: i, analytic: a, numeric };
        }
      }
    }
    const ok = worstFailure === null;
    const result: GradCheckResult = { ok, maxAbsError: maxAbs, maxRelError: maxRel, worst: worstFailure ?? worst };
    if (!ok && throwOnFail) {
      const w = result.worst!;
      throw new TesseraError(
        `checkGradients(${name}): input ${w.input} ${fmtShape(inputs[w.input]!.shape)} element ${w.index}: analytic ${w.analytic} vs numeric ${w.numeric} (max abs error ${maxAbs})`,
      );
    }
    return result;
  } finally {
    await setBackend(previous);
  }
}

function randomProjection(n: number, seed: number): Float64Array {
  const r = new Random(seed);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = r.uniform(-1, 1);
  return p;
}


