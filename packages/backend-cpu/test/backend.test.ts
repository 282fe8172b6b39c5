import { ENGINE, OPTIONAL_KERNELS, PRIMITIVE_KERNELS, getBackend, listBackends, setBackend, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend, CpuData, cpuKernels } from '../src/index.js';
import { useBackend } from './helpers.js';

useBackend();

describe('CpuBackend storage', () => {
  it('keeps arrays of the storage type and converts others', () => {
    const b32 = new CpuBackend();
    const b64 = new CpuBackend({ floatPrecision: 64 });
    expect(b32.name).toBe('cpu');
    expect(b64.name).toBe('cpu64');
    const f32 = new Float32Array([1.5, -2]);
    const id = b32.write(f32, [2], 'float32');
    expect(id).toBeInstanceOf(CpuData);
    expect((id as CpuData).values).toBe(f32);
    expect(b64.data(b64.write(f32, [2], 'float32'))).toEqual(new Float64Array([1.5, -2]));
    expect(b32.data(b32.write(new Float64Array([0.1]), [1], 'float32'))).toEqual(new Float32Array([0.1]));
    expect(b32.data(b32.write(new Float32Array([0, 2, -1]), [3], 'bool'))).toEqual(new Uint8Array([0, 1, 1]));
    expect(b32.data(b32.write(new Float32Array([3, -4]), [2], 'int32'))).toEqual(new Int32Array([3, -4]));
  });

  it('reads copies and counts live bytes', async () => {
    const b = new CpuBackend({ floatPrecision: 64 });
    const id = b.write(new Float64Array([1, 2, 3]), [3], 'float32');
    const i32 = b.write(new Int32Array(4), [4], 'int32');
    expect(b.memory()).toEqual({ bytes: 24 + 16, buffers: 2 });
    const copy = b.readSync(id);
    copy[0] = 99;
    expect(b.readSync(id)[0]).toBe(1);
    expect(await b.read(id)).toEqual(new Float64Array([1, 2, 3]));
    b.disposeData(id);
    b.disposeData(id);
    b.disposeData(i32);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
    expect(() => b.data(id)).toThrow(/disposed/);
  });
});

describe('registration', () => {
  it("registers 'cpu' above 'cpu64' and every contract kernel for both", () => {
    const names = listBackends().map((b) => b.name);
    expect(names.indexOf('cpu')).toBeLessThan(names.indexOf('cpu64'));
    for (const backend of ['cpu', 'cpu64']) {
      const have = new Set(ENGINE.kernelNames(backend));
      expect([...PRIMITIVE_KERNELS, ...OPTIONAL_KERNELS].filter((k) => !have.has(k))).toEqual([]);
    }
    expect(new Set(cpuKernels.map((k) => k.name)).size).toBe(cpuKernels.length);
  });

  it('cpu64 stores float tensors as Float64Array and moves tensors across', async () => {
    const t32 = tensor([0.1, 0.2]);
    expect(await setBackend('cpu64')).toBe(true);
    try {
      expect(getBackend()).toBe('cpu64');
      const sum = tidy(() => {
        const t64 = tensor([0.1, 0.2]);
        expect(t64.dataSync()).toBeInstanceOf(Float64Array);
        return Array.from(t64.dataSync());
      });
      expect(sum).toEqual([0.1, 0.2]);
      // A float32 tensor made on 'cpu' is widened when a cpu64 kernel reads it.
      expect(ENGINE.runKernel('Neg', [t32])[0]!.dataSync()).toEqual(new Float64Array([-Math.fround(0.1), -Math.fround(0.2)]));
    } finally {
      await setBackend('cpu');
    }
  });
});
