import { ENGINE } from '../engine.js';
import { valueProblem, type DataType, type NestedArray, type TypedArray } from '../dtypes.js';
import { TesseraError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { tensor } from './creation.js';

/** Anything an op accepts where a tensor is expected. */
export type TensorLike = Tensor | NestedArray | TypedArray | Uint8ClampedArray;

/**
 * Wraps an op: its name is on the op stack (error and debug messages name it) and it runs in a
 * memory scope, so the intermediates of composite ops and converted arguments are freed.
 * Marked free of side effects: bundlers drop the ops (`const x = op(...)`) a program never calls.
 */
/* @__NO_SIDE_EFFECTS__ */
export function op<F extends (...args: any[]) => any>(name: string, f: F): F {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    ENGINE.opStack.push(name);
    const scope = ENGINE.startScope(name);
    let result: unknown;
    try {
      result = f.apply(this, args);
    } catch (e) {
      ENGINE.endScope(scope);
      throw e;
    } finally {
      ENGINE.opStack.pop();
    }
    ENGINE.endScope(scope, result);
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as F;
}

/**
 * Converts an op argument to a tensor. Plain numbers take `hint`'s dtype where they fit it (an
 * integer with a bool hint becomes int32, the next wider type; an integer beyond int32's range
 * float32); nested arrays of int32-range integers take an int32 hint (e.g. `gather(x, [2, 0])`).
 */
export function convert(opName: string, x: TensorLike, argName: string, hint?: DataType): Tensor {
  if (x instanceof Tensor) {
    x.assertAlive(opName);
    return x;
  }
  if (typeof x === 'number') {
    const intHint = (hint === 'int32' || hint === 'bool') && valueProblem(x, 'int32') === null;
    const dtype = hint === 'bool' && (x === 0 || x === 1) ? 'bool' : intHint ? 'int32' : 'float32';
    return argumentTensor(opName, argName, () => tensor(x, [], dtype));
  }
  if (typeof x === 'boolean') return tensor(x, [], 'bool');
  if (Array.isArray(x)) return argumentTensor(opName, argName, () => tensor(x as NestedArray, undefined, hint === 'int32' && allIntegers(x) ? 'int32' : undefined));
  if (ArrayBuffer.isView(x)) return argumentTensor(opName, argName, () => tensor(x as TypedArray));
  throw new TesseraError(`${opName}: argument '${argName}' must be a Tensor, number or array, got ${x === null ? 'null' : typeof x}`);
}

/** Makes an argument's tensor; its errors ('tensor: value 1e+39 ... overflows float32') name the op and argument instead. */
function argumentTensor(opName: string, argName: string, make: () => Tensor): Tensor {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof TesseraError) || !e.message.startsWith('tensor: ')) throw e;
    const Kind = e.constructor as typeof TesseraError;
    throw new Kind(`${opName}: argument '${argName}': ${e.message.slice('tensor: '.length)}`);
  }
}

function allIntegers(x: NestedArray): boolean {
  return Array.isArray(x) ? x.every(allIntegers) : typeof x === 'number' && valueProblem(x, 'int32') === null;
}

export function runKernel(name: string, inputs: Tensor[], attrs: Record<string, unknown> = {}): Tensor {
  return ENGINE.runKernel(name, inputs, attrs)[0]!;
}
