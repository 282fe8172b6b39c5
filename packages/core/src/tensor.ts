import type { Backend, DataId } from './backend.js';
import type { DataType, DataTypeMap, NestedArray, TypedArray } from './dtypes.js';
import { brandClass } from './brand.js';
import { DisposedTensorError, TesseraError, fmtShape } from './errors.js';
import { formatTensor } from './format.js';
import { sizeFromShape } from './shape.js';

/**
 * A buffer as the engine tracks it. Several tensors may share one (reshape, clone, variables);
 * the buffer is freed when the last of them is disposed. `backend`/`dataId` change in place when
 * the data moves to another backend.
 */
export interface Storage {
  backend: Backend;
  dataId: DataId;
  refs: number;
  bytes: number;
}

/** Hooks the engine installs so that Tensor needs no import of the engine (no cycle). */
export interface TensorHost {
  disposeTensor(t: Tensor): void;
  readData(t: Tensor): Promise<TypedArray>;
  readDataSync(t: Tensor): TypedArray;
  /** Ids are unique across every copy of core sharing the engine. */
  nextTensorId(): number;
}

let host: TensorHost | null = null;
export function setTensorHost(h: TensorHost): void {
  host = h;
}

/** An immutable n-dimensional array living on a backend. */
export class Tensor<D extends DataType = DataType> {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: D;
  readonly size: number;
  /** @internal */ storage: Storage;
  /** @internal set by `keep()`: scopes never dispose this tensor. */ kept = false;
  protected disposedFlag = false;

  /** @internal Tensors are made by ops and creation functions, never with `new` by users. */
  constructor(shape: readonly number[], dtype: D, storage: Storage) {
    this.id = host!.nextTensorId();
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeFromShape(shape);
    this.storage = storage;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** @internal */
  markDisposed(): void {
    this.disposedFlag = true;
  }

  /** Throws a named error if the tensor was disposed. */
  assertAlive(op = 'tensor'): void {
    if (this.disposedFlag) {
      throw new DisposedTensorError(
        `${op}: tensor #${this.id} (shape ${fmtShape(this.shape)}, ${this.dtype}) was disposed and cannot be used`,
      );
    }
  }

  /** Asynchronously reads the values (a copy, row-major). */
  async data(): Promise<DataTypeMap[D]> {
    this.assertAlive('data');
    return (await host!.readData(this)) as DataTypeMap[D];
  }

  /** Synchronous read; throws on backends that cannot block (use `await data()`). */
  dataSync(): DataTypeMap[D] {
    this.assertAlive('dataSync');
    return host!.readDataSync(this) as DataTypeMap[D];
  }

  /** Values as nested JS arrays (bools as booleans). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** A NumPy-style rendering of the values (read synchronously where the backend allows). */
  toString(): string {
    if (this.disposedFlag) return `Tensor(disposed, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    let values: TypedArray | null = null;
    try {
      values = host!.readDataSync(this);
    } catch {
      values = null;
    }
    const body = values ? formatTensor(values, this.shape, this.dtype) : '<values on an async backend: await t.data()>';
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype})\n${body}`;
  }

  print(): void {
    console.log(this.toString());
  }

  /** Frees the tensor's memory (when no other tensor shares it). Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    host!.disposeTensor(this);
  }
}

function toNested(values: TypedArray, shape: readonly number[], dtype: DataType): NestedArray {
  const conv = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return conv(values[0]!);
  const build = (dim: number, offset: number): NestedArray => {
    const n = shape[dim]!;
    const stride = sizeFromShape(shape.slice(dim + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(dim === shape.length - 1 ? conv(values[offset + i]!) : build(dim + 1, offset + i * stride));
    }
    return out;
  };
  return build(0, 0);
}

export function assertTensor(op: string, x: unknown, argName: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new TesseraError(`${op}: argument '${argName}' must be a Tensor, got ${describe(x)}`);
  }
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  return typeof x === 'object' ? `an object (${(x as object).constructor?.name ?? 'Object'})` : `${typeof x} ${String(x)}`;
}

brandClass(Tensor, 'Tensor');
