import {
  add, clone, conv2d, conv2dTranspose, depthwiseConv2d, dispose, gelu, keep, logSoftmax, logSumExp, matmul, mean, memory, moments, mul, randomNormal, reshape,
  resetPeakMemory, softmax, softmaxCrossEntropy, square, sub, sum, tensor, tidy, tidyAsync, transpose, variable, TesseraError, type AsyncScope,
  type Tensor,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { counts, expectCounts, type SuiteContext } from '../harness.js';
import { read, values } from '../inputs.js';
import { expectClose } from '../tolerance.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

function backendBytes(): number {
  const b = memory().backend as { bytes?: unknown };
  return typeof b.bytes === 'number' ? b.bytes : NaN;
}

export function memorySuite(ctx: SuiteContext): void {
  describe('memory: tidy, keep, dispose', () => {
    it('tidy frees everything but its result', async () => {
      const start = counts();
      const y = tidy(() => {
        const a = tensor([1, 2, 3]);
        const b = mul(a, 2);
        return add(b, square(a));
      });
      expect(memory().numTensors).toBe(start.numTensors + 1);
      expect(await values(y)).toEqual([3, 8, 15]);
      y.dispose();
      expectCounts(counts(), start, 'tidy');
    });

    it('nested tidy hands the inner result to the outer scope', () => {
      const start = counts();
      let inner: Tensor | null = null;
      const outer = tidy(() => {
        const a = tensor([1, 2]);
        inner = tidy(() => mul(add(a, 1), 3));
        const c = add(inner, a);
        expect(inner.isDisposed).toBe(false);
        return c;
      });
      expect(inner!.isDisposed, 'the inner result is freed by the outer tidy').toBe(true);
      expect(memory().numTensors).toBe(start.numTensors + 1);
      outer.dispose();
      expectCounts(counts(), start, 'nested tidy');
    });

    it('tidy returning arrays and objects of tensors keeps all of them', async () => {
      const start = counts();
      const { pair, dict } = tidy(() => {
        const a = tensor([[1, 2], [3, 4]]);
        const t = transpose(a);
        return { pair: [add(t, 1), sub(t, 1)], dict: { s: sum(a), nested: { m: mean(a) } } };
      });
      expect(memory().numTensors).toBe(start.numTensors + 4);
      expect(await values(pair[0]!)).toEqual([2, 4, 3, 5]);
      expect(await values(dict.nested.m)).toEqual([2.5]);
      dispose([pair, dict]);
      expectCounts(counts(), start, 'tidy returning containers');
    });

    it('tidy refuses an async function before running it, naming tidyAsync', async () => {
      const start = counts();
      let ran = false;
      const fn = async (): Promise<Tensor> => {
        ran = true;
        return tensor([1]);
      };
      expect(() => tidy(fn)).toThrow(TesseraError);
      expect(() => tidy(fn)).toThrow(/^tidy: fn is async .* Use tidyAsync\(async \(scope\) => \{ \.\.\. \}\)/);
      expect(ran).toBe(false);
      expectCounts(counts(), start, 'refused async tidy');
    });

    it('tidy refuses a function that returns a promise, disposing nothing it may still use', async () => {
      const start = counts();
      let made: Tensor | null = null;
      const pending = Promise.resolve();
      expect(() =>
        tidy(() => {
          made = tensor([1, 2]);
          return pending.then(() => made);
        }),
      ).toThrow(/^tidy: fn is async/);
      await pending;
      expect(made!.isDisposed).toBe(false);
      made!.dispose();
      expectCounts(counts(), start, 'promise-returning tidy');
    });

    it('tidyAsync frees what its steps made across awaits and keeps its result', async () => {
      const start = counts();
      const result = await tidyAsync(async (scope) => {
        const a = scope.run(() => tensor([1, 2, 3]));
        const first = await values(a);
        await tick();
        const b = scope.run(() => mul(a, first[2]!));
        await tick();
        const c = scope.run(() => add(square(b), 1));
        return { c, d: await values(c) };
      });
      expect(result.d).toEqual([10, 37, 82]);
      expect(memory().numTensors).toBe(start.numTensors + 1);
      result.c.dispose();
      expectCounts(counts(), start, 'tidyAsync');
    });

    it('tidyAsync never disposes a tensor that unrelated code made while it awaited', async () => {
      const start = counts();
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const scoped = tidyAsync(async (scope) => {
        scope.run(() => mul(tensor([1, 2]), 2));
        await gate;
        return scope.run(() => tensor([7]));
      });
      // Other code runs while the scope waits.
      const base = tensor([1]);
      const unrelated = add(base, 1);
      release();
      const result = await scoped;
      expect(unrelated.isDisposed, 'the unrelated tensor survives the scope').toBe(false);
      expect(await values(unrelated)).toEqual([2]);
      expect(await values(result)).toEqual([7]);
      dispose([base, unrelated, result]);
      expectCounts(counts(), start, 'tidyAsync beside unrelated code');
    });

    it('two concurrent tidyAsync calls keep each other\'s results', async () => {
      const start = counts();
      const run = (v: number, waits: number) =>
        tidyAsync(async (scope) => {
          const x = scope.run(() => tensor([v]));
          for (let i = 0; i < waits; i++) await tick();
          return scope.run(() => mul(x, 10));
        });
      const [first, second] = await Promise.all([run(1, 3), run(2, 1)]);
      expect(first.isDisposed, 'the first result survives the second scope ending').toBe(false);
      expect(second.isDisposed).toBe(false);
      expect(await values(first)).toEqual([10]);
      expect(await values(second)).toEqual([20]);
      dispose([first, second]);
      expectCounts(counts(), start, 'concurrent tidyAsync');
    });

    it('tidyAsync frees tracked tensors too, and everything when fn rejects', async () => {
      const start = counts();
      const made = tensor([3]);
      await expect(
        tidyAsync(async (scope) => {
          scope.track(made);
          scope.run(() => mul(tensor([1, 2]), 2));
          await tick();
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(made.isDisposed).toBe(true);
      expectCounts(counts(), start, 'rejected tidyAsync');
      let late: AsyncScope | null = null;
      await tidyAsync(async (scope) => {
        late = scope;
      });
      expect(() => late!.run(() => tensor([1]))).toThrow(/^tidyAsync: scope.run was called after its tidyAsync ended/);
      await expect(tidyAsync(null as never)).rejects.toThrow(/^tidyAsync: expected a function/);
      expectCounts(counts(), start, 'tidyAsync misuse');
    });

    it('sync tidy that throws still frees its tensors', () => {
      const start = counts();
      expect(() =>
        tidy(() => {
          add(tensor([1]), 1);
          throw new Error('sync boom');
        }),
      ).toThrow('sync boom');
      expectCounts(counts(), start, 'throwing tidy');
    });

    it('keep survives tidy', async () => {
      const start = counts();
      let kept: Tensor | null = null;
      tidy(() => {
        kept = keep(mul(tensor([2, 3]), 2));
        add(kept, 1);
      });
      expect(kept!.isDisposed).toBe(false);
      expect(await values(kept!)).toEqual([4, 6]);
      expect(memory().numTensors).toBe(start.numTensors + 1);
      kept!.dispose();
      expectCounts(counts(), start, 'keep');
    });

    it('dispose is idempotent and handles containers', () => {
      const start = counts();
      const a = tensor([1, 2, 3]);
      const b = tensor([4]);
      a.dispose();
      a.dispose();
      dispose(a);
      expect(a.isDisposed).toBe(true);
      expect(memory().numTensors).toBe(start.numTensors + 1);
      const c = tensor([5]);
      dispose({ list: [b, c], again: b, map: new Map([['c', c]]) });
      expectCounts(counts(), start, 'dispose');
    });

    it('reshape and clone share the buffer; it is freed with its last tensor', async () => {
      const start = counts();
      const a = tensor([1, 2, 3, 4]);
      const r = reshape(a, [2, 2]);
      const c = clone(a);
      expect(memory().numTensors).toBe(start.numTensors + 3);
      expect(memory().numDataBuffers).toBe(start.numDataBuffers + 1);
      a.dispose();
      expect(await values(r)).toEqual([1, 2, 3, 4]);
      r.dispose();
      expect(await values(c)).toEqual([1, 2, 3, 4]);
      expect(memory().numDataBuffers).toBe(start.numDataBuffers + 1);
      c.dispose();
      expectCounts(counts(), start, 'shared buffers');
    });

    it('numBytes counts 4 bytes per float32/int32 element and 1 per bool', () => {
      const start = counts();
      const f = tensor([1, 2, 3]);
      const i = tensor([1, 2], [2], 'int32');
      const b = tensor([true, false, true, true, false]);
      expect(memory().numBytes - start.numBytes).toBe(12 + 8 + 5);
      dispose([f, i, b]);
      expectCounts(counts(), start, 'numBytes');
    });

    it('peakBytes records the most bytes live at once since resetPeakMemory', () => {
      const base = memory().numBytes;
      resetPeakMemory();
      expect(memory().peakBytes).toBe(base);
      const r = tidy(() => {
        const a = tensor(Float32Array.from({ length: 1000 }, (_, i) => i)); // 4,000 bytes
        const b = mul(a, 2); // 4,000
        return sum(b); // 4; a and b are freed on return
      });
      expect(memory().numBytes).toBe(base + 4);
      // a and b were live together (plus small scalars, depending on how the backend composes sum).
      const peak = memory().peakBytes;
      expect(peak).toBeGreaterThanOrEqual(base + 8004);
      expect(peak).toBeLessThan(base + 8100);
      r.dispose();
      expect(resetPeakMemory()).toBe(peak);
      expect(memory().peakBytes).toBe(base);
    });

    it("the backend's own byte count returns to its start", () => {
      const before = backendBytes();
      expect(Number.isFinite(before), 'memory().backend.bytes must be a number').toBe(true);
      const t = tidy(() => add(randomNormal([64, 64], 0, 1, 'float32', 3), 1));
      expect(backendBytes()).toBeGreaterThan(before);
      t.dispose();
      expect(backendBytes()).toBe(before);
    });
  });

  describe('memory: composite ops leak no intermediates', () => {
    const x = (): Tensor => randomNormal([4, 6], 0, 1, 'float32', 9);
    const composites: [string, () => Tensor[], (xs: Tensor[]) => Tensor | Tensor[] | { mean: Tensor; variance: Tensor }][] = [
      ['softmax (axis 0)', () => [x()], ([t]) => softmax(t!, 0)],
      ['softmax (last axis)', () => [x()], ([t]) => softmax(t!)],
      ['logSoftmax', () => [x()], ([t]) => logSoftmax(t!)],
      ['logSumExp', () => [x()], ([t]) => logSumExp(t!, 1)],
      ['moments', () => [x()], ([t]) => moments(t!, [0, 1])],
      ['gelu', () => [x()], ([t]) => gelu(t!)],
      ['softmaxCrossEntropy', () => tidy(() => [softmax(x()), x()]), ([l, t]) => softmaxCrossEntropy(l!, t!)],
      ['matmul with batch broadcasting', () => [randomNormal([3, 1, 2, 4], 0, 1, 'float32', 1), randomNormal([5, 4, 2], 0, 1, 'float32', 2)], ([a, b]) => matmul(a!, b!)],
      ['conv2d (same, stride 2, rank-3 input)', () => [randomNormal([5, 5, 2], 0, 1, 'float32', 4), randomNormal([3, 3, 2, 3], 0, 1, 'float32', 5)], ([t, f]) => conv2d(t!, f!, 2, 'same')],
      ['conv2dTranspose (stride 2, same)', () => [randomNormal([1, 3, 3, 2], 0, 1, 'float32', 6), randomNormal([3, 3, 1, 2], 0, 1, 'float32', 7)], ([t, f]) => conv2dTranspose(t!, f!, [1, 6, 6, 1], 2, 'same')],
      ['depthwiseConv2d (stride 2, same, multiplier 2)', () => [randomNormal([1, 5, 5, 2], 0, 1, 'float32', 8), randomNormal([3, 3, 2, 2], 0, 1, 'float32', 9)], ([t, f]) => depthwiseConv2d(t!, f!, 2, 'same')],
      ['mean of an int32 tensor (casts)', () => [tensor([1, 2, 3], [3], 'int32')], ([t]) => mean(t!)],
      ['add of arrays (converted inputs)', () => [], () => add([1, 2], [[3], [4]])],
    ];
    for (const [name, make, run] of composites) {
      it(name, () => {
        const start = counts();
        const inputs = make();
        const before = counts();
        const result = run(inputs);
        const outs = Array.isArray(result) ? result : 'variance' in result ? [result.mean, result.variance] : [result];
        expect(memory().numTensors - before.numTensors, `${name} should leave only its outputs`).toBe(outs.length);
        dispose([outs, inputs]);
        expectCounts(counts(), start, name);
      });
    }
  });

  describe('memory: variables and a training-like loop', () => {
    it('variables survive tidy; assign frees the old buffer', async () => {
      const start = counts();
      const v = variable([1, 2, 3], true, `mem_v_${ctx.backend}`);
      expect(memory().numTensors).toBe(start.numTensors + 1);
      expect(memory().numDataBuffers).toBe(start.numDataBuffers + 1);
      tidy(() => {
        v.assign(mul(add(v, 1), 2));
      });
      expect(v.isDisposed).toBe(false);
      expect(await values(v)).toEqual([4, 6, 8]);
      expect(memory().numTensors, 'assign adds no tensor').toBe(start.numTensors + 1);
      expect(memory().numDataBuffers, 'the old buffer was freed').toBe(start.numDataBuffers + 1);
      const w = tidy(() => variable(mul(v, 0.5), false, `mem_w_${ctx.backend}`));
      expect(await values(w)).toEqual([2, 3, 4]);
      dispose([v, w]);
      expectCounts(counts(), start, 'variables');
    });

    it('50 steps of linear-regression gradient descent keep the counts flat and match float64', async () => {
      const start = counts();
      const n = 16;
      const din = 3;
      const xData = Array.from({ length: n * din }, (_, i) => Math.fround(Math.sin(i * 1.7)));
      const trueW = [0.5, -1.25, 2];
      const yData = Array.from({ length: n }, (_, i) => Math.fround(trueW.reduce((p, w, j) => p + w * xData[i * din + j]!, 0.3)));
      const xs = tensor(xData, [n, din]);
      const ys = tensor(yData, [n, 1]);
      const w = variable([[0], [0], [0]], true, `loop_w_${ctx.backend}`);
      const b = variable([0], true, `loop_b_${ctx.backend}`);
      const lr = 0.1;
      const step = (): Tensor =>
        tidy(() => {
          const err = sub(add(matmul(xs, w), b), ys);
          const loss = mean(square(err));
          const dw = mul(matmul(xs, err, true, false), 2 / n);
          const db = mul(sum(err, 0), 2 / n);
          w.assign(sub(w, mul(dw, lr)));
          b.assign(sub(b, mul(db, lr)));
          return loss;
        });
      const first = step();
      const firstLoss = (await values(first))[0]!;
      first.dispose();
      const afterOne = counts();
      let lastLoss = firstLoss;
      for (let i = 1; i < 50; i++) {
        const loss = step();
        lastLoss = (await values(loss))[0]!;
        loss.dispose();
        expectCounts(counts(), afterOne, `step ${i + 1}`);
      }
      expect(lastLoss).toBeLessThan(firstLoss / 10);
      // The same loop in float64.
      let rw = [0, 0, 0];
      let rb = 0;
      for (let i = 0; i < 50; i++) {
        const err = Array.from({ length: n }, (_, r) => rw.reduce((p, wj, j) => p + wj * xData[r * din + j]!, rb) - yData[r]!);
        const dw = rw.map((_, j) => (2 / n) * err.reduce((p, e, r) => p + e * xData[r * din + j]!, 0));
        const db = (2 / n) * err.reduce((p, e) => p + e, 0);
        rw = rw.map((wj, j) => wj - lr * dw[j]!);
        rb -= lr * db;
      }
      expectClose((await read(w)).data, rw, { rtol: 1e-3, atol: 1e-4, op: 'trained weights' });
      expectClose((await read(b)).data, [rb], { rtol: 1e-3, atol: 1e-4, op: 'trained bias' });
      dispose([xs, ys, w, b]);
      expectCounts(counts(), start, 'training loop');
    });
  });
}
