// The synchronous memory scope behind tidy and AsyncScope.run. Internal: not re-exported by the index.
import { ENGINE } from './engine.js';
import { TesseraError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * Runs a synchronous fn in a scope and returns its result and the tensors of it that were made
 * inside. `detach` hands those to the caller (an async scope) instead of the enclosing scope.
 * An async fn is refused before it runs; a fn that returns a promise anyway has its tensors left
 * to the enclosing scope (nothing it still uses is disposed) and the call fails.
 */
export function runSyncScope<T>(caller: string, name: string, fn: () => T, detach: boolean): { result: T; made: Tensor[] } {
  if (isAsyncFunction(fn)) throw asyncScopeError(caller);
  const scope = ENGINE.startScope(name);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    ENGINE.endScope(scope);
    throw e;
  }
  if (isThenable(result)) {
    ENGINE.endScope(scope, ENGINE.scopeTensors(scope));
    throw asyncScopeError(caller);
  }
  return { result, made: ENGINE.endScope(scope, result, detach) };
}

function isAsyncFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === '[object AsyncFunction]';
}

function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function asyncScopeError(caller: string): TesseraError {
  return new TesseraError(
    `${caller}: fn is async (it returned a promise), but a memory scope cannot follow an await: tensors that other code makes ` +
      'while fn waits would be disposed with its own. Use tidyAsync(async (scope) => { ... }) and make tensors in ' +
      'scope.run(() => ...) (or hand them over with scope.track(t)), or tidy each synchronous step',
  );
}
