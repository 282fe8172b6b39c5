import {
  DisposedTensorError, TesseraError, add, argMax, broadcastTo, cast, clipByValue, concat, conv2d, conv2dTranspose, depthwiseConv2d, expandDims, fusedConv2d, fusedMatMul, gather,
  getBackend, logicalAnd, logicalNot, matmul, maxPool2d, oneHot, pad, randomUniform, range, reshape, setBackend, slice, softmax,
  softmaxCrossEntropy, split, squeeze, stack, sum, tensor, tile, transpose, variable, where, zeros, type DataType, type Tensor,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { counts, expectCounts, type SuiteContext } from '../harness.js';

interface ErrorCase {
  name: string;
  /** Tensors the failing call uses (disposed afterwards). */
  make: () => Tensor[];
  act: (...xs: Tensor[]) => unknown;
  /** The message must contain this text (or match this pattern). */
  message: string | RegExp;
  kind?: typeof TesseraError;
}

const z = (shape: number[], dtype: DataType = 'float32'): Tensor => zeros(shape, dtype);

const CASES: ErrorCase[] = [
  {
    name: 'matmul with differing inner dimensions',
    make: () => [z([2, 3]), z([4, 5])],
    act: (a, b) => matmul(a!, b!),
    message: 'matmul: inner dimensions differ: a is [2,3], b is [4,5] (3 vs 4)',
  },
  {
    name: 'matmul with transposeB names the transposed operand',
    make: () => [z([2, 3]), z([3, 4])],
    act: (a, b) => matmul(a!, b!, false, true),
    message: 'matmul: inner dimensions differ: a is [2,3], b is [3,4] (transposed) (3 vs 4)',
  },
  { name: 'matmul of a vector', make: () => [z([3]), z([3, 2])], act: (a, b) => matmul(a!, b!), message: 'matmul: both operands must have rank >= 2, got a [3] and b [3,2]' },
  { name: 'matmul with non-broadcastable batch dims', make: () => [z([2, 3, 4]), z([3, 4, 5])], act: (a, b) => matmul(a!, b!), message: /^matmul: shapes \[2\] and \[3\] cannot be broadcast/ },
  {
    name: 'fusedMatMul with a bias of the wrong length',
    make: () => [z([2, 3]), z([3, 4]), z([3])],
    act: (a, b, bias) => fusedMatMul({ a: a!, b: b!, bias: bias! }),
    message: "fusedMatMul: bias of shape [3] does not match the output's last dimension 4",
  },
  {
    name: 'fusedConv2d with a bias of the wrong length',
    make: () => [z([1, 4, 4, 2]), z([2, 2, 2, 3]), z([2])],
    act: (x, f, bias) => fusedConv2d({ x: x!, filter: f!, bias: bias! }),
    message: 'fusedConv2d: bias of shape [2] does not match the 3 output channels: expected [3]',
  },
  {
    name: 'fusedConv2d with an activation it cannot fuse',
    make: () => [z([1, 4, 4, 2]), z([2, 2, 2, 3])],
    act: (x, f) => fusedConv2d({ x: x!, filter: f!, activation: 'elu' as never }),
    message: "fusedConv2d: unknown activation 'elu' (expected linear, relu, sigmoid or tanh)",
  },
  { name: 'add of non-broadcastable shapes', make: () => [z([2, 3]), z([4])], act: (a, b) => add(a!, b!), message: 'add: shapes [2,3] and [4] cannot be broadcast: dimension -1 is 3 vs 4' },
  {
    name: 'where with a condition that does not broadcast',
    make: () => [z([3], 'bool'), z([2, 2]), z([2, 2])],
    act: (c, a, b) => where(c!, a!, b!),
    message: 'where: shapes [3] and [2,2] cannot be broadcast',
  },
  { name: 'where with a float condition', make: () => [z([2]), z([2]), z([2])], act: (c, a, b) => where(c!, a!, b!), message: "where: argument 'condition' must be bool, got float32 [2]" },
  { name: 'reshape to a different size', make: () => [z([2, 3])], act: (x) => reshape(x!, [4, 2]), message: 'reshape: cannot reshape [2,3] (size 6) to [4,2] (size 8)' },
  { name: 'reshape with an indivisible -1', make: () => [z([2, 3])], act: (x) => reshape(x!, [4, -1]), message: 'reshape: cannot reshape [2,3] (size 6) to [4,-1]: 6 is not divisible by 4' },
  { name: 'reshape with two -1', make: () => [z([2, 3])], act: (x) => reshape(x!, [-1, -1]), message: 'reshape: at most one -1 is allowed in the new shape [-1,-1]' },
  { name: 'sum over an axis out of range', make: () => [z([2, 3])], act: (x) => sum(x!, 2), message: 'sum: axis 2 is out of range for a tensor of rank 2 (expected an integer in [-2, 1])' },
  { name: 'sum over a repeated axis', make: () => [z([2, 3])], act: (x) => sum(x!, [1, -1]), message: 'sum: axis -1 is repeated in [1,-1]' },
  { name: 'softmax over an axis out of range', make: () => [z([2, 3])], act: (x) => softmax(x!, 5), message: 'softmax: axis 5 is out of range for a tensor of rank 2' },
  { name: 'softmax of a scalar', make: () => [z([])], act: (x) => softmax(x!), message: 'softmax: expected a tensor of rank >= 1, got a scalar' },
  { name: 'argMax over an axis out of range', make: () => [z([2, 3])], act: (x) => argMax(x!, -3), message: 'argMax: axis -3 is out of range for a tensor of rank 2' },
  { name: 'argMax over an empty axis', make: () => [z([0, 3])], act: (x) => argMax(x!, 0), message: 'argMax: axis 0 of [0,3] is empty' },
  { name: 'expandDims at an axis out of range', make: () => [z([2, 3])], act: (x) => expandDims(x!, 4), message: 'expandDims: axis 4 is out of range for a tensor of rank 3' },
  { name: 'squeeze of an axis that is not 1', make: () => [z([2, 1])], act: (x) => squeeze(x!, 0), message: 'squeeze: axis 0 of shape [2,1] has size 2, expected 1' },
  { name: 'gather along an axis out of range', make: () => [z([2, 3]), z([1], 'int32')], act: (x, i) => gather(x!, i!, 2), message: 'gather: axis 2 is out of range for a tensor of rank 2' },
  { name: 'concat along an axis out of range', make: () => [z([2, 3]), z([2, 3])], act: (a, b) => concat([a!, b!], 2), message: 'concat: axis 2 is out of range for a tensor of rank 2' },
  {
    name: 'concat of mismatched shapes',
    make: () => [z([2, 3]), z([2, 4])],
    act: (a, b) => concat([a!, b!], 0),
    message: 'concat: xs[1] has shape [2,4], expected rank 2 and the shape of xs[0] [2,3] except on axis 0',
  },
  { name: 'stack of mismatched shapes', make: () => [z([2, 3]), z([3, 2])], act: (a, b) => stack([a!, b!]), message: 'stack: xs[1] has shape [3,2], expected [2,3] like xs[0]' },
  { name: 'logicalAnd on float32', make: () => [z([2]), z([2], 'bool')], act: (a, b) => logicalAnd(a!, b!), message: "logicalAnd: argument 'a' must be bool, got float32 [2]" },
  { name: 'logicalNot on int32', make: () => [z([3], 'int32')], act: (x) => logicalNot(x!), message: "logicalNot: argument 'x' must be bool, got int32 [3]" },
  { name: 'gather with float indices', make: () => [z([3, 2])], act: (x) => gather(x!, [0.5]), message: 'gather: indices must be int32, got float32 [1]' },
  { name: 'gather with an index past the end', make: () => [z([3, 2]), tensor([0, 5], [2], 'int32')], act: (x, i) => gather(x!, i!), message: /gather.*\b5\b/is },
  { name: 'gather with a negative index', make: () => [z([3, 2]), tensor([-1, 0], [2], 'int32')], act: (x, i) => gather(x!, i!, 0), message: /gather.*-1/is },
  { name: 'oneHot with float indices', make: () => [z([3])], act: (i) => oneHot(i!, 4), message: 'oneHot: indices must be int32, got float32' },
  { name: 'ragged nested array', make: () => [], act: () => tensor([[1, 2], [3]]), message: 'tensor: ragged nested array: element [1] has length 1, expected length 2 (shape [2,2])' },
  { name: 'nested array with a non-number', make: () => [], act: () => tensor([1, 'a' as unknown as number]), message: 'tensor: element [1] is string, expected a number or boolean' },
  {
    name: 'slice out of bounds',
    make: () => [z([4, 3])],
    act: (x) => slice(x!, [2, 0], [3, 3]),
    message: 'slice: begin [2,0] with size [3,3] is out of bounds for shape [4,3] (axis 0: [2, 5) not within [0, 4])',
  },
  { name: 'split into unequal parts', make: () => [z([5, 2])], act: (x) => split(x!, 2), message: 'split: axis 0 of shape [5,2] (size 5) cannot be split into 2 equal parts' },
  { name: 'split with sizes that do not add up', make: () => [z([5])], act: (x) => split(x!, [2, 2]), message: 'split: sizes [2,2] do not add up to 5' },
  { name: 'transpose with a bad perm', make: () => [z([2, 3, 4])], act: (x) => transpose(x!, [0, 0, 1]), message: 'transpose: perm [0,0,1] is not a permutation of [0..2] for shape [2,3,4]' },
  { name: 'broadcastTo an incompatible shape', make: () => [z([2, 3])], act: (x) => broadcastTo(x!, [2, 4]), message: 'broadcastTo: cannot broadcast [2,3] to [2,4] (dimension 1: 3 vs 4)' },
  { name: 'tile with too few reps', make: () => [z([2, 3])], act: (x) => tile(x!, [2]), message: 'tile: reps [2] must have one non-negative integer per dimension of [2,3]' },
  { name: 'pad with negative padding', make: () => [z([2])], act: (x) => pad(x!, [[-1, 0]]), message: 'pad: paddings [[-1,0]] must be one [before, after] pair of non-negative integers per dimension of [2]' },
  { name: 'pad of int32 with a fraction', make: () => [z([2], 'int32')], act: (x) => pad(x!, [[1, 1]], 0.5), message: 'pad: value (for int32 x [2]) 0.5 is not an integer' },
  { name: 'pad of int32 with a value beyond int32', make: () => [z([2], 'int32')], act: (x) => pad(x!, [[1, 0]], 2 ** 31), message: 'pad: value (for int32 x [2]) 2147483648 is outside the int32 range' },
  { name: 'oneHot with an int32 onValue that is a fraction', make: () => [], act: () => oneHot([1], 3, 0.5, 0, 'int32'), message: 'oneHot: onValue 0.5 is not an integer' },
  {
    name: "gather with TF.js's batchDims",
    make: () => [z([2, 3]), z([2, 1], 'int32')],
    act: (x, i) => (gather as (...args: unknown[]) => unknown)(x!, i!, 1, 1),
    message: 'gather: batchDims 1 is not supported (only 0, the default)',
  },
  { name: 'cast to an unknown dtype', make: () => [z([2])], act: (x) => cast(x!, 'int8' as DataType), message: "cast: unknown dtype 'int8'" },
  {
    name: 'conv2d with mismatched channels',
    make: () => [z([1, 4, 4, 3]), z([2, 2, 2, 1])],
    act: (x, f) => conv2d(x!, f!),
    message: 'conv2d: input channels differ: x is [1,4,4,3] (NHWC, 3 channels), filter is [2,2,2,1] (HWIO, 2 in-channels)',
  },
  { name: 'conv2d of a rank-2 input', make: () => [z([4, 4]), z([2, 2, 1, 1])], act: (x, f) => conv2d(x!, f!), message: 'conv2d: x must be rank 4 (NHWC) or 3 (HWC), got [4,4]' },
  { name: 'conv2d with a filter larger than the input', make: () => [z([1, 2, 2, 1]), z([3, 3, 1, 1])], act: (x, f) => conv2d(x!, f!), message: /conv2d: the 3x3 filter .* does not fit the 2x2 input/ },
  {
    name: 'conv2dTranspose with an outputShape that conv2d does not map to x',
    make: () => [z([1, 4, 4, 2]), z([3, 3, 1, 2])],
    act: (x, f) => conv2dTranspose(x!, f!, [1, 7, 7, 1], 2),
    message: "conv2dTranspose: outputShape [1,7,7,1] does not match x [1,4,4,2]: conv2d of a 7x7 input with the 3x3 filter (strides 2,2, dilations 1,1, padding 'valid') gives 3x3, not x's 4x4",
  },
  {
    name: 'conv2dTranspose with mismatched channels',
    make: () => [z([1, 4, 4, 2]), z([3, 3, 1, 3])],
    act: (x, f) => conv2dTranspose(x!, f!, [1, 9, 9, 1], 2),
    message: 'conv2dTranspose: x [1,4,4,2] has 2 channels but the filter [3,3,1,3] ([height, width, outChannels, inChannels]) expects 3',
  },
  {
    name: 'depthwiseConv2d with mismatched channels',
    make: () => [z([1, 4, 4, 3]), z([2, 2, 2, 1])],
    act: (x, f) => depthwiseConv2d(x!, f!),
    message: 'depthwiseConv2d: input channels differ: x is [1,4,4,3] (NHWC, 3 channels), filter is [2,2,2,1] ([height, width, inChannels, channelMultiplier], 2 in-channels)',
  },
  { name: 'maxPool2d with a window larger than the input', make: () => [z([1, 2, 2, 1])], act: (x) => maxPool2d(x!, 3), message: 'maxPool2d: the 3x3 window does not fit the 2x2 input' },
  {
    name: 'softmaxCrossEntropy with mismatched shapes',
    make: () => [z([2, 3]), z([2, 4])],
    act: (l, x) => softmaxCrossEntropy(l!, x!),
    message: 'softmaxCrossEntropy: labels [2,3] and logits [2,4] must have the same shape',
  },
  { name: 'clipByValue with min > max', make: () => [z([2])], act: (x) => clipByValue(x!, 2, 1), message: 'clipByValue: min (2) must be <= max (1)' },
  { name: 'randomUniform with maxval <= minval', make: () => [], act: () => randomUniform([2], 1, 1), message: 'randomUniform: maxval (1) must be greater than minval (1)' },
  { name: 'range with step 0', make: () => [], act: () => range(0, 3, 0), message: 'range: step must not be 0' },
  { name: 'a non-tensor argument', make: () => [], act: () => add({} as unknown as number, 1), message: "add: argument 'a' must be a Tensor, number or array, got object" },
];

export function errorSuite(ctx: SuiteContext): void {
  describe('errors name the op and the offending shapes or dtypes', () => {
    for (const c of CASES) {
      it(c.name, () => {
        const xs = c.make();
        const start = counts();
        let thrown: unknown = null;
        try {
          c.act(...xs);
        } catch (e) {
          thrown = e;
        }
        const after = counts();
        xs.forEach((t) => t.dispose());
        expect(thrown, `${c.name}: expected an error`).toBeInstanceOf(Error);
        const message = (thrown as Error).message;
        if (typeof c.message === 'string') expect(message).toContain(c.message);
        else expect(message).toMatch(c.message);
        // A failed op frees what it made before failing.
        expectCounts(after, start, `${c.name} (after the error)`);
      });
    }

    it('using a disposed tensor throws DisposedTensorError naming the op', async () => {
      const x = tensor([1, 2]);
      x.dispose();
      expect(() => add(x, 1)).toThrow(DisposedTensorError);
      expect(() => add(x, 1)).toThrow(/^add: tensor #\d+ \(shape \[2\], float32\) was disposed and cannot be used$/);
      expect(() => matmul(x, x)).toThrow(/^matmul: tensor #\d+ .* was disposed/);
      await expect(x.data()).rejects.toThrow(DisposedTensorError);
      expect(String(x)).toBe('Tensor(disposed, shape=[2], dtype=float32)');
    });

    it('assigning a value of another shape or dtype to a variable', () => {
      const v = variable([1, 2], true, `assign_mismatch_${ctx.backend}`);
      const w = tensor([1, 2, 3]);
      const i = tensor([1, 2], [2], 'int32');
      expect(() => v.assign(w)).toThrow(`assign: variable '${v.name}' is [2] float32, got a value of [3] float32`);
      expect(() => v.assign(i)).toThrow(`assign: variable '${v.name}' is [2] float32, got a value of [2] int32`);
      [v, w, i].forEach((t) => t.dispose());
    });

    it('a taken variable name gets a numeric suffix', () => {
      const name = `duplicate_${ctx.backend}`;
      const v = variable([1], true, name);
      const w = variable([2], true, name);
      expect(v.name).toBe(name);
      expect(w.name).toBe(`${name}_1`);
      v.dispose();
      const again = variable([3], true, name);
      expect(again.name).toBe(name);
      [w, again].forEach((t) => t.dispose());
    });

    it('an unknown backend name is rejected and leaves the active backend alone', async () => {
      await expect(setBackend('no-such-backend')).rejects.toThrow(/setBackend: no backend named 'no-such-backend' is registered/);
      expect(getBackend()).toBe(ctx.backend);
    });
  });
}
