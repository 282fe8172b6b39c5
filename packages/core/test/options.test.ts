import { describe, expect, it } from 'vitest';
import { checkOptions, closestName } from '../src/options.js';

describe('checkOptions', () => {
  const known = ['units', 'activation', 'kernelInitializer', 'returnSequences', 'returnState'];

  it('passes known options and nothing at all', () => {
    expect(() => checkOptions('LSTM', { units: 4, activation: 'tanh' }, known)).not.toThrow();
    expect(() => checkOptions('LSTM', undefined, known)).not.toThrow();
  });

  it('names an unknown option, the closest known one, and the known list', () => {
    expect(() => checkOptions('LSTM', { units: 4, kernel_initializer: 'zeros' }, known)).toThrow(
      "LSTM: unknown option 'kernel_initializer' (did you mean 'kernelInitializer'?); known options: activation, kernelInitializer, returnSequences, returnState, units",
    );
    expect(() => checkOptions('LSTM', { returnSequence: true }, known)).toThrow("unknown option 'returnSequence' (did you mean 'returnSequences'?)");
    expect(() => checkOptions('LSTM', { stateful: true }, known)).toThrow(/^LSTM: unknown option 'stateful'; known options/);
  });

  it('suggests only close names', () => {
    expect(closestName('actvation', known)).toBe('activation');
    expect(closestName('zzzzzz', known)).toBeUndefined();
  });
});
