import { TesseraError, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../util.js';
import { describeValue } from '../util.js';

/** What a Lambda layer runs: a function of one tensor or of a list of tensors. */
export type LambdaFn = (input: Tensor | Tensor[]) => Tensor;

const lambdaFns = new Map<string, LambdaFn>();

/**
 * Registers a function under a name, so that a `Lambda` layer running it can be saved (model.json
 * holds the name, not code) and loaded again in a program that registered the same name.
 */
export function registerLambda(name: string, fn: LambdaFn): void {
  if (typeof name !== 'string' || name.length === 0) throw new TesseraError('registerLambda: name must be a non-empty string');
  if (typeof fn !== 'function') throw new TesseraError(`registerLambda('${name}'): expected a function, got ${describeValue(fn)}`);
  const existing = lambdaFns.get(name);
  if (existing && existing !== fn) throw new TesseraError(`registerLambda: the name '${name}' is already registered for another function`);
  lambdaFns.set(name, fn);
}

/** Names `registerLambda` knows. */
export function registeredLambdas(): string[] {
  return [...lambdaFns.keys()];
}

export interface LambdaArgs extends LayerArgs {
  /** The function, or the name it was registered under. */
  fn: LambdaFn | string;
  /** Output shape without the batch dimension; by default found by running the function once. */
  outputShape?: SymbolicShape | null;
}
export type LambdaConfig = BaseLayerConfig & { fn: string | null; outputShape: SymbolicShape | null };

/**
 * Wraps a function of tensors as a layer (Keras's `Lambda`): `new Lambda({ fn: (x) => mul(x, 2) })`.
 * It holds no weights. To save a model with it, register the function (`registerLambda(name, fn)`);
 * an unregistered one is reported when the model is saved.
 */
export class Lambda extends Layer<Tensor, Tensor | Tensor[]> {
  readonly fn: LambdaFn;
  readonly outputShape: SymbolicShape | null;

  constructor(args: LambdaArgs) {
    super(args);
    const fn = args?.fn;
    if (typeof fn === 'string') {
      const found = lambdaFns.get(fn);
      if (!found) {
        const known = registeredLambdas();
        throw new TesseraError(`Lambda: no function is registered as '${fn}' (registered: ${known.length ? known.join(', ') : 'none'}; call registerLambda('${fn}', fn) before loading)`);
      }
      this.fn = found;
    } else if (typeof fn === 'function') {
      this.fn = fn as LambdaFn;
    } else {
      throw new TesseraError(`Lambda: fn must be a function or a registered name, got ${describeValue(fn)}`);
    }
    const shape = args.outputShape;
    if (shape !== undefined && shape !== null && (!Array.isArray(shape) || shape.some((d) => d !== null && !(Number.isInteger(d) && d >= 0)))) {
      throw new TesseraError(`Lambda: outputShape must be an array of non-negative integers or null, got ${describeValue(shape)}`);
    }
    this.outputShape = shape ? [...shape] : null;
  }

  protected override takesList(): 'either' {
    return 'either';
  }

  /** The name the function is registered under, or null. */
  get fnName(): string | null {
    for (const [name, f] of lambdaFns) if (f === this.fn) return name;
    return null;
  }

  call(x: Tensor | Tensor[]): Tensor {
    const out = this.fn(x);
    if (!out || typeof (out as Tensor).shape !== 'object') throw new TesseraError(`${this.describe()}: its function must return a Tensor, got ${describeValue(out)}`);
    return out;
  }

  /** Without an `outputShape`, a symbolic call runs the function once to find it. */
  protected override shapesByTracing(): boolean {
    return this.outputShape === null;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (!this.outputShape) {
      throw new TesseraError(`${this.describe()}: its output shape is not known without running it; give outputShape or apply it to a tensor`);
    }
    const batch = Array.isArray(inputShape[0]) ? ((inputShape[0] as SymbolicShape)[0] ?? null) : ((inputShape as SymbolicShape)[0] ?? null);
    return [batch, ...this.outputShape];
  }

  override serializationProblem(): string | null {
    if (this.fnName !== null) return null;
    return `Lambda layer '${this.name}' runs a function that is not registered, and model.json cannot hold code: call registerLambda('some_name', fn) before saving (and before loading)`;
  }

  override getConfig(): LambdaConfig {
    return { ...super.getConfig(), fn: this.fnName, outputShape: this.outputShape };
  }
}

registerLayer('Lambda', Lambda);
