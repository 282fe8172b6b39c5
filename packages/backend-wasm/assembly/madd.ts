// a·b + c on four lanes. The relaxed build (compiled with `--enable relaxed-simd`) uses the fused
// multiply-add where the CPU has one (one rounding instead of two, half the instructions in the
// GEMM and convolution inner loops); the plain SIMD build keeps the separate multiply and add. The
// choice is made at compile time, so each build has only one of the two.
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
