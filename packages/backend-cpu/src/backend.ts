import { OutOfMemoryError, TesseraError, isAllocationFailure, type Backend, type DataId, type DataType, type TensorInfo, type TypedArray } from '@tessera/core';

/** The storage of float tensors: float32, or float64 in the gradient-checking mode. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The DataId of the cpu backend: it holds the typed array itself, so a kernel reaches its data
 * with one property load instead of a Map lookup.
 */
export class CpuData {
  constructor(public values: TypedArray) {}
}

export interface CpuBackendOptions {
  /** The name kernels are registered under ('cpu' or 'cpu64'). */
  name?: string;
  /** 64 stores float32 tensors as Float64Array and computes in double precision. */
  floatPrecision?: 32 | 64;
}

const EMPTY = new Uint8Array(0);

/** Synchronous, pure-TypeScript storage: every buffer is a typed array on the JS heap. */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly floatPrecision: 32 | 64;
  private liveBytes = 0;
  private liveBuffers = 0;

  constructor(options: CpuBackendOptions = {}) {
    this.floatPrecision = options.floatPrecision ?? 32;
    this.name = options.name ?? (this.floatPrecision === 64 ? 'cpu64' : 'cpu');
  }

  write(values: TypedArray, _shape: number[], dtype: DataType): DataId {
    const stored = this.toStorage(values, dtype);
    this.liveBytes += stored.byteLength;
    this.liveBuffers++;
    return new CpuData(stored);
  }

  async read(dataId: DataId): Promise<TypedArray> {
    return this.readSync(dataId);
  }

  readSync(dataId: DataId): TypedArray {
    return this.data(dataId).slice();
  }

  disposeData(dataId: DataId): void {
    const d = dataId as CpuData;
    if (d.values === EMPTY) return;
    this.liveBytes -= d.values.byteLength;
    this.liveBuffers--;
    // Dropping the array lets it be collected even while a stale handle survives somewhere.
    d.values = EMPTY;
  }

  memory(): { bytes: number; buffers: number } {
    return { bytes: this.liveBytes, buffers: this.liveBuffers };
  }

  // ---------------------------------------------------------------- helpers for kernels

  /** The backing array of a buffer (not a copy: kernels must not write to inputs). */
  data(dataId: DataId): TypedArray {
    const values = (dataId as CpuData).values;
    if (values === EMPTY) throw new TesseraError(`backend '${this.name}': a kernel read a buffer that was already disposed`);
    return values;
  }

  /** The backing array of a float tensor. */
  floats(info: TensorInfo): FloatArray {
    return this.data(info.dataId) as FloatArray;
  }

  /** A zeroed float buffer of this backend's precision. */
  floatArray(size: number): FloatArray {
    return this.alloc('float32', size) as FloatArray;
  }

  /**
   * A zeroed buffer of the storage type of `dtype`. When JavaScript cannot allocate it, an
   * OutOfMemoryError in the form every backend uses (the engine adds the op and the kernel).
   */
  alloc(dtype: DataType, size: number): TypedArray {
    try {
      if (dtype === 'float32') return this.floatPrecision === 64 ? new Float64Array(size) : new Float32Array(size);
      return dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
    } catch (e) {
      if (!isAllocationFailure(e)) throw e;
      const bytes = size * (dtype === 'bool' ? 1 : dtype === 'float32' && this.floatPrecision === 64 ? 8 : 4);
      throw new OutOfMemoryError(
        `backend '${this.name}': out of memory: ${bytes} bytes needed for ${size} ${dtype} values, more than JavaScript can allocate here (${this.liveBytes} bytes in live tensors)`,
      );
    }
  }

  /** Registers a kernel's freshly computed array as a new buffer. */
  output(values: TypedArray, shape: number[], dtype: DataType): TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }

  /** Converts incoming values to the storage type when they are not already it (no copy otherwise). */
  private toStorage(values: TypedArray, dtype: DataType): TypedArray {
    switch (dtype) {
      case 'float32':
        if (this.floatPrecision === 64) return values instanceof Float64Array ? values : Float64Array.from(values);
        return values instanceof Float32Array ? values : Float32Array.from(values);
      case 'int32':
        return values instanceof Int32Array ? values : Int32Array.from(values);
      case 'bool': {
        if (values instanceof Uint8Array) return values;
        const out = new Uint8Array(values.length);
        for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
        return out;
      }
    }
  }
}
