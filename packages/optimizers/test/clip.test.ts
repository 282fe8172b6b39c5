import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, memory, tensor, type Tensor } from '@tessera/core';
import { SGD, clipByGlobalNorm, clipByNorm, clipGradsByNorm, clipGradsByValue, globalNorm } from '../src/index.js';
import { expectClose, freshVariable } from './helpers.js';

describe('clipping helpers', () => {
  it('clipGradsByValue clamps each element to [-c, c], keeping the list/record form', () => {
    const a = tensor([-3, 0.5, 2]);
    const b = tensor([[1.5, -0.2]]);
    const [ca, cb] = clipGradsByValue([a, b], 1);
    expectClose(ca!.dataSync(), [-1, 0.5, 1]);
    expectClose(cb!.dataSync(), [1, -0.2]);
    expect(cb!.shape).toEqual([1, 2]);
    const rec = clipGradsByValue({ x: a }, 0.25);
    expectClose(rec['x']!.dataSync(), [-0.25, 0.25, 0.25]);
    dispose([a, b, ca, cb, rec]);
  });

  it('clipByNorm rescales to the max norm only when the norm exceeds it', () => {
    const x = tensor([3, 4]);
    const small = clipByNorm(x, 1);
    expectClose(small.dataSync(), [0.6, 0.8]);
    const same = clipByNorm(x, 10);
    expectClose(same.dataSync(), [3, 4]);
    const zero = tensor([0, 0]);
    const z = clipByNorm(zero, 1);
    expectClose(z.dataSync(), [0, 0]);
    const [p, q] = clipGradsByNorm([x, tensor([0.3, 0.4])], 1);
    expectClose(p!.dataSync(), [0.6, 0.8]);
    expectClose(q!.dataSync(), [0.3, 0.4]);
    dispose([x, small, same, zero, z, p, q]);
  });

  it('clipByGlobalNorm scales every tensor by maxNorm / globalNorm and reports the norm', () => {
    // ‖[3, 4, 12]‖ = 13; 6.5 / 13 = 0.5.
    const a = tensor([3, 4]);
    const b = tensor([[12]]);
    const n = globalNorm([a, b]);
    expectClose(n.dataSync(), [13]);
    const { grads, globalNorm: norm } = clipByGlobalNorm({ a, b }, 6.5);
    expectClose(norm.dataSync(), [13]);
    expectClose(grads['a']!.dataSync(), [1.5, 2]);
    expectClose(grads['b']!.dataSync(), [6]);
    const under = clipByGlobalNorm([a, b], 20);
    expectClose(under.grads[0]!.dataSync(), [3, 4]);
    expectClose(under.grads[1]!.dataSync(), [12]);
    dispose([a, b, n, grads, norm, under]);
  });

  it('frees their intermediates', () => {
    const a = tensor([3, 4]);
    const before = memory().numTensors;
    const r = clipByGlobalNorm([a], 1);
    // Only the clipped gradient and the norm remain.
    expect(memory().numTensors).toBe(before + 2);
    dispose(r);
    expect(memory().numTensors).toBe(before);
    a.dispose();
  });

  it('rejects a non-positive max', () => {
    const a = tensor([1]);
    expect(() => clipByNorm(a, 0)).toThrow(/'maxNorm' must be in \(0, inf\)/);
    expect(() => clipGradsByValue([a], -1)).toThrow(/'clipValue'/);
    a.dispose();
  });
});

describe('optimizer clipping options', () => {
  // SGD with lr 1 moves each variable by exactly minus its clipped gradient.
  function step(opt: SGD, grads: number[][]): number[][] {
    const vars = grads.map((g) => freshVariable(g.map(() => 0)));
    const ts: Tensor[] = grads.map((g) => tensor(g));
    opt.applyGradients(vars.map((variable, i) => ({ variable, grad: ts[i]! })));
    const moved = vars.map((v) => Array.from(v.dataSync(), (x) => -x));
    dispose([vars, ts]);
    return moved;
  }

  it('clipValue', () => {
    const [d] = step(new SGD({ learningRate: 1, clipValue: 0.5 }), [[-2, 0.25, 3]]);
    expectClose(d!, [-0.5, 0.25, 0.5]);
  });

  it('clipNorm acts on each gradient separately', () => {
    const [d1, d2] = step(new SGD({ learningRate: 1, clipNorm: 1 }), [[3, 4], [0.6]]);
    expectClose(d1!, [0.6, 0.8]);
    expectClose(d2!, [0.6]);
  });

  it('globalClipNorm scales all gradients together', () => {
    const [d1, d2] = step(new SGD({ learningRate: 1, globalClipNorm: 6.5 }), [[3, 4], [12]]);
    expectClose(d1!, [1.5, 2]);
    expectClose(d2!, [6]);
  });

  it('allows only one kind of clipping', () => {
    expect(() => new SGD({ clipNorm: 1, globalClipNorm: 1 })).toThrow(/at most one of clipValue, clipNorm and globalClipNorm/);
  });
});
