import { OPTIONAL_KERNELS, PRIMITIVE_KERNELS } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { registeredGradients } from '../src/index.js';

describe('gradient rule coverage', () => {
  it('has a rule for every primitive and optional kernel and for core pseudo-kernels', () => {
    const have = new Set(registeredGradients());
    const missing = [...PRIMITIVE_KERNELS, ...OPTIONAL_KERNELS, 'Reshape', 'Identity'].filter((k) => !have.has(k));
    expect(missing).toEqual([]);
  });

  it('registers no rule for a kernel the contract does not name', () => {
    const known = new Set<string>([...PRIMITIVE_KERNELS, ...OPTIONAL_KERNELS, 'Reshape', 'Identity']);
    expect(registeredGradients().filter((k) => !known.has(k))).toEqual([]);
  });
});
