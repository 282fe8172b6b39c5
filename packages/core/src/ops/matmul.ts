import { ENGINE } from '../engine.js';
import type { FusedActivation } from '../kernel_names.js';
import { TesseraError, fmtShape } from '../errors.js';
import { broadcastShapes, sizeFromShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { FUSED_ACTIVATIONS, applyFusedActivation } from './fused.js';
import { broadcastTo, cast, reshape } from './shape_ops.js';
import { convert, op, runKernel, type TensorLike } from './op.js';

interface Prepared {
  a3: Tensor;
  b3: Tensor;
  outShape: number[];
}

function prepare(name: string, a: TensorLike, b: TensorLike, transposeA: boolean, transposeB: boolean): Prepared {
  let ta = convert(name, a, 'a');
  let tb = convert(name, b, 'b');
  if (ta.dtype !== 'float32') ta = cast(ta, 'float32');
  if (tb.dtype !== 'float32') tb = cast(tb, 'float32');
  if (ta.rank < 2 || tb.rank < 2) {
    throw new TesseraError(`${name}: both operands must have rank >= 2, got a ${fmtShape(ta.shape)} and b ${fmtShape(tb.shape)} (reshape vectors to [1,n] or [n,1])`);
  }
  const [m, ka] = transposeA ? [ta.shape[ta.rank - 1]!, ta.shape[ta.rank - 2]!] : [ta.shape[ta.rank - 2]!, ta.shape[ta.rank - 1]!];
  const [kb, n] = transposeB ? [tb.shape[tb.rank - 1]!, tb.shape[tb.rank - 2]!] : [tb.shape[tb.rank - 2]!, tb.shape[tb.rank - 1]!];
  if (ka !== kb) {
    const ta_ = transposeA ? ' (transposed)' : '';
    const tb_ = transposeB ? ' (transposed)' : '';
    throw new TesseraError(`${name}: inner dimensions differ: a is ${fmtShape(ta.shape)}${ta_}, b is ${fmtShape(tb.shape)}${tb_} (${ka} vs ${kb})`);
  }
  const batchA = ta.shape.slice(0, -2);
  const batchB = tb.shape.slice(0, -2);
  const batch = broadcastShapes(name, batchA, batchB);
  const bs = sizeFromShape(batch);
  const sa = sizeFromShape(batchA);
  const sb = sizeFromShape(batchB);
  if (sa !== bs && sa !== 1) ta = broadcastTo(ta, [...batch, ...ta.shape.slice(-2)]);
  if (sb !== bs && sb !== 1) tb = broadcastTo(tb, [...batch, ...tb.shape.slice(-2)]);
  // Explicit batch sizes: a -1 cannot be resolved when a matrix dimension is 0.
  const a3 = reshape(ta, [sizeFromShape(ta.shape.slice(0, -2)), ...ta.shape.slice(-2)]);
  const b3 = reshape(tb, [sizeFromShape(tb.shape.slice(0, -2)), ...tb.shape.slice(-2)]);
  return { a3, b3, outShape: [...batch, m, n] };
}

/**
 * Matrix product of the last two dimensions; leading (batch) dimensions broadcast.
 * Integer inputs are computed in float32.
 */
export const matmul = op('matmul', (a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor => {
  const { a3, b3, outShape } = prepare('matmul', a, b, transposeA, transposeB);
  const y = runKernel('BatchMatMul', [a3, b3], { transposeA, transposeB });
  return reshape(y, outShape);
});

export interface FusedMatMulArgs {
  a: TensorLike;
  b: TensorLike;
  /** Broadcast over the last dimension (length N). */
  bias?: TensorLike;
  activation?: FusedActivation;
  transposeA?: boolean;
  transposeB?: boolean;
}

/** activation(matmul(a, b) + bias), in one kernel where the backend has 'FusedMatMul'. */
export const fusedMatMul = op('fusedMatMul', (args: FusedMatMulArgs): Tensor => {
  const { transposeA = false, transposeB = false, activation = 'linear' } = args;
  const { a3, b3, outShape } = prepare('fusedMatMul', args.a, args.b, transposeA, transposeB);
  const n = outShape[outShape.length - 1]!;
  let bias: Tensor | undefined;
  if (args.bias !== undefined) {
    bias = convert('fusedMatMul', args.bias, 'bias');
    if (bias.dtype !== 'float32') bias = cast(bias, 'float32');
    if (bias.size !== n || (bias.rank > 1 && bias.shape[bias.rank - 1] !== n)) {
      throw new TesseraError(`fusedMatMul: bias of shape ${fmtShape(bias.shape)} does not match the output's last dimension ${n}`);
    }
  }
  if (ENGINE.hasKernel('FusedMatMul') && FUSED_ACTIVATIONS.includes(activation)) {
    const inputs = bias ? [a3, b3, reshape(bias, [n])] : [a3, b3];
    const y = runKernel('FusedMatMul', inputs, { transposeA, transposeB, activation, hasBias: bias !== undefined });
    return reshape(y, outShape);
  }
  let y = reshape(runKernel('BatchMatMul', [a3, b3], { transposeA, transposeB }), outShape);
  if (bias) y = add(y, reshape(bias, [n]));
  return applyFusedActivation('fusedMatMul', y, activation);
});
