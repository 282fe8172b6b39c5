import type { Backend, BackendFactory, KernelConfig } from './backend.js';
import { ENGINE, collectTensors, type BackendStatus, type MemoryInfo, type ProfileEntry } from './engine.js';
import { TesseraError } from './errors.js';
import { runSyncScope } from './sync_scope.js';
import { Tensor } from './tensor.js';

/**
 * Runs fn in a memory scope: every tensor created inside is disposed when fn returns, except the
 * tensors it returns (in arrays/objects too) and kept ones. fn must be synchronous: a scope cannot
 * follow an `await` (tensors made by other code while fn waits would land in it and be disposed
 * with fn's), so an async fn is refused with an error — use `tidyAsync` across awaits.
 */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(nameOrFn: string | (() => T), maybeFn?: () => T): T {
  const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
  const name = typeof nameOrFn === 'string' ? nameOrFn : 'tidy';
  if (typeof fn !== 'function') throw new TesseraError(`tidy: expected a function, got ${typeof fn}`);
  return runSyncScope('tidy', name, fn, false).result;
}

/** Marks a tensor so that no enclosing `tidy` disposes it. Returns it. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Disposes every tensor found in x (a tensor, array, object or Map of them). */
export function dispose(x: unknown): void {
  const set = new Set<Tensor>();
  collectTensors(x, set);
  for (const t of set) t.dispose();
}

/** Live tensor, buffer and byte counts. */
export function memory(): MemoryInfo {
  return ENGINE.memory();
}

/**
 * Starts measuring a new peak of tensor memory: `memory().peakBytes` is reset to the bytes live now
 * and from then on records the most bytes live at once. Returns the previous peak.
 */
export function resetPeakMemory(): number {
  return ENGINE.resetPeakMemory();
}

export function registerBackend(factory: BackendFactory): void {
  ENGINE.registerBackend(factory);
}

export function registerKernel<B extends Backend>(config: KernelConfig<B>): void {
  ENGINE.registerKernel(config);
}

/**
 * Switches to a backend by name; resolves false if it cannot start here, after printing why once
 * (console.warn). The reason stays in `listBackends()` and in the errors of later ops.
 */
export function setBackend(name: string): Promise<boolean> {
  return ENGINE.setBackend(name);
}

/** Waits until a backend is active (the best available if none was chosen) and returns its name. */
export async function ready(): Promise<string> {
  return (await ENGINE.ready()).name;
}

/** The active backend's name. */
export function getBackend(): string {
  return ENGINE.backendName();
}

/**
 * Disposes backend `name`'s instance and forgets it (tensors on it become unusable); the next
 * `setBackend(name)` or `ready()` starts a new one. The way back after a lost WebGPU device
 * (`setBackend('webgpu')` alone also replaces a lost device).
 */
export function removeBackend(name: string): void {
  ENGINE.removeBackend(name);
}

export function backendInstance(): Backend {
  return ENGINE.backend;
}

/** Registered backends, best first: name, priority, whether active, and why it failed to start if it did. */
export function listBackends(): BackendStatus[] {
  return ENGINE.registeredBackends();
}

export function hasKernel(name: string): boolean {
  return ENGINE.hasKernel(name);
}

/**
 * Debug mode: every float kernel output is checked for NaN/Inf and the op that produced it is named
 * (a NonFiniteError). Backends that read synchronously throw from the op itself; on WebGPU the
 * check runs as the values arrive and the next op or read (`await t.data()`) throws it.
 */
export function setDebug(on: boolean): void {
  ENGINE.debug = on;
}

export function profile<T>(fn: () => T): { result: T; kernels: ProfileEntry[] } {
  return ENGINE.profile(fn);
}

/** Moves a tensor's data to the active backend (async read, works from any backend). */
export async function moveTo(t: Tensor, backendName: string): Promise<void> {
  const prev = getBackend();
  if (!(await setBackend(backendName))) throw new TesseraError(`moveTo: backend '${backendName}' is unavailable`);
  try {
    await ENGINE.moveToActive(t);
  } finally {
    await setBackend(prev);
  }
}
