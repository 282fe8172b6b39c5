// Device loss and debug mode on a backend that cannot read synchronously: the public way back from a
// lost device (setBackend replaces it, removeBackend forgets it), and NaN checks that report the op
// at the next op or read.
import {
  NonFiniteError, add, backendInstance, getBackend, listBackends, log, memory, mul, removeBackend, setBackend, setDebug, sqrt, tensor,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';

async function loseDevice(): Promise<WebGPUBackend> {
  const b = backendInstance() as WebGPUBackend;
  b.device.destroy();
  await b.device.lost;
  return b;
}

describe('webgpu device loss', () => {
  it("names the way back, and setBackend('webgpu') starts a new device", async () => {
    const x = tensor([1, 2, 3]);
    const dead = await loseDevice();
    expect(() => add(x, 1)).toThrow(/device was lost \(destroyed\).*await setBackend\('webgpu'\) starts a new device \(or removeBackend\('webgpu'\)/);
    expect(await setBackend('webgpu')).toBe(true);
    const fresh = backendInstance() as WebGPUBackend;
    expect(fresh).not.toBe(dead);
    expect(fresh.isLost()).toBe(false);
    const y = mul(tensor([1, 2, 3]), 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    // A tensor of the lost device says its values are gone instead of reading a dead buffer.
    expect(() => add(x, 1)).toThrow(/tensor #\d+ \(\[3\] float32\) lived on an instance of backend 'webgpu' that was lost or removed/);
    x.dispose();
    y.dispose();
  });

  it('removeBackend forgets a lost device; the next setBackend starts a new one', async () => {
    const before = memory().numTensors;
    await loseDevice();
    removeBackend('webgpu');
    expect(listBackends().find((b) => b.name === 'webgpu')?.active).toBe(false);
    expect(await setBackend('webgpu')).toBe(true);
    expect(getBackend()).toBe('webgpu');
    const x = tensor([1]);
    const y = add(x, 1);
    expect(Array.from(await y.data())).toEqual([2]);
    x.dispose();
    y.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('webgpu debug mode', () => {
  it('a NaN made on the GPU rejects the next read, naming the op and kernel', async () => {
    setDebug(true);
    try {
      const y = log(tensor([2, -1]));
      await expect(y.data()).rejects.toThrow(NonFiniteError);
      const z = sqrt(tensor([-4]));
      await expect(z.data()).rejects.toThrow(/^sqrt: kernel 'Sqrt' produced NaN at flat index 0 of its output \[1\] \(debug mode; found asynchronously/);
      // Reported once: later reads work.
      const ok = add(tensor([1]), 1);
      expect(Array.from(await ok.data())).toEqual([2]);
      [y, z, ok].forEach((t) => t.dispose());
    } finally {
      setDebug(false);
    }
  });

  it('once the check has run, the next op throws it', async () => {
    setDebug(true);
    try {
      const y = log(tensor([-1]));
      const probe = tensor([0]);
      // No tensor is read: the check's own read arrives meanwhile, and then an op reports it.
      let thrown: unknown = null;
      for (let i = 0; i < 200 && thrown === null; i++) {
        try {
          add(probe, 1).dispose();
          await new Promise((r) => setTimeout(r, 10));
        } catch (e) {
          thrown = e;
        }
      }
      expect(thrown).toBeInstanceOf(NonFiniteError);
      expect((thrown as Error).message).toMatch(/^log: kernel 'Log' produced NaN at flat index 0 of its output \[1\]/);
      y.dispose();
      probe.dispose();
    } finally {
      setDebug(false);
    }
  });
});
