import type { Attrs, Backend, BackendFactory, DataId, KernelConfig, KernelFn, TensorInfo } from './backend.js';
import { bytesPerElement, isAllocationFailure, type DataType, type TypedArray } from './dtypes.js';
import { NonFiniteError, OutOfMemoryError, TesseraError, fmtShape } from './errors.js';
import { sizeFromShape } from './shape.js';
import { Tensor, setTensorHost, type Storage, type TensorHost } from './tensor.js';
import { CORE_VERSION } from './version.js';

/** Gradient closure attached to a recorded node by `customGrad`-style ops. */
export type NodeGradFn = (dys: Tensor[], saved: { inputs: Tensor[]; outputs: Tensor[] }) => (Tensor | null)[];

/** One executed op, as the engine reports it to active tapes. */
export interface RecordedOp {
  /** The kernel name (or a core pseudo-kernel like 'Reshape'). */
  kernel: string;
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: Attrs;
  /** Overrides the registered gradient rule (customGrad). */
  gradFn?: NodeGradFn;
}

/** Installed by @tessera/autograd while it records; core knows nothing else of autograd. */
export interface TapeRecorder {
  record(op: RecordedOp): void;
}

interface Scope {
  name: string;
  tensors: Tensor[];
}

/** Debug mode's check of one output on a backend that reads asynchronously. */
interface DebugCheck {
  done: boolean;
  /** The message naming op and kernel when the output held NaN or ±Infinity. */
  failure: string | null;
  settled: Promise<void>;
}

/** Debug mode's message for the first NaN/±Infinity in a kernel's output, or null. */
function nonFinite(kernel: string, opName: string, v: TypedArray, shape: readonly number[], note: string): string | null {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) {
      return `${opName}: kernel '${kernel}' produced ${Number.isNaN(v[i]!) ? 'NaN' : v[i]} at flat index ${i} of its output ${fmtShape(shape)} (debug mode${note})`;
    }
  }
  return null;
}

export interface MemoryInfo {
  /** Live (undisposed) Tensor objects, variables included. */
  numTensors: number;
  /** Live buffers (several tensors may share one). */
  numDataBuffers: number;
  /** Bytes of live buffers, counted by the engine. */
  numBytes: number;
  /** The most `numBytes` has been since the engine started or `resetPeakMemory()` was last called. */
  peakBytes: number;
  /** What the active backend reports of itself. */
  backend: Record<string, unknown>;
}

/** A registered backend as `listBackends()` reports it. */
export interface BackendStatus {
  name: string;
  priority: number;
  /** Whether it is the active backend. */
  active: boolean;
  /** Why it failed to start the last time it was tried (absent if it did not fail). */
  failure?: string;
}

export interface ProfileEntry {
  kernel: string;
  op: string;
  ms: number;
  outShapes: number[][];
}

/** The process-wide runtime: backends, kernels, memory accounting, scopes and tape hooks. */
export class Engine {
  private factories = new Map<string, BackendFactory>();
  private instances = new Map<string, Backend>();
  private pending = new Map<string, Promise<Backend>>();
  private kernels = new Map<string, Map<string, KernelFn>>();
  private activeName: string | null = null;
  private active: Backend | null = null;
  /**
   * Whether the active backend was asked for (setBackend) rather than picked by the engine. A
   * picked one is the best that could start synchronously when the first op ran; `ready()` moves
   * on from it to a better one that has started since.
   */
  private chosen = false;
  /** Why each backend that failed to start did (kept for errors and `listBackends()`). */
  private failures = new Map<string, string>();
  private warnedEarlyPick = false;
  private nextId = 0;
  /** @internal The global generator of random.ts (kept here, so all copies of core share it). */
  globalRandom: unknown = null;
  private scopes: Scope[] = [];
  /** @internal */ tapes: TapeRecorder[] = [];
  /** @internal */ opStack: string[] = [];
  /** Debug mode: every kernel output is checked for NaN/Inf. */
  debug = false;
  private debugChecks: DebugCheck[] = [];
  numTensors = 0;
  numDataBuffers = 0;
  numBytes = 0;
  peakBytes = 0;
  private profiling: ProfileEntry[] | null = null;
  private liveVariables = new Map<string, Tensor>();

  /** @internal What Tensor needs of the engine; each copy of core installs it in its tensor.ts. */
  readonly tensorHost: TensorHost = {
    disposeTensor: (t) => this.disposeTensor(t),
    readData: (t) => this.readData(t),
    readDataSync: (t) => this.readDataSync(t),
    nextTensorId: () => this.nextId++,
  };

  // ---------------------------------------------------------------- backends

  registerBackend(factory: BackendFactory): void {
    if (this.factories.has(factory.name)) {
      // Re-registration (e.g. the same package loaded twice) replaces the factory, keeps instances.
    }
    this.factories.set(factory.name, factory);
  }

  registerKernel(config: KernelConfig<any>): void {
    let table = this.kernels.get(config.backend);
    if (!table) this.kernels.set(config.backend, (table = new Map()));
    table.set(config.name, config.fn as KernelFn);
  }

  hasKernel(name: string, backendName = this.backendName()): boolean {
    return this.kernels.get(backendName)?.has(name) ?? false;
  }

  kernelNames(backendName: string): string[] {
    return [...(this.kernels.get(backendName)?.keys() ?? [])];
  }

  /** Registered backends, best first, with whether each is active and why it failed to start, if it did. */
  registeredBackends(): BackendStatus[] {
    return [...this.factories.values()]
      .map((f) => {
        const failure = this.failures.get(f.name);
        return { name: f.name, priority: f.priority, active: this.activeName === f.name, ...(failure === undefined ? {} : { failure }) };
      })
      .sort((a, b) => b.priority - a.priority);
  }

  /** Why backend `name` failed to start the last time it was tried, if it did. */
  backendFailure(name: string): string | undefined {
    return this.failures.get(name);
  }

  /**
   * Creates (once) and activates a backend. Resolves false if it cannot start here; the reason is
   * printed once (console.warn), kept (`listBackends()`), and named by later "no backend" errors.
   */
  async setBackend(name: string): Promise<boolean> {
    const b = await this.initBackend(name);
    if (!b) return false;
    this.activate(name, b, true);
    return true;
  }

  private activate(name: string, b: Backend, chosen: boolean): void {
    this.activeName = name;
    this.active = b;
    this.chosen = chosen;
  }

  /** Activates a backend whose factory is synchronous (cpu). Throws if it needs async set-up. */
  setBackendSync(name: string): void {
    let b = this.instances.get(name);
    if (b?.isLost?.()) {
      this.removeBackend(name);
      b = undefined;
    }
    if (!b) {
      const f = this.factories.get(name);
      if (!f) throw new TesseraError(`setBackend: no backend named '${name}' is registered (registered: ${this.listNames()})`);
      const created = f.create();
      if (created instanceof Promise) {
        throw new TesseraError(`setBackend: backend '${name}' initialises asynchronously; use await setBackend('${name}')`);
      }
      b = created;
      this.instances.set(name, b);
      this.failures.delete(name);
    }
    this.activate(name, b, true);
  }

  /** The instance of backend `name`, created if there is none or the one there was lost. */
  private async initBackend(name: string): Promise<Backend | null> {
    const have = this.instances.get(name);
    if (have && !have.isLost?.()) return have;
    if (have) this.removeBackend(name);
    const f = this.factories.get(name);
    if (!f) throw new TesseraError(`setBackend: no backend named '${name}' is registered (registered: ${this.listNames()})`);
    const p = this.pending.get(name) ?? this.startBackend(name, Promise.resolve().then(() => f.create()));
    try {
      return await p;
    } catch {
      return null;
    }
  }

  /**
   * Tracks a backend being created: on success it becomes an instance, on failure the reason is
   * kept and said once. Later callers await the same promise.
   */
  private startBackend(name: string, created: Promise<Backend>): Promise<Backend> {
    const p = created.then(
      (b) => {
        this.instances.set(name, b);
        this.failures.delete(name);
        return b;
      },
      (e: unknown) => {
        this.pending.delete(name);
        this.recordFailure(name, e);
        throw e;
      },
    );
    p.catch(() => {});
    this.pending.set(name, p);
    return p;
  }

  /** Keeps why a backend failed to start, and says it (once per distinct reason). */
  private recordFailure(name: string, e: unknown): void {
    const reason = e instanceof Error ? e.message : String(e);
    if (this.failures.get(name) !== reason) console.warn(`tessera: backend '${name}' could not start: ${reason}`);
    this.failures.set(name, reason);
  }

  private listNames(): string {
    return [...this.factories.keys()].join(', ') || 'none';
  }

  /** ` — 'wasm' failed to start: <reason>; …` for the backends that did, or ''. */
  private failureNote(): string {
    const notes = [...this.failures].map(([name, reason]) => `'${name}' failed to start: ${reason}`);
    return notes.length === 0 ? '' : ` — ${notes.join('; ')}`;
  }

  /**
   * Makes sure the best backend is active: a backend chosen with setBackend stays; otherwise the
   * highest-priority registered backend that starts is activated, also when an op already ran on
   * a lower one that could start synchronously (tensors made there move over when next used).
   */
  async ready(): Promise<Backend> {
    if (this.active?.isLost?.()) {
      const chosen = this.chosen ? this.activeName! : null;
      this.removeBackend(this.activeName!);
      // A chosen backend that was lost is started again; a picked one lets ready() pick afresh.
      if (chosen !== null && (await this.setBackend(chosen))) return this.active!;
    }
    if (this.active && this.chosen) return this.active;
    const floor = this.active ? (this.factories.get(this.activeName!)?.priority ?? -Infinity) : -Infinity;
    for (const { name, priority } of this.registeredBackends()) {
      if (this.active && (priority <= floor || this.failures.has(name))) continue;
      const b = await this.initBackend(name);
      if (!b) continue;
      this.activate(name, b, false);
      return b;
    }
    if (this.active) return this.active;
    throw new TesseraError(
      `ready: no backend could be started (registered: ${this.listNames()})${this.failureNote()}; ` +
        "import a backend package, e.g. '@tessera/backend-cpu'",
    );
  }

  /**
   * The active backend. When none was chosen, the best one that can start synchronously is picked;
   * better ones that start asynchronously are started meanwhile, and `ready()` moves to them.
   */
  get backend(): Backend {
    if (this.active) return this.active;
    const starting: string[] = [];
    for (const { name } of this.registeredBackends()) {
      const have = this.instances.get(name);
      if (have) {
        this.pick(name, have, starting);
        return have;
      }
      if (this.pending.has(name)) {
        starting.push(name);
        continue;
      }
      if (this.failures.has(name)) continue;
      let created: Backend | Promise<Backend>;
      try {
        created = this.factories.get(name)!.create();
      } catch (e) {
        this.recordFailure(name, e);
        continue;
      }
      if (created instanceof Promise) {
        void this.startBackend(name, created);
        starting.push(name);
        continue;
      }
      this.instances.set(name, created);
      this.pick(name, created, starting);
      return created;
    }
    throw new TesseraError(
      `no backend is active (registered: ${this.listNames()})${this.failureNote()}` +
        (starting.length > 0
          ? `; ${starting.map((n) => `'${n}'`).join(', ')} start asynchronously: await ready() (or await setBackend(name)) before the first op`
          : "; import a backend package (e.g. '@tessera/backend-cpu') and, for async backends, await ready() or setBackend(name)"),
    );
  }

  /** Activates a synchronously available backend for an op that ran before ready(); says so once if better ones are starting. */
  private pick(name: string, b: Backend, starting: string[]): void {
    this.activate(name, b, false);
    if (starting.length > 0 && !this.warnedEarlyPick) {
      this.warnedEarlyPick = true;
      console.warn(
        `tessera: an op ran before ${starting.map((n) => `'${n}'`).join(', ')} finished starting, so it runs on '${name}' for now; ` +
          `await ready() switches to the best backend (tensors made meanwhile move with it), or await ready() before the first op`,
      );
    }
  }

  backendName(): string {
    return this.activeName ?? this.backend.name;
  }

  findBackend(name: string): Backend | undefined {
    return this.instances.get(name);
  }

  /**
   * Disposes a backend instance (tensors on it become unusable) and forgets it; the next
   * `setBackend(name)` (or `ready()`) starts a new one. The way back from a lost WebGPU device.
   */
  removeBackend(name: string): void {
    const b = this.instances.get(name);
    b?.dispose?.();
    this.instances.delete(name);
    this.pending.delete(name);
    this.failures.delete(name);
    if (this.activeName === name) {
      this.activeName = null;
      this.active = null;
      this.chosen = false;
    }
  }

  // ---------------------------------------------------------------- tensors & storage

  /** Writes values to the active backend and wraps them in a tracked tensor; `op` names the creating op in errors. */
  makeTensor<D extends DataType>(values: TypedArray, shape: readonly number[], dtype: D, op = this.opStack[this.opStack.length - 1] ?? 'tensor'): Tensor<D> {
    const backend = this.backend;
    let dataId: DataId;
    try {
      dataId = backend.write(values, [...shape], dtype);
    } catch (e) {
      throw this.memoryError(e, op, `a ${dtype} tensor of shape ${fmtShape(shape)}`, backend);
    }
    return this.wrap(this.newStorage(backend, dataId, shape, dtype), shape, dtype);
  }

  /**
   * Names the op in a backend's failure to find memory: the backend's OutOfMemoryError, or the
   * RangeError JavaScript throws for an array it cannot allocate, becomes an OutOfMemoryError
   * `<op>: <what the backend said> (<what was being made>)`. Other errors pass unchanged.
   */
  private memoryError(e: unknown, op: string, what: string, backend: Backend): unknown {
    if (e instanceof OutOfMemoryError) {
      return e.message.startsWith(`${op}: `) ? e : new OutOfMemoryError(`${op}: ${e.message} (${what})`);
    }
    if (isAllocationFailure(e)) {
      return new OutOfMemoryError(
        `${op}: backend '${backend.name}': out of memory: JavaScript could not allocate an array (${(e as Error).message}) for ${what} ` +
          `(${this.numBytes} bytes in live tensors)`,
      );
    }
    return e;
  }

  private newStorage(backend: Backend, dataId: object, shape: readonly number[], dtype: DataType): Storage {
    const bytes = sizeFromShape(shape) * bytesPerElement(dtype);
    this.numDataBuffers++;
    this.numBytes += bytes;
    if (this.numBytes > this.peakBytes) this.peakBytes = this.numBytes;
    return { backend, dataId, refs: 0, bytes };
  }

  /** A new tensor over existing storage (reshape, clone, saved tape copies). */
  shareStorage<D extends DataType>(src: Tensor, shape: readonly number[], dtype: D, track = true): Tensor<D> {
    return this.wrap(src.storage, shape, dtype, track);
  }

  private wrap<D extends DataType>(storage: Storage, shape: readonly number[], dtype: D, track = true): Tensor<D> {
    storage.refs++;
    const t = new Tensor(shape, dtype, storage);
    this.numTensors++;
    if (track) this.track(t);
    return t;
  }

  /** @internal Frees the tensor; its storage goes when no tensor references it. */
  disposeTensor(t: Tensor): void {
    if (t.isDisposed) return;
    t.markDisposed();
    this.numTensors--;
    this.releaseStorage(t.storage);
    const name = (t as { name?: string }).name;
    if (name !== undefined && this.liveVariables.get(name) === t) this.liveVariables.delete(name);
  }

  /** @internal */
  releaseStorage(s: Storage): void {
    s.refs--;
    if (s.refs === 0) {
      s.backend.disposeData(s.dataId);
      this.numDataBuffers--;
      this.numBytes -= s.bytes;
    }
  }

  /** @internal Points `t` at `src`'s storage (Variable.assign). */
  replaceStorage(t: Tensor, src: Tensor): void {
    const old = t.storage;
    src.storage.refs++;
    t.storage = src.storage;
    this.releaseStorage(old);
  }

  /** @internal */
  registerVariable(v: Tensor & { name: string }): void {
    this.liveVariables.set(v.name, v);
  }

  /** `name`, or `name_1`, `name_2`, ... — the first that no live variable has. */
  uniqueVariableName(name: string): string {
    if (!this.liveVariables.has(name)) return name;
    for (let i = 1; ; i++) {
      const candidate = `${name}_${i}`;
      if (!this.liveVariables.has(candidate)) return candidate;
    }
  }

  /** Live variables by name. */
  variables(): Map<string, Tensor> {
    return new Map(this.liveVariables);
  }

  private infoOf(t: Tensor, op: string): TensorInfo {
    t.assertAlive(op);
    const backend = this.backend;
    if (t.storage.backend !== backend) this.moveStorage(t.storage, t, backend, op);
    return { dataId: t.storage.dataId, shape: t.shape as number[], dtype: t.dtype };
  }

  /** Copies a buffer to another backend in place, so every tensor sharing it follows. */
  private moveStorage(s: Storage, t: Tensor, to: Backend, op: string): void {
    const from = s.backend;
    if (from.isLost?.() || (from !== this.instances.get(from.name) && this.instances.has(from.name))) {
      throw new TesseraError(
        `${op}: tensor #${t.id} (${fmtShape(t.shape)} ${t.dtype}) lived on an instance of backend '${from.name}' that was lost or removed: its values are gone; make it again`,
      );
    }
    if (!from.readSync) {
      throw new TesseraError(
        `${op}: tensor #${t.id} lives on backend '${from.name}', which cannot be read synchronously; ` +
          `move it first with await moveTo(t, '${to.name}')`,
      );
    }
    const values = from.readSync(s.dataId);
    const dataId = to.write(values, [...t.shape], t.dtype);
    from.disposeData(s.dataId);
    s.backend = to;
    s.dataId = dataId;
  }

  /** Moves a tensor's buffer to the active backend, reading asynchronously. */
  async moveToActive(t: Tensor): Promise<void> {
    const to = this.backend;
    const s = t.storage;
    if (s.backend === to) return;
    const values = await s.backend.read(s.dataId);
    const dataId = to.write(values, [...t.shape], t.dtype);
    s.backend.disposeData(s.dataId);
    s.backend = to;
    s.dataId = dataId;
  }

  async readData(t: Tensor): Promise<TypedArray> {
    if (this.debugChecks.length > 0) await this.settleDebugChecks();
    return t.storage.backend.read(t.storage.dataId);
  }

  readDataSync(t: Tensor): TypedArray {
    const b = t.storage.backend;
    if (!b.readSync) {
      throw new TesseraError(`dataSync: backend '${b.name}' cannot read synchronously; use await t.data()`);
    }
    return b.readSync(t.storage.dataId);
  }

  // ---------------------------------------------------------------- kernels

  /** Runs a kernel on the active backend, wraps its outputs and reports the op to active tapes. */
  runKernel(name: string, inputs: Tensor[], attrs: Attrs = {}): Tensor[] {
    const backend = this.backend;
    const fn = this.kernels.get(backend.name)?.get(name);
    const opName = this.opStack[this.opStack.length - 1] ?? name;
    if (!fn) {
      throw new TesseraError(
        `${opName}: kernel '${name}' is not registered for backend '${backend.name}' — every backend must implement the primitive kernels (docs/kernels.md)`,
      );
    }
    const infos = inputs.map((t) => this.infoOf(t, opName));
    if (this.debugChecks.length > 0) this.throwSettledDebugFailure();
    const t0 = this.profiling ? performance.now() : 0;
    let result: TensorInfo | TensorInfo[];
    try {
      result = fn({ inputs: infos, attrs, backend });
    } catch (e) {
      const described = inputs.map((t) => `${fmtShape(t.shape)} ${t.dtype}`).join(', ');
      throw this.memoryError(e, opName, `kernel '${name}' on inputs ${described || '(none)'}`, backend);
    }
    const outInfos = Array.isArray(result) ? result : [result];
    const outputs = outInfos.map((o) => this.wrap(this.newStorage(backend, o.dataId, o.shape, o.dtype), o.shape, o.dtype));
    if (this.profiling) {
      this.profiling.push({ kernel: name, op: opName, ms: performance.now() - t0, outShapes: outputs.map((o) => [...o.shape]) });
    }
    if (this.debug) this.checkFinite(name, opName, outputs);
    if (this.tapes.length > 0) this.record({ kernel: name, inputs, outputs, attrs });
    return outputs;
  }

  /** Reports a non-kernel op (reshape, customGrad) to active tapes. */
  record(op: RecordedOp): void {
    for (const tape of this.tapes) tape.record(op);
  }

  /** Runs fn with recording paused (stopGradient, customGrad's forward pass, optimizer updates). */
  withoutTapes<T>(fn: () => T): T {
    const saved = this.tapes;
    this.tapes = [];
    try {
      return fn();
    } finally {
      this.tapes = saved;
    }
  }

  /**
   * Debug mode's check of a kernel's float outputs. Backends that read synchronously are checked
   * at once (the op throws). On the others (WebGPU) each output is read now, in order after the
   * kernel, and checked when the values arrive; the first non-finite output found is thrown by the
   * next op or read (`data()`), naming the op and kernel that produced it.
   */
  private checkFinite(kernel: string, opName: string, outputs: Tensor[]): void {
    for (const o of outputs) {
      if (o.dtype !== 'float32') continue;
      const b = o.storage.backend;
      if (b.readSync) {
        const problem = nonFinite(kernel, opName, b.readSync(o.storage.dataId), o.shape, '');
        if (problem) throw new NonFiniteError(problem);
        continue;
      }
      const check: DebugCheck = { done: false, failure: null, settled: Promise.resolve() };
      // A read that fails reports itself (device loss, disposal) to whoever reads next.
      check.settled = b
        .read(o.storage.dataId)
        .then(
          (v) => void (check.failure = nonFinite(kernel, opName, v, o.shape, '; found asynchronously, reported at the next op or read')),
          () => {},
        )
        .finally(() => void (check.done = true));
      this.debugChecks.push(check);
    }
  }

  /** Throws the first failure among the debug checks settled so far, in kernel order, and drops the rest. */
  private throwSettledDebugFailure(): void {
    while (this.debugChecks.length > 0 && this.debugChecks[0]!.done) {
      const c = this.debugChecks.shift()!;
      if (c.failure !== null) {
        this.debugChecks = [];
        throw new NonFiniteError(c.failure);
      }
    }
  }

  /** Waits for debug mode's pending asynchronous checks and throws the first failure (reads call it). */
  async settleDebugChecks(): Promise<void> {
    const pending = this.debugChecks.slice();
    await Promise.all(pending.map((c) => c.settled));
    this.throwSettledDebugFailure();
  }

  // ---------------------------------------------------------------- scopes

  startScope(name = 'scope'): Scope {
    const s: Scope = { name, tensors: [] };
    this.scopes.push(s);
    return s;
  }

  /**
   * Disposes the scope's tensors except the result's (moved to the parent scope) and kept/variable
   * tensors. With `detach`, the result's tensors go to no scope: they are returned, and their owner
   * (an async scope) tracks them from then on.
   */
  endScope(scope: Scope, result?: unknown, detach = false): Tensor[] {
    const i = this.scopes.lastIndexOf(scope);
    if (i < 0) return [];
    this.scopes.splice(i, 1);
    const out = new Set<Tensor>();
    collectTensors(result, out);
    const parent = detach ? undefined : this.scopes[this.scopes.length - 1];
    const moved: Tensor[] = [];
    for (const t of scope.tensors) {
      if (t.isDisposed || t.kept) continue;
      if (out.has(t)) {
        moved.push(t);
        parent?.tensors.push(t);
      } else t.dispose();
    }
    return moved;
  }

  /** @internal The tensors a scope holds so far. */
  scopeTensors(scope: Scope): Tensor[] {
    return [...scope.tensors];
  }

  /** @internal */
  track(t: Tensor): void {
    const top = this.scopes[this.scopes.length - 1];
    if (top) top.tensors.push(t);
  }

  // ---------------------------------------------------------------- memory & profiling

  memory(): MemoryInfo {
    let backendInfo: Record<string, unknown> = {};
    try {
      backendInfo = this.active ? { name: this.active.name, ...this.active.memory() } : {};
    } catch {
      backendInfo = {};
    }
    return { numTensors: this.numTensors, numDataBuffers: this.numDataBuffers, numBytes: this.numBytes, peakBytes: this.peakBytes, backend: backendInfo };
  }

  /** Starts a new peak: `memory().peakBytes` becomes the bytes live now. Returns the old peak. */
  resetPeakMemory(): number {
    const old = this.peakBytes;
    this.peakBytes = this.numBytes;
    return old;
  }

  /** Runs fn and returns the kernels it ran with their wall times (sync part only). */
  profile<T>(fn: () => T): { result: T; kernels: ProfileEntry[] } {
    const prev = this.profiling;
    this.profiling = [];
    try {
      const result = fn();
      return { result, kernels: this.profiling };
    } finally {
      this.profiling = prev;
    }
  }
}

/** Finds tensors in a (nested) result: arrays, plain objects, Maps. */
export function collectTensors(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 8 || x === null || typeof x !== 'object') return;
  if (x instanceof Tensor) {
    out.add(x);
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) collectTensors(v, out, depth + 1);
    return;
  }
  if (x instanceof Map) {
    for (const v of x.values()) collectTensors(v, out, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) {
    for (const v of Object.values(x)) collectTensors(v, out, depth + 1);
  }
}

/**
 * Where the engine lives: one per page or process, whatever the number of copies of core loaded
 * (a failed dedupe, a CDN import beside a bundled one). The symbol's suffix is the layout of the
 * record below; the record names the core version that made the engine.
 */
const ENGINE_SLOT = Symbol.for('@tessera/core:engine@1');

interface EngineSlot {
  version: string;
  engine: Engine;
}

/** The part of a version that must match to share an engine: the major, or `0.minor` before 1.0 (as semver's caret). */
export function engineCompatibility(version: string): string {
  const [major = '', minor = ''] = version.split('.');
  return major === '0' ? `0.${minor}` : major;
}

/** The engine of this page or process: made by the first copy of core, joined by later ones of a compatible version. */
export function sharedEngine(version: string, scope: Record<symbol, unknown> = globalThis as unknown as Record<symbol, unknown>): Engine {
  const slot = scope[ENGINE_SLOT] as EngineSlot | undefined;
  if (slot) {
    if (engineCompatibility(slot.version) !== engineCompatibility(version)) {
      throw new TesseraError(
        `@tessera/core ${version} was loaded where @tessera/core ${slot.version} already runs: versions ${engineCompatibility(slot.version)}.x and ` +
          `${engineCompatibility(version)}.x cannot share one engine (tensors, backends, kernels and memory scopes). Install one version for the ` +
          'whole app: `npm ls @tessera/core` shows which packages bring each; packages above core take it as a peer dependency',
      );
    }
    return slot.engine;
  }
  const engine = new Engine();
  Object.defineProperty(scope, ENGINE_SLOT, { value: { version, engine } satisfies EngineSlot, enumerable: false });
  return engine;
}

/** The one engine of the page or process (see `sharedEngine`). */
export const ENGINE: Engine = sharedEngine(CORE_VERSION);
setTensorHost(ENGINE.tensorHost);
