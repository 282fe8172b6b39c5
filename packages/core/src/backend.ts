import type { DataType, TypedArray } from './dtypes.js';

/** Opaque handle to a buffer owned by a backend. */
export type DataId = object;

/** What a kernel sees of a tensor: its storage handle, shape and dtype. Always contiguous, row-major. */
export interface TensorInfo {
  dataId: DataId;
  shape: number[];
  dtype: DataType;
}

/**
 * Storage half of a backend. Compute lives in kernels registered per backend (see `registerKernel`).
 *
 * Float tensors are stored as float32, except where a backend declares `floatPrecision: 64`
 * (the cpu backend's float64 mode for gradient checking): then float buffers are Float64Array.
 */
export interface Backend {
  readonly name: string;
  /** 32 normally; 64 for a backend that computes float tensors in double precision. */
  readonly floatPrecision: 32 | 64;
  /** Stores values (length = product of shape) and returns a handle. The backend may keep the array. */
  write(values: TypedArray, shape: number[], dtype: DataType): DataId;
  /** Reads a buffer back. The returned array is a copy the caller owns. */
  read(dataId: DataId): Promise<TypedArray>;
  /** Synchronous read; absent on backends (WebGPU) that cannot block. */
  readSync?(dataId: DataId): TypedArray;
  /** Frees a buffer. Called once, when the engine's last reference to it goes. */
  disposeData(dataId: DataId): void;
  /** Bytes the backend holds for live buffers (pools may hold more; see `memory()`). */
  memory(): { bytes: number; [k: string]: unknown };
  /** Waits for queued work (no-op for synchronous backends). */
  flush?(): Promise<void>;
  dispose?(): void;
  /**
   * True once the backend can run nothing more (a lost GPU device). `setBackend(name)` then
   * replaces it with a new instance; tensors that lived on it are gone.
   */
  isLost?(): boolean;
}

export type Attrs = Record<string, unknown>;

export interface KernelArgs<B extends Backend = Backend, A = Attrs> {
  inputs: TensorInfo[];
  attrs: A;
  backend: B;
}

export type KernelFn<B extends Backend = Backend, A = any> = (args: KernelArgs<B, A>) => TensorInfo | TensorInfo[];

export interface KernelConfig<B extends Backend = Backend> {
  /** A name from `KernelName` (required primitives or optional fused kernels). */
  name: string;
  /** The backend name the kernel belongs to. */
  backend: string;
  fn: KernelFn<B>;
}

export interface BackendFactory {
  name: string;
  /** Higher wins when Tessera picks the best available backend. */
  priority: number;
  /** Creates the backend; may be async (WebGPU adapters, wasm compilation). Throws if unavailable. */
  create(): Backend | Promise<Backend>;
}
