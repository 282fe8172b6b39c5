import { Random, Tensor, TesseraError, clone, dispose, fmtShape, reshape, slice, stack, tensor, tidy } from '@tessera/core';
import { arrayToTensor, checkLabeled, checkRows, rowSize, type LabeledArrays, type NumericArray } from './arrays.js';
import { epochSeed, resolveSeed } from './seed.js';

/** What `batch` can stack: tensors and numbers, in arrays and plain objects. */
export type Element = Tensor | number | readonly Element[] | { readonly [key: string]: Element };

/** The type of a batch of elements of type T: every tensor or number becomes a tensor with a leading batch axis. */
export type Batched<T> = T extends Tensor | number
  ? Tensor
  : T extends readonly (infer U)[]
    ? Batched<U>[]
    : T extends object
      ? { [K in keyof T]: Batched<T[K]> }
      : never;

/** A typed array with its shape (leading dimension = rows), for `Dataset.fromArrays`. */
export interface ShapedArray {
  data: NumericArray;
  shape: readonly number[];
}

export type GeneratorSource<T> = () => Iterator<T> | AsyncIterator<T> | Iterable<T> | AsyncIterable<T>;

export interface ShuffleOptions {
  /** Draw a new order each time the dataset is iterated (default true); either way the orders follow from the seed. */
  reshuffleEachIteration?: boolean;
}

export interface BatchOptions {
  /** Drop a last batch smaller than the batch size (default false). */
  dropRemainder?: boolean;
}

/**
 * An asynchronous, re-iterable stream of elements: each `for await` (an epoch) starts it afresh.
 *
 * Ownership: every tensor a dataset hands out is new and belongs to the consumer, who disposes it
 * (`forEachAsync` does so after its callback). Tensors the pipeline makes on the way — rows that
 * `batch` stacks, elements `skip`/`filter` drop, inputs `map` replaces, buffered elements when the
 * consumer stops early — are disposed by the pipeline, so memory stays flat over an epoch.
 */
export class Dataset<T> implements AsyncIterable<T> {
  /**
   * @param make starts one pass over the elements
   * @param size elements per pass when known (Infinity for an endless dataset), else null
   */
  constructor(
    private readonly make: () => AsyncIterator<T>,
    readonly size: number | null = null,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.make();
  }

  // ------------------------------------------------------------------ sources

  /** Elements from a list. Tensors in them are handed out as clones (sharing their buffers), so the list stays usable. */
  static fromItems<T>(items: readonly T[]): Dataset<T> {
    if (!Array.isArray(items)) throw new TesseraError(`Dataset.fromItems: expected an array, got ${typeof items}`);
    return new Dataset(async function* () {
      for (const item of items) yield cloneTensors(item);
    }, items.length);
  }

  /**
   * Rows of typed arrays as tensors: `fromArrays({ xs, xsShape, ys, ysShape })` yields `{ xs, ys }`,
   * `fromArrays({ a: { data, shape }, ... })` yields `{ a, ... }`. Row i of an array of shape
   * [n, ...rest] is a tensor of shape rest (Float32Array → float32, Int32Array/Uint8Array → int32).
   */
  static fromArrays(data: LabeledArrays): Dataset<{ xs: Tensor; ys: Tensor }>;
  static fromArrays<K extends string>(arrays: Record<K, ShapedArray>): Dataset<Record<K, Tensor>>;
  static fromArrays(input: LabeledArrays | Record<string, ShapedArray>): Dataset<Record<string, Tensor>> {
    const specs: Record<string, ShapedArray> = isLabeled(input)
      ? { xs: { data: input.xs, shape: input.xsShape }, ys: { data: input.ys, shape: input.ysShape } }
      : input;
    if (isLabeled(input)) checkLabeled('Dataset.fromArrays', input);
    const keys = Object.keys(specs);
    if (keys.length === 0) throw new TesseraError('Dataset.fromArrays: expected at least one array');
    const n = checkRows('Dataset.fromArrays', keys[0]!, specs[keys[0]!]!.data, specs[keys[0]!]!.shape);
    for (const k of keys) {
      const rows = checkRows('Dataset.fromArrays', k, specs[k]!.data, specs[k]!.shape);
      if (rows !== n) throw new TesseraError(`Dataset.fromArrays: '${k}' has ${rows} rows, expected ${n} like '${keys[0]}'`);
    }
    return new Dataset(async function* () {
      for (let i = 0; i < n; i++) {
        const row: Record<string, Tensor> = {};
        for (const k of keys) {
          const { data, shape } = specs[k]!;
          const size = rowSize(shape);
          row[k] = arrayToTensor(data.subarray(i * size, (i + 1) * size), shape.slice(1));
        }
        yield row;
      }
    }, n);
  }

  /** Rows (slices along axis 0) of a tensor, or of several tensors with the same row count, as a record. */
  static fromTensors(x: Tensor): Dataset<Tensor>;
  static fromTensors<K extends string>(xs: Record<K, Tensor>): Dataset<Record<K, Tensor>>;
  static fromTensors(input: Tensor | Record<string, Tensor>): Dataset<Tensor | Record<string, Tensor>> {
    const single = input instanceof Tensor;
    const tensors: Record<string, Tensor> = single ? { x: input } : input;
    const keys = Object.keys(tensors);
    if (keys.length === 0) throw new TesseraError('Dataset.fromTensors: expected at least one tensor');
    for (const k of keys) {
      const t = tensors[k];
      if (!(t instanceof Tensor)) throw new TesseraError(`Dataset.fromTensors: '${k}' must be a Tensor, got ${typeof t}`);
      if (t.rank === 0) throw new TesseraError(`Dataset.fromTensors: '${k}' is a scalar; expected a tensor with a leading row axis`);
    }
    const n = tensors[keys[0]!]!.shape[0]!;
    for (const k of keys) {
      if (tensors[k]!.shape[0] !== n) {
        throw new TesseraError(`Dataset.fromTensors: '${k}' has shape ${fmtShape(tensors[k]!.shape)}, expected ${n} rows like '${keys[0]}'`);
      }
    }
    const rowOf = (t: Tensor, i: number): Tensor => tidy(() => reshape(slice(t, i, 1), t.shape.slice(1)));
    return new Dataset(async function* () {
      for (let i = 0; i < n; i++) {
        if (single) {
          yield rowOf(input, i);
          continue;
        }
        const row: Record<string, Tensor> = {};
        try {
          for (const k of keys) row[k] = rowOf(tensors[k]!, i);
        } catch (e) {
          dispose(row);
          throw e;
        }
        yield row;
      }
    }, n);
  }

  /** Elements from a (sync or async) generator function, called once per pass. */
  static fromGenerator<T>(source: GeneratorSource<T>, size: number | null = null): Dataset<T> {
    if (typeof source !== 'function') throw new TesseraError(`Dataset.fromGenerator: expected a function returning an iterator, got ${typeof source}`);
    return new Dataset(async function* () {
      const it = toIterator(source());
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    }, size);
  }

  // ------------------------------------------------------------------ transformations

  /**
   * Applies fn to each element inside a `tidy`: intermediates are freed, and the input's tensors
   * that the result does not contain are disposed. fn must be synchronous (see `mapAsync`).
   */
  map<U>(fn: (x: T) => U): Dataset<U> {
    const src = this;
    return new Dataset(async function* () {
      for await (const x of src) {
        let y: U;
        try {
          y = tidy(() => {
            const r = fn(x);
            if (r instanceof Promise) throw new TesseraError('Dataset.map: the function returned a Promise; use mapAsync for async functions');
            return r;
          });
        } catch (e) {
          dispose(x);
          throw e;
        }
        disposeExcept(x, y);
        yield y;
      }
    }, this.size);
  }

  /** Like `map` for async functions; no `tidy` runs across the await, so fn disposes its own intermediates. */
  mapAsync<U>(fn: (x: T) => Promise<U>): Dataset<U> {
    const src = this;
    return new Dataset(async function* () {
      for await (const x of src) {
        let y: U;
        try {
          y = await fn(x);
        } catch (e) {
          dispose(x);
          throw e;
        }
        disposeExcept(x, y);
        yield y;
      }
    }, this.size);
  }

  /** Keeps the elements for which predicate is true; the others are disposed. */
  filter(predicate: (x: T) => boolean): Dataset<T> {
    const src = this;
    return new Dataset(async function* () {
      for await (const x of src) {
        let keep: boolean;
        try {
          keep = predicate(x);
        } catch (e) {
          dispose(x);
          throw e;
        }
        if (keep) yield x;
        else dispose(x);
      }
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Stacks `batchSize` consecutive elements into one: tensors along a new first axis, numbers into
   * a float32 vector; arrays and objects are batched leaf by leaf. The rows are disposed.
   */
  batch(batchSize: number, options: BatchOptions = {}): Dataset<Batched<T>> {
    checkCount('Dataset.batch', 'batchSize', batchSize, 1);
    const dropRemainder = options.dropRemainder ?? false;
    const src = this;
    const size = this.size === null || this.size === Infinity ? this.size : dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
    return new Dataset(async function* () {
      let rows: T[] = [];
      try {
        for await (const x of src) {
          rows.push(x);
          if (rows.length === batchSize) {
            const b = collate(rows);
            rows = [];
            yield b;
          }
        }
        if (rows.length > 0 && !dropRemainder) {
          const b = collate(rows);
          rows = [];
          yield b;
        }
      } finally {
        dispose(rows);
      }
    }, size);
  }

  /**
   * Shuffles through a buffer of `bufferSize` elements (a buffer at least the dataset's size gives a
   * uniform shuffle). The order is a function of the seed: a dataset built with the same seed gives
   * the same orders, and each pass draws the next order of that sequence unless
   * `reshuffleEachIteration` is false. Without a seed one is drawn from core's global generator.
   */
  shuffle(bufferSize: number, seed?: number, options: ShuffleOptions = {}): Dataset<T> {
    checkCount('Dataset.shuffle', 'bufferSize', bufferSize, 1);
    const base = resolveSeed(seed);
    const reshuffle = options.reshuffleEachIteration ?? true;
    let pass = 0;
    const src = this;
    return new Dataset(async function* () {
      const rng = new Random(epochSeed(base, reshuffle ? pass++ : 0));
      const buffer: T[] = [];
      try {
        for await (const x of src) {
          if (buffer.length < bufferSize) {
            buffer.push(x);
            continue;
          }
          const j = rng.int(bufferSize);
          const out = buffer[j]!;
          buffer[j] = x;
          yield out;
        }
        while (buffer.length > 0) {
          const j = rng.int(buffer.length);
          const out = buffer[j]!;
          buffer[j] = buffer[buffer.length - 1]!;
          buffer.pop();
          yield out;
        }
      } finally {
        dispose(buffer);
      }
    }, this.size);
  }

  /** The first `count` elements. */
  take(count: number): Dataset<T> {
    checkCount('Dataset.take', 'count', count, 0);
    const src = this;
    return new Dataset(async function* () {
      if (count === 0) return;
      let i = 0;
      for await (const x of src) {
        yield x;
        if (++i >= count) return;
      }
    }, this.size === null ? null : Math.min(this.size, count));
  }

  /** All but the first `count` elements (those are disposed). */
  skip(count: number): Dataset<T> {
    checkCount('Dataset.skip', 'count', count, 0);
    const src = this;
    return new Dataset(async function* () {
      let i = 0;
      for await (const x of src) {
        if (i++ < count) dispose(x);
        else yield x;
      }
    }, this.size === null ? null : Math.max(0, this.size - count));
  }

  /** The elements `count` times over (forever when count is omitted); every pass restarts the source. */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined) checkCount('Dataset.repeat', 'count', count, 0);
    const src = this;
    const size = count === undefined ? (this.size === 0 ? 0 : Infinity) : this.size === null ? null : this.size * count;
    return new Dataset(async function* () {
      for (let pass = 0; count === undefined || pass < count; pass++) {
        let any = false;
        for await (const x of src) {
          any = true;
          yield x;
        }
        // An empty source repeated forever would spin without yielding.
        if (!any) return;
      }
    }, size);
  }

  /**
   * Keeps up to `bufferSize` elements requested ahead of the consumer, so that asynchronous work
   * upstream (fetches, decoding) overlaps with the consumer's. Order is preserved.
   */
  prefetch(bufferSize: number): Dataset<T> {
    checkCount('Dataset.prefetch', 'bufferSize', bufferSize, 1);
    const src = this;
    return new Dataset(async function* () {
      const it = src[Symbol.asyncIterator]();
      const pending: Promise<IteratorResult<T>>[] = [];
      const request = (): void => {
        const p = it.next();
        // The rejection is observed when the consumer reaches this element; mark it handled meanwhile.
        p.catch(() => undefined);
        pending.push(p);
      };
      let finished = false;
      try {
        for (let i = 0; i < bufferSize; i++) request();
        for (;;) {
          const r = await pending.shift()!;
          if (r.done) {
            finished = true;
            return;
          }
          request();
          yield r.value;
        }
      } finally {
        for (const p of pending) {
          try {
            const r = await p;
            if (!r.done) dispose(r.value);
          } catch {
            // An error after the consumer stopped reading belongs to no one.
          }
        }
        if (!finished) await it.return?.();
      }
    }, this.size);
  }

  // ------------------------------------------------------------------ consumers

  /** Calls fn on each element in order, awaiting it, then disposes the element's tensors. */
  async forEachAsync(fn: (x: T, index: number) => void | Promise<void>): Promise<void> {
    let i = 0;
    for await (const x of this) {
      try {
        await fn(x, i++);
      } finally {
        dispose(x);
      }
    }
  }

  /** Every element of one pass; the caller owns (and disposes) their tensors. */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new TesseraError('Dataset.toArray: the dataset is endless (repeat() without a count); take() a finite part first');
    const out: T[] = [];
    try {
      for await (const x of this) out.push(x);
    } catch (e) {
      dispose(out);
      throw e;
    }
    return out;
  }
}

function isLabeled(x: LabeledArrays | Record<string, ShapedArray>): x is LabeledArrays {
  return ArrayBuffer.isView((x as LabeledArrays).xs) && Array.isArray((x as LabeledArrays).xsShape);
}

function checkCount(op: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new TesseraError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
}

function toIterator<T>(x: Iterator<T> | AsyncIterator<T> | Iterable<T> | AsyncIterable<T>): Iterator<T> | AsyncIterator<T> {
  if (x !== null && typeof x === 'object') {
    if (Symbol.asyncIterator in x) return (x as AsyncIterable<T>)[Symbol.asyncIterator]();
    if (Symbol.iterator in x) return (x as Iterable<T>)[Symbol.iterator]();
    if (typeof (x as Iterator<T>).next === 'function') return x as Iterator<T>;
  }
  throw new TesseraError('Dataset.fromGenerator: the function must return an iterator or an (async) iterable');
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A copy of x's structure with every tensor replaced by a clone (a new handle on the same buffer). */
function cloneTensors<T>(x: T): T {
  if (x instanceof Tensor) return clone(x) as T;
  if (Array.isArray(x)) return x.map(cloneTensors) as T;
  if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, cloneTensors(v)])) as T;
  return x;
}

function tensorsIn(x: unknown): Set<Tensor> {
  const out = new Set<Tensor>();
  const walk = (v: unknown): void => {
    if (v instanceof Tensor) out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v instanceof Map) v.forEach(walk);
    else if (isPlainObject(v)) Object.values(v).forEach(walk);
  };
  walk(x);
  return out;
}

/** Disposes the tensors of `input` that `output` does not contain. */
function disposeExcept(input: unknown, output: unknown): void {
  const kept = tensorsIn(output);
  for (const t of tensorsIn(input)) if (!kept.has(t)) t.dispose();
}

/** Stacks rows leaf by leaf (see `Dataset.batch`), then disposes the rows. */
function collate<T>(rows: T[]): Batched<T> {
  const batched = tidy(() => collateAt(rows, 'element')) as Batched<T>;
  dispose(rows);
  return batched;
}

function collateAt(rows: unknown[], path: string): unknown {
  const first = rows[0];
  if (first instanceof Tensor) {
    rows.forEach((r, i) => {
      if (!(r instanceof Tensor)) throw new TesseraError(`Dataset.batch: ${path} of row ${i} is ${describe(r)}, expected a Tensor like row 0`);
      if (r.dtype !== first.dtype || r.shape.length !== first.shape.length || r.shape.some((d, j) => d !== first.shape[j])) {
        throw new TesseraError(
          `Dataset.batch: ${path} of row ${i} is ${r.dtype} ${fmtShape(r.shape)}, expected ${first.dtype} ${fmtShape(first.shape)} like row 0`,
        );
      }
    });
    return stack(rows as Tensor[]);
  }
  if (typeof first === 'number') {
    const values = new Float32Array(rows.length);
    rows.forEach((r, i) => {
      if (typeof r !== 'number') throw new TesseraError(`Dataset.batch: ${path} of row ${i} is ${describe(r)}, expected a number like row 0`);
      values[i] = r;
    });
    return tensor(values, [rows.length], 'float32');
  }
  if (Array.isArray(first)) {
    return first.map((_, k) =>
      collateAt(
        rows.map((r, i) => {
          if (!Array.isArray(r) || r.length !== first.length) {
            throw new TesseraError(`Dataset.batch: ${path} of row ${i} is ${describe(r)}, expected an array of length ${first.length} like row 0`);
          }
          return r[k];
        }),
        `${path}[${k}]`,
      ),
    );
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      out[k] = collateAt(
        rows.map((r, i) => {
          if (!isPlainObject(r) || !(k in r)) throw new TesseraError(`Dataset.batch: ${path} of row ${i} has no key '${k}' (row 0 has ${keys.join(', ')})`);
          return r[k];
        }),
        `${path}.${k}`,
      );
    }
    return out;
  }
  throw new TesseraError(`Dataset.batch: ${path} is ${describe(first)}; only tensors and numbers (in arrays and plain objects) can be batched`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof Tensor) return `a Tensor ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  return `${typeof x} ${String(x)}`;
}
