// Layout kernels: every one is a strided copy (Transpose, Slice, Pad, Concat, Tile) or a row gather.

/** Tile edge of the blocked transpose: 32×32 values touch 32 cache lines on each side. */
const TILE = 32;

// @ts-ignore: decorator
@inline function copyValue(esz: i32, dst: usize, src: usize): void {
  if (esz == 4) store<u32>(dst, load<u32>(src));
  else store<u8>(dst, load<u8>(src));
}

/** Copies one row of n values between strided positions (strides in values). */
function copyRow(esz: i32, dst: usize, ds: i32, src: usize, ss: i32, n: i32): void {
  if (ds == 1 && ss == 1) {
    memory.copy(dst, src, <usize>(n * esz));
  } else if (esz == 4) {
    for (let i = 0; i < n; i++) store<u32>(dst + (<usize>(i * ds) << 2), load<u32>(src + (<usize>(i * ss) << 2)));
  } else {
    for (let i = 0; i < n; i++) store<u8>(dst + <usize>(i * ds), load<u8>(src + <usize>(i * ss)));
  }
}

/**
 * The innermost two dimensions of a transpose, copied in square tiles so that neither side strides
 * through memory one value per cache line: dst is [m, n] contiguous, src has strides (1, sn).
 */
function copyTiled(esz: i32, dst: usize, src: usize, m: i32, n: i32, sn: i32, dm: i32): void {
  for (let i0 = 0; i0 < m; i0 += TILE) {
    const i1 = min(m, i0 + TILE);
    for (let j0 = 0; j0 < n; j0 += TILE) {
      const j1 = min(n, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          copyValue(esz, dst + <usize>((i * dm + j) * esz), src + <usize>((i + j * sn) * esz));
        }
      }
    }
  }
}

/**
 * dst[Σ idx·dstStride] = src[Σ idx·srcStride] over every index of `dims` (esz-byte values).
 * `layout`: dims[nd], srcStrides[nd], dstStrides[nd], then nd zeroed counters. The innermost
 * dimension is a row (a memmove when both sides are contiguous); when the source walks the
 * second-innermost dimension contiguously instead, the last two are copied in tiles.
 */
export function copyNd(esz: i32, dst: usize, src: usize, layout: usize, nd: i32): void {
  const dims = layout;
  const ss = layout + (<usize>nd << 2);
  const ds = ss + (<usize>nd << 2);
  const idx = ds + (<usize>nd << 2);
  for (let d = 0; d < nd; d++) if (load<i32>(dims + (<usize>d << 2)) == 0) return;
  const r = nd - 1;
  const n = load<i32>(dims + (<usize>r << 2));
  const sn = load<i32>(ss + (<usize>r << 2));
  const dn = load<i32>(ds + (<usize>r << 2));
  const tiled = nd >= 2 && sn != 1 && dn == 1 && load<i32>(ss + (<usize>(r - 1) << 2)) == 1;
  const outer = tiled ? r - 1 : r;
  const m = tiled ? load<i32>(dims + (<usize>(r - 1) << 2)) : 1;
  const dm = tiled ? load<i32>(ds + (<usize>(r - 1) << 2)) : 0;
  let si = 0;
  let di = 0;
  while (true) {
    const s = src + <usize>(si * esz);
    const o = dst + <usize>(di * esz);
    if (tiled) copyTiled(esz, o, s, m, n, sn, dm);
    else copyRow(esz, o, dn, s, sn, n);
    let d = outer - 1;
    for (; d >= 0; d--) {
      const dd = <usize>d << 2;
      si += load<i32>(ss + dd);
      di += load<i32>(ds + dd);
      const k = load<i32>(idx + dd) + 1;
      if (k < load<i32>(dims + dd)) {
        store<i32>(idx + dd, k);
        break;
      }
      store<i32>(idx + dd, 0);
      si -= load<i32>(ss + dd) * load<i32>(dims + dd);
      di -= load<i32>(ds + dd) * load<i32>(dims + dd);
    }
    if (d < 0) return;
  }
}

/** Fills n values of esz bytes with `bits` (the value's bit pattern). */
export function fill(esz: i32, dst: usize, bits: u32, n: i32): void {
  if (esz == 1) {
    memory.fill(dst, <u8>bits, <usize>n);
    return;
  }
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), bits);
}

/** x viewed as [outer, d, inner]: out[o, j] = x[o, indices[j]] (indices validated by the caller). */
export function gather(esz: i32, out: usize, x: usize, indices: usize, outer: i32, d: i32, k: i32, inner: i32): void {
  const row = <usize>(inner * esz);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const id = load<i32>(indices + (<usize>j << 2));
      memory.copy(out + <usize>(o * k + j) * row, x + <usize>(o * d + id) * row, row);
    }
  }
}
