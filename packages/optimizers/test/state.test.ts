import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { add, dispose, matmul, mean, randomNormal, square, sub, tensor, tidy, variable, type Variable } from '@tessera/core';
import { getOptimizer, schedules, type NamedTensor, type Optimizer, type OptimizerIdentifier } from '../src/index.js';
import { freshVariable } from './helpers.js';

const x = randomNormal([16, 3], 0, 1, 'float32', 11);
const y = tidy(() => add(matmul(x, tensor([[1], [-2], [0.5]])), 0.3));

function makeVars(w: ArrayLike<number>, b: ArrayLike<number>): [Variable, Variable] {
  return [variable(Array.from(w, (v) => [v]), true, 'state_w'), variable(Array.from(b), true, 'state_b')];
}

/** `n` steps of minimize; the variables' values after each. */
function train(opt: Optimizer, w: Variable, b: Variable, n: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    opt.minimize(() => mean(square(sub(add(matmul(x, w), b), y))), false, [w, b]);
    out.push(Float32Array.from([...w.dataSync(), ...b.dataSync()]));
  }
  return out;
}

const configs: [string, OptimizerIdentifier][] = [
  ['sgd nesterov', { className: 'SGD', config: { learningRate: 0.05, momentum: 0.9, nesterov: true } }],
  ['adagrad', { className: 'AdaGrad', config: { learningRate: 0.1 } }],
  ['rmsprop centered momentum', { className: 'RMSProp', config: { learningRate: 0.01, centered: true, momentum: 0.5 } }],
  [
    'adam amsgrad + schedule',
    {
      className: 'Adam',
      config: { amsgrad: true, learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 }).serialize() },
    },
  ],
  ['adamw', { className: 'AdamW', config: { learningRate: 0.05, weightDecay: 0.01 } }],
  ['adamax + global clipping', { className: 'Adamax', config: { learningRate: 0.05, globalClipNorm: 0.5 } }],
  ['nadam', { className: 'Nadam', config: { learningRate: 0.05 } }],
  ['adadelta', { className: 'Adadelta', config: { learningRate: 1 } }],
  ['lion', { className: 'Lion', config: { learningRate: 0.01 } }],
];

describe('getWeights / setWeights resume training exactly', () => {
  it.each(configs)('%s', async (_name, config) => {
    let [w, b] = makeVars([0.1, 0.2, -0.3], [0]);
    const opt = getOptimizer(config);
    train(opt, w, b, 5);
    const savedW = w.dataSync().slice();
    const savedB = b.dataSync().slice();
    const state = await opt.getWeights();
    // The uninterrupted run; the saved state must not follow it.
    const uninterrupted = train(opt, w, b, 5);
    opt.dispose();
    dispose([w, b]);

    [w, b] = makeVars(savedW, savedB);
    const resumed = getOptimizer(opt.serialize());
    expect(resumed).not.toBe(opt);
    await resumed.setWeights(state);
    expect(resumed.iterations).toBe(5);
    const again = train(resumed, w, b, 5);
    expect(again).toEqual(uninterrupted);

    dispose([w, b, state.map((s) => s.tensor)]);
    resumed.dispose();
  });

  it('lists the step counter then each variable’s slots, in a stable order', async () => {
    const [w, b] = makeVars([0, 0, 0], [0]);
    const opt = getOptimizer({ className: 'RMSProp', config: { momentum: 0.9, centered: true } });
    train(opt, w, b, 2);
    const state = await opt.getWeights();
    expect(state.map((s) => s.name)).toEqual([
      'iter',
      'state_w/velocity', 'state_w/momentum', 'state_w/averageGradient',
      'state_b/velocity', 'state_b/momentum', 'state_b/averageGradient',
    ]);
    expect(state[0]!.tensor.dtype).toBe('int32');
    expect(Array.from(state[0]!.tensor.dataSync())).toEqual([2]);
    expect(state[1]!.tensor.shape).toEqual([3, 1]);
    expect(state.map((s) => s.name)).toEqual((await opt.getWeights()).map((s) => s.name));
    dispose([w, b, state.map((s) => s.tensor)]);
    opt.dispose();
  });

  it('rejects state it cannot place, before changing anything', async () => {
    const w = freshVariable([1, 2, 3], 'restore_target');
    const opt = getOptimizer('adam');
    const good = tensor([1, 1, 1]);
    const wrongShape = tensor([1, 1]);
    const bad = async (list: NamedTensor[]): Promise<void> => opt.setWeights(list);
    await expect(bad([{ name: 'restore_target/momentum', tensor: wrongShape }])).rejects.toThrow(
      /'restore_target\/momentum' is \[2\] float32, but variable 'restore_target' is \[3\] float32/,
    );
    await expect(bad([{ name: 'missing_var/momentum', tensor: good }])).rejects.toThrow(/no live variable has that name/);
    await expect(bad([{ name: 'restore_target/accumulator', tensor: good }])).rejects.toThrow(/slot one of: momentum, velocity/);
    const iter = tensor(7, [], 'int32');
    await expect(bad([{ name: 'iter', tensor: iter }, { name: 'restore_target/nope', tensor: good }])).rejects.toThrow(/is not state of this Adam/);
    expect(opt.iterations).toBe(0);
    expect(opt.getSlot(w, 'momentum')).toBeNull();
    await opt.setWeights([{ name: 'iter', tensor: iter }, { name: 'restore_target/momentum', tensor: good }]);
    expect(opt.iterations).toBe(7);
    expect(Array.from(opt.getSlot(w, 'momentum')!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(opt.getSlot(w, 'velocity')!.dataSync())).toEqual([0, 0, 0]);
    dispose([w, good, wrongShape, iter]);
    opt.dispose();
  });
});
