import { valueAndGrads } from '@tessera/autograd';
import {
  Random, add, conv2d, exp, matmul, maxPool2d, mean, mul, relu, scalar, softmax, softmaxCrossEntropy, sub, sum, tensor, tidy, type Tensor,
} from '@tessera/core';

/**
 * What the browser test runs on 'wasm' in headless Chromium and on 'cpu' in Node: a few ops and one
 * SGD training step of a small dense net, on seeded inputs. Every result is returned as plain
 * numbers so it crosses page.evaluate unchanged.
 */
export type WorkloadResult = Record<string, number[]>;

const rand = (shape: number[], seed: number): Tensor => {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => r.uniform(-1, 1)), shape);
};

const values = (t: Tensor): number[] => Array.from(t.dataSync());

export function workload(): WorkloadResult {
  const out: WorkloadResult = {};
  tidy(() => {
    // Large enough for the packed GEMM's full tiles and its edges.
    out['matmul'] = values(matmul(rand([37, 70], 1), rand([70, 45], 2)));
    out['exp+sum'] = values(sum(exp(rand([5, 6, 7], 3)), 1));
    out['softmax'] = values(softmax(rand([4, 10], 4)));
    const image = rand([2, 9, 9, 3], 5);
    const y = conv2d(image, rand([3, 3, 3, 4], 6), 1, 'same');
    out['conv2d+maxPool'] = values(maxPool2d(relu(y), 2));
    // Above the size the backend splits across threads (2^21 multiply-adds).
    out['matmul (threaded)'] = values(matmul(rand([160, 128], 12), rand([128, 120], 13)));
    out['conv2d (threaded)'] = values(conv2d(rand([4, 16, 16, 8], 14), rand([3, 3, 8, 32], 15), 1, 'same'));

    // One training step: 6 → 16 (ReLU) → 3, softmax cross-entropy, plain SGD.
    const [batch, inputs, hidden, classes, lr] = [8, 6, 16, 3, 0.5];
    const x = rand([batch, inputs], 7);
    const labels = tensor(
      Float32Array.from({ length: batch * classes }, (_, i) => (i % classes === (Math.floor(i / classes) * 7) % classes ? 1 : 0)),
      [batch, classes],
    );
    const params = [rand([inputs, hidden], 8), mul(rand([hidden], 9), 0.1), rand([hidden, classes], 10), mul(rand([classes], 11), 0.1)];
    const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor => {
      const logits = add(matmul(relu(add(matmul(x, w1), b1)), w2), b2);
      return mean(softmaxCrossEntropy(labels, logits));
    };
    const { value, grads } = valueAndGrads(loss)(params);
    const updated = params.map((p, i) => sub(p, mul(grads[i]!, scalar(lr))));
    out['loss'] = values(value);
    grads.forEach((g, i) => (out[`grad${i}`] = values(g)));
    updated.forEach((p, i) => (out[`param${i}`] = values(p)));
    out['lossAfterStep'] = values(loss(updated[0]!, updated[1]!, updated[2]!, updated[3]!));
  });
  return out;
}
