import { collectTensors } from './engine.js';
import { TesseraError } from './errors.js';
import { runSyncScope } from './sync_scope.js';
import type { Tensor } from './tensor.js';

/**
 * The scope of one `tidyAsync` call. It owns exactly the tensors handed to it — those returned by
 * its `run` steps and those given to `track` — never whatever else is made while it awaits, so
 * concurrent async scopes and unrelated code cannot dispose each other's tensors.
 */
export class AsyncScope {
  private readonly owned = new Set<Tensor>();
  private ended = false;

  constructor(readonly name: string) {}

  /**
   * Runs one synchronous step like `tidy`: its intermediates are disposed now, and the tensors it
   * returns belong to this scope (disposed when tidyAsync ends, unless returned from it).
   */
  run<T>(fn: () => T): T {
    this.assertOpen('run');
    if (typeof fn !== 'function') throw new TesseraError(`${this.name}: scope.run expects a function, got ${typeof fn}`);
    const { result, made } = runSyncScope(`${this.name}: scope.run`, this.name, fn, true);
    for (const t of made) this.owned.add(t);
    return result;
  }

  /** Hands the tensors in x (a tensor, array, object or Map of them), made elsewhere, to this scope. Returns x. */
  track<T>(x: T): T {
    this.assertOpen('track');
    const found = new Set<Tensor>();
    collectTensors(x, found);
    for (const t of found) this.owned.add(t);
    return x;
  }

  /** @internal Disposes what the scope owns except the tensors in `result` and kept ones. */
  end(result: unknown): void {
    this.ended = true;
    const keep = new Set<Tensor>();
    collectTensors(result, keep);
    for (const t of this.owned) if (!keep.has(t) && !t.kept) t.dispose();
    this.owned.clear();
  }

  private assertOpen(what: string): void {
    if (this.ended) throw new TesseraError(`${this.name}: scope.${what} was called after its tidyAsync ended`);
  }
}

/**
 * `tidy` across awaits. fn gets an AsyncScope; tensors made in `scope.run(() => ...)` steps (their
 * results) or handed over with `scope.track(t)` are disposed when fn's promise settles, except the
 * tensors fn resolves to, which the caller then owns. Tensors made in fn outside `run` are not
 * tracked (as outside any tidy). Safe under concurrency: a scope disposes only what it owns.
 */
export function tidyAsync<T>(fn: (scope: AsyncScope) => Promise<T>): Promise<T>;
export function tidyAsync<T>(name: string, fn: (scope: AsyncScope) => Promise<T>): Promise<T>;
export async function tidyAsync<T>(nameOrFn: string | ((scope: AsyncScope) => Promise<T>), maybeFn?: (scope: AsyncScope) => Promise<T>): Promise<T> {
  const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
  const name = typeof nameOrFn === 'string' ? nameOrFn : 'tidyAsync';
  if (typeof fn !== 'function') throw new TesseraError(`tidyAsync: expected a function, got ${typeof fn}`);
  const scope = new AsyncScope(name);
  let result: T;
  try {
    result = await fn(scope);
  } catch (e) {
    scope.end(undefined);
    throw e;
  }
  scope.end(result);
  return result;
}
