import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { add, dispose, matmul, mean, memory, square, sub, tensor, variable, type Tensor } from '@tessera/core';
import { getOptimizer, type OptimizerIdentifier } from '../src/index.js';

const configs: OptimizerIdentifier[] = [
  { className: 'SGD', config: { momentum: 0.9, nesterov: true, clipValue: 0.1 } },
  { className: 'AdaGrad', config: { clipNorm: 0.5 } },
  { className: 'RMSProp', config: { centered: true, momentum: 0.5, globalClipNorm: 1 } },
  { className: 'Adam', config: { amsgrad: true } },
  { className: 'AdamW', config: {} },
  { className: 'Adamax', config: {} },
  { className: 'Nadam', config: {} },
  { className: 'Adadelta', config: {} },
  { className: 'Lion', config: {} },
];

describe('memory', () => {
  it.each(configs.map((c) => [(c as { className: string }).className, c] as const))('%s: a step leaks nothing', async (_name, config) => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const y = tensor([[1], [0], [-1]]);
    const w = variable([[0.1], [-0.1]], true, 'mem_w');
    const b = variable([0], true, 'mem_b');
    const opt = getOptimizer(config);
    const loss = (): Tensor => mean(square(sub(add(matmul(x, w), b), y)));
    opt.minimize(loss);
    const afterFirst = memory().numTensors;
    const buffers = memory().numDataBuffers;
    for (let i = 0; i < 5; i++) {
      opt.minimize(loss);
      const cost = opt.minimize(loss, true);
      cost.dispose();
      expect(memory().numTensors).toBe(afterFirst);
      expect(memory().numDataBuffers).toBe(buffers);
    }
    const state = await opt.getWeights();
    dispose(state.map((s) => s.tensor));
    const before = memory().numTensors;
    opt.dispose();
    // Everything but the step counter in the state is a slot.
    expect(memory().numTensors).toBe(before - (state.length - 1));
    dispose([x, y, w, b]);
  });

  it('dispose frees exactly the slots; applyGradients and getWeights leave nothing behind', async () => {
    const start = memory().numTensors;
    const w = variable([1, 2, 3], true, 'mem_slots');
    const g = tensor([0.1, 0.2, 0.3]);
    const opt = getOptimizer('adam');
    opt.applyGradients({ mem_slots: g });
    expect(memory().numTensors).toBe(start + 2 + 2);
    opt.applyGradients([{ variable: w, grad: g }]);
    expect(memory().numTensors).toBe(start + 4);
    const state = await opt.getWeights();
    expect(memory().numTensors).toBe(start + 4 + 3);
    dispose(state.map((s) => s.tensor));
    opt.dispose();
    expect(memory().numTensors).toBe(start + 2);
    dispose([w, g]);
    expect(memory().numTensors).toBe(start);
  });

  it('frees the slots of variables disposed since', () => {
    const start = memory().numTensors;
    const opt = getOptimizer('adagrad');
    const g = tensor([1]);
    const a = variable([1], true, 'mem_a');
    opt.applyGradients({ mem_a: g });
    a.dispose();
    const c = variable([1], true, 'mem_c');
    opt.applyGradients({ mem_c: g });
    // g, c and c's accumulator: a's accumulator went with a.
    expect(memory().numTensors).toBe(start + 3);
    opt.dispose();
    dispose([c, g]);
    expect(memory().numTensors).toBe(start);
  });
});
