// The browser check's workload: a few ops and one training step of a tiny softmax classifier
// (matmul + bias + cross-entropy, gradients by autograd, a manual SGD update). It runs on whatever
// backend is active, so the driver computes the expected values with the same code on 'cpu'.
import {
  add, conv2d, cast, gather, matmul, mean, mul, range, relu, reshape, sin, slice, softmax, softmaxCrossEntropy, sub, sum, tensor, tidy, type Tensor,
} from '@tessera/core';
import { valueAndGrads } from '@tessera/autograd';

export interface ScenarioResult {
  ops: Record<string, number[]>;
  loss: number;
  w: number[];
  b: number[];
  lossAfter: number;
}

async function values(t: Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

export async function runScenario(): Promise<ScenarioResult> {
  const x = tensor([[0.5, -1, 2], [1.5, 0.25, -0.5], [-2, 1, 0.75], [0.1, 0.2, 0.3]]);
  const labels = tensor([[1, 0], [0, 1], [1, 0], [0, 1]]);
  let w = tensor([[0.1, -0.2], [0.3, 0.05], [-0.15, 0.2]]);
  let b = tensor([0.01, -0.02]);
  const ops: Record<string, number[]> = {
    'add broadcast': await values(add(x, tensor([1, 2, 3]))),
    'relu(matmul)': await values(tidy(() => relu(matmul(x, w)))),
    'softmax': await values(softmax(x)),
    'sum axis 0': await values(sum(x, 0)),
    'gather': await values(gather(x, tensor([3, 0], [2], 'int32'))),
    'cast int32': await values(cast(mul(x, 2), 'int32')),
    'conv2d': await values(tidy(() => conv2d(x.reshape([1, 4, 3, 1]), tensor([[[[1]], [[-1]]], [[[0.5]], [[2]]]]), 1, 'same'))),
    // Large enough for the tiled kernel (workgroup memory, register tiles), with transposeB.
    'tiled matmul 70x80x90': await values(
      tidy(() => {
        const a = reshape(sin(range(0, 70 * 80)), [70, 80]);
        const b = reshape(sin(mul(range(0, 90 * 80), 1.5)), [90, 80]);
        return slice(matmul(a, b, false, true), [0, 0], [3, 90]);
      }),
    ),
  };
  const loss = (wt: Tensor, bt: Tensor): Tensor => mean(softmaxCrossEntropy(labels, add(matmul(x, wt), bt)));
  const { value, grads } = valueAndGrads(loss)([w, b]);
  const lr = 0.5;
  const w2 = tidy(() => sub(w, mul(grads[0]!, lr)));
  const b2 = tidy(() => sub(b, mul(grads[1]!, lr)));
  grads.forEach((g) => g.dispose());
  w.dispose();
  b.dispose();
  w = w2;
  b = b2;
  const result: ScenarioResult = {
    ops,
    loss: (await values(value))[0]!,
    w: Array.from(await w.data()),
    b: Array.from(await b.data()),
    lossAfter: (await values(loss(w, b)))[0]!,
  };
  [x, labels, w, b].forEach((t) => t.dispose());
  return result;
}
