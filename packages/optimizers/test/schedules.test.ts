import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, tensor } from '@tessera/core';
import { ExponentialDecay, LearningRateSchedule, SGD, getOptimizer, schedules, sgd } from '../src/index.js';
import { expectClose, freshVariable } from './helpers.js';

const at = (s: LearningRateSchedule, steps: number[]): number[] => steps.map((k) => s.valueAt(k));

describe('schedules', () => {
  it('exponentialDecay: lr0 * rate^(step / decaySteps)', () => {
    const s = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expectClose(at(s, [0, 5, 10, 20]), [0.1, 0.1 * Math.SQRT1_2, 0.05, 0.025]);
    const stairs = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expectClose(at(stairs, [0, 9, 10, 15, 20]), [0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('stepDecay drops by factor every stepSize steps', () => {
    const s = schedules.stepDecay({ initialLearningRate: 1, stepSize: 3, factor: 0.5 });
    expectClose(at(s, [0, 2, 3, 5, 6, 7]), [1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('piecewiseConstantDecay: values[i] up to and including boundaries[i]', () => {
    const s = schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect(at(s, [0, 10, 11, 20, 21, 1000])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('cosineDecay goes from lr0 to alpha * lr0 over decaySteps, then stays', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
    expectClose(at(s, [0, 25, 50, 100, 200]), [1, 0.9 * (0.5 + Math.SQRT1_2 / 2) + 0.1, 0.55, 0.1, 0.1]);
  });

  it('polynomialDecay, with and without cycle', () => {
    const s = schedules.polynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0.1, power: 2 });
    expectClose(at(s, [0, 5, 10, 20]), [1, 0.325, 0.1, 0.1]);
    const cyc = schedules.polynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0.1, power: 2, cycle: true });
    // step 15: the period has grown to 20, so (1 - 15/20)^2 = 0.0625.
    expectClose(at(cyc, [0, 5, 10, 15]), [1, 0.325, 0.1, 0.15625]);
    expectClose(at(schedules.polynomialDecay({ initialLearningRate: 1, decaySteps: 4 }), [1]), [0.75 * (1 - 1e-4) + 1e-4]);
  });

  it('inverseTimeDecay: lr0 / (1 + rate * step / decaySteps)', () => {
    const s = schedules.inverseTimeDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 });
    expectClose(at(s, [0, 10, 20, 15]), [1, 1 / 1.5, 0.5, 1 / 1.75]);
    const stairs = schedules.inverseTimeDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expectClose(at(stairs, [9, 15, 20]), [1, 1 / 1.5, 0.5]);
  });

  it('linearWarmup ramps to the wrapped schedule, which then starts at its own step 0', () => {
    const inner = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    const s = schedules.linearWarmup({ warmupSteps: 10, schedule: inner });
    expectClose(at(s, [0, 5, 9, 10, 20]), [0, 0.05, 0.09, 0.1, 0.05]);
    const fromConst = schedules.linearWarmup({ warmupSteps: 4, schedule: 0.2, initialLearningRate: 0.1 });
    expectClose(at(fromConst, [0, 2, 4, 100]), [0.1, 0.15, 0.2, 0.2]);
  });

  it('round-trips through serialize/deserialize (JSON included), nested schedules too', () => {
    const list: LearningRateSchedule[] = [
      schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
      schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }),
      schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 }),
      schedules.polynomialDecay({ initialLearningRate: 1, decaySteps: 10, power: 2, cycle: true }),
      schedules.inverseTimeDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 }),
      schedules.linearWarmup({ warmupSteps: 5, schedule: schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 50 }) }),
    ];
    for (const s of list) {
      const back = schedules.deserialize(JSON.parse(JSON.stringify(s.serialize())));
      expect(back).toBeInstanceOf(LearningRateSchedule);
      const copy = back as LearningRateSchedule;
      expect(copy.className).toBe(s.className);
      expect(copy.getConfig()).toEqual(s.getConfig());
      expect(at(copy, [0, 3, 7, 12, 60])).toEqual(at(s, [0, 3, 7, 12, 60]));
    }
  });

  it('rejects bad options and unknown classes with clear errors', () => {
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(/'decaySteps' must be in \(0, inf\)/);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5] })).toThrow(/one more entry/);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [20, 10], values: [1, 0.5, 0.1] })).toThrow(/strictly increasing/);
    expect(() => schedules.deserialize({ className: 'NoSuchDecay', config: {} })).toThrow(/unknown schedule 'NoSuchDecay'/);
    expect(() => schedules.deserialize({ className: 'CosineDecay', config: { initialLearningRate: 1, decaySteps: 5, warmup: 3 } })).toThrow(
      /has no option 'warmup'/,
    );
  });

  it('custom schedules can be registered', () => {
    class Halving extends LearningRateSchedule {
      readonly className = 'Halving';
      constructor(readonly start: number) {
        super();
      }
      valueAt(step: number): number {
        return this.start / 2 ** step;
      }
      getConfig(): Record<string, unknown> {
        return { start: this.start };
      }
    }
    schedules.register('Halving', (c) => new Halving(c['start'] as number));
    const opt = getOptimizer({ className: 'sgd', config: { learningRate: new Halving(0.8).serialize() } });
    expect(opt.learningRateSchedule).toBeInstanceOf(Halving);
    expect(opt.currentLearningRate()).toBe(0.8);
  });
});

describe('an optimizer with a schedule', () => {
  it('evaluates it at `iterations` before each update (0 for the first)', () => {
    const lr = schedules.piecewiseConstantDecay({ boundaries: [0, 1], values: [1, 0.5, 0.25] });
    const opt = new SGD({ learningRate: lr });
    const w = freshVariable([0]);
    const g = tensor([1]);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(opt.currentLearningRate());
      opt.applyGradients([{ variable: w, grad: g }]);
    }
    expect(seen).toEqual([1, 0.5, 0.25]);
    expectClose(w.dataSync(), [-1.75]);
    expect(opt.learningRate).toBe(0.25);
    dispose([w, g]);
  });

  it('refuses a learning-rate assignment (the schedule owns it)', () => {
    const opt = sgd(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }));
    expect(() => {
      opt.learningRate = 0.01;
    }).toThrow(/follows a schedule \(ExponentialDecay\) and cannot be set/);
  });
});
