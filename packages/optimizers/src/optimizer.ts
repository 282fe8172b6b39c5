import {
  ENGINE, Tensor, TesseraError, Variable, checkOptions, clipByValue, clone, fill, fmtShape, scalar, tidy, variable,
} from '@tessera/core';
import { variableGrads } from '@tessera/autograd';
import { clipByGlobalNorm, clipByNorm } from './clip.js';
import { LearningRateSchedule, type SerializedSchedule } from './schedules/schedule.js';
import { describeValue, requireNumber } from './validate.js';

export type LearningRate = number | LearningRateSchedule;

export interface OptimizerOptions {
  /** A constant rate, or a schedule evaluated at `iterations` before each update. */
  learningRate?: LearningRate;
  /** Clamp every gradient element to [-clipValue, clipValue]. */
  clipValue?: number;
  /** Rescale each gradient separately to an L2 norm of at most clipNorm. */
  clipNorm?: number;
  /** Rescale all gradients together to a joint L2 norm of at most globalClipNorm. */
  globalClipNorm?: number;
}

/** Hyperparameters as plain JSON values; `learningRate` is a number or a serialised schedule. */
export type OptimizerConfig = Record<string, unknown>;

export interface SerializedOptimizer {
  className: string;
  config: OptimizerConfig;
}

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Gradients keyed by variable name (as `variableGrads` returns them), or paired with their variables. */
export type GradientInput = Record<string, Tensor> | { variable: Variable; grad: Tensor }[];

/** An optimizer's per-variable state, by slot name. */
export type Slots = Record<string, Variable>;

/** Name of the step counter in `getWeights`/`setWeights` (slot entries are `${variable}/${slot}`). */
export const ITERATIONS_WEIGHT = 'iter';

/**
 * Updates variables in place from their gradients. Subclasses define the update rule
 * (`updateVariable`) and the per-variable state it keeps (`slotNames`); this class resolves and
 * checks gradients, clips them, evaluates the learning rate, creates slots lazily, counts steps
 * and saves/restores its state.
 *
 * A step runs in `tidy` with tape recording paused, and changes variables with `assign`, so it
 * leaves no tensor behind: after the first step (which creates the slots) the live tensor count is
 * unchanged by further steps.
 */
export abstract class Optimizer {
  /** The name `optimizers.get` knows this class by. */
  readonly className: string;
  readonly clipValue: number | undefined;
  readonly clipNorm: number | undefined;
  readonly globalClipNorm: number | undefined;
  private rate: LearningRate;
  private steps = 0;
  /** Slots per variable, in the order variables were first updated (the `getWeights` order). */
  private slots = new Map<Variable, Slots>();

  protected constructor(className: string, options: OptimizerOptions | undefined, defaultLearningRate: number) {
    this.className = className;
    const o = options ?? {};
    if (typeof o !== 'object') throw new TesseraError(`${className}: options must be an object, got ${describeValue(o)}`);
    this.rate = o.learningRate instanceof LearningRateSchedule ? o.learningRate : checkRate(className, o.learningRate ?? defaultLearningRate);
    const positive = (key: string, value: unknown): number | undefined =>
      value === undefined ? undefined : requireNumber(className, key, value, { min: 0, minExclusive: true });
    this.clipValue = positive('clipValue', o.clipValue);
    this.clipNorm = positive('clipNorm', o.clipNorm);
    this.globalClipNorm = positive('globalClipNorm', o.globalClipNorm);
    const clipping = [this.clipValue, this.clipNorm, this.globalClipNorm].filter((c) => c !== undefined).length;
    if (clipping > 1) {
      throw new TesseraError(
        `${className}: set at most one of clipValue, clipNorm and globalClipNorm ` +
          `(got clipValue=${this.clipValue}, clipNorm=${this.clipNorm}, globalClipNorm=${this.globalClipNorm})`,
      );
    }
  }

  /**
   * Subclass constructors call this last: an option the optimizer does not know (a typo, Keras's
   * `learning_rate`, another optimizer's hyperparameter) is an error naming the closest known one.
   */
  protected rejectUnknownOptions(options: object | undefined): void {
    checkOptions(this.className, options, ['learningRate', 'clipValue', 'clipNorm', 'globalClipNorm', ...Object.keys(this.hyperparameters())]);
  }

  // ------------------------------------------------------------------ the update rule

  /** The slots `updateVariable` reads, in a fixed order. */
  protected abstract slotNames(): readonly string[];

  /** The value a new slot starts at. */
  protected slotInitialValue(_slot: string): number {
    return 0;
  }

  /**
   * Applies one update to `variable` (and its slots) with `assign`. Runs inside `tidy` with
   * recording off. `step` is the 1-based number of this update; `lr` the rate for it.
   */
  protected abstract updateVariable(variable: Variable, grad: Tensor, slots: Slots, lr: number, step: number): void;

  /** The class-specific hyperparameters for `getConfig`. */
  protected abstract hyperparameters(): Record<string, number | boolean>;

  // ------------------------------------------------------------------ learning rate & steps

  /** Updates applied so far. */
  get iterations(): number {
    return this.steps;
  }

  /** The rate the next update will use. Settable (e.g. by callbacks) unless a schedule is in use. */
  get learningRate(): number {
    return this.currentLearningRate();
  }

  set learningRate(value: number) {
    if (this.rate instanceof LearningRateSchedule) {
      throw new TesseraError(
        `${this.className}: the learning rate follows a schedule (${this.rate.className}) and cannot be set; ` +
          `create the optimizer with a number as learningRate to change it during training`,
      );
    }
    this.rate = checkRate(this.className, value);
  }

  /** The schedule, if the rate follows one. */
  get learningRateSchedule(): LearningRateSchedule | null {
    return this.rate instanceof LearningRateSchedule ? this.rate : null;
  }

  /** The schedule evaluated at `iterations`, or the constant rate. */
  currentLearningRate(): number {
    if (!(this.rate instanceof LearningRateSchedule)) return this.rate;
    const lr = this.rate.valueAt(this.steps);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new TesseraError(`${this.className}: the ${this.rate.className} schedule gave ${lr} at step ${this.steps}; expected a finite number >= 0`);
    }
    return lr;
  }

  // ------------------------------------------------------------------ stepping

  /**
   * Clips the gradients, then updates each variable once and counts one step. A Record is keyed
   * by variable name (as `variableGrads` returns it) and resolved among the live variables.
   * Everything is checked before any variable changes. An empty set of gradients does nothing.
   */
  applyGradients(grads: GradientInput): void {
    const pairs = this.resolve(grads);
    if (pairs.length === 0) return;
    const lr = this.currentLearningRate();
    const step = this.steps + 1;
    this.dropDisposed();
    ENGINE.withoutTapes(() =>
      tidy(() => {
        const clipped = this.clip(pairs.map((p) => p.grad));
        pairs.forEach((p, i) => this.updateVariable(p.variable, clipped[i]!, this.slotsFor(p.variable), lr, step));
      }),
    );
    this.steps = step;
  }

  /**
   * Computes the gradients of the scalar `f()` w.r.t. `varList` (default: every trainable
   * variable) and applies them. Returns the loss when `returnCost`, else null.
   */
  minimize(f: () => Tensor, returnCost?: false, varList?: Variable[]): null;
  minimize(f: () => Tensor, returnCost: true, varList?: Variable[]): Tensor;
  minimize(f: () => Tensor, returnCost?: boolean, varList?: Variable[]): Tensor | null;
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const { value, grads } = variableGrads(f, varList);
    try {
      this.applyGradients(grads);
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  private resolve(grads: GradientInput): { variable: Variable; grad: Tensor }[] {
    const op = `${this.className}.applyGradients`;
    let pairs: { variable: Variable; grad: Tensor }[];
    if (Array.isArray(grads)) {
      pairs = grads.map((entry, i) => {
        if (entry === null || typeof entry !== 'object' || !(entry.variable instanceof Variable) || !(entry.grad instanceof Tensor)) {
          throw new TesseraError(`${op}: entry ${i} must be { variable: Variable, grad: Tensor }, got ${describeValue(entry)}`);
        }
        return { variable: entry.variable, grad: entry.grad };
      });
    } else if (grads !== null && typeof grads === 'object') {
      const live = ENGINE.variables();
      pairs = Object.entries(grads).map(([name, grad]) => {
        const v = live.get(name);
        if (!(v instanceof Variable)) {
          const names = [...live.keys()];
          const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length} in all)` : '');
          throw new TesseraError(
            `${op}: got a gradient for '${name}', but no live variable has that name ` +
              `(a Record of gradients is keyed by variable name; live variables: ${shown || 'none'})`,
          );
        }
        if (!(grad instanceof Tensor)) throw new TesseraError(`${op}: the gradient for '${name}' is not a Tensor, got ${describeValue(grad)}`);
        return { variable: v, grad };
      });
    } else {
      throw new TesseraError(`${op}: expected a Record of gradients by variable name or a list of { variable, grad }, got ${describeValue(grads)}`);
    }
    const seen = new Set<Variable>();
    for (const { variable: v, grad } of pairs) {
      v.assertAlive(op);
      grad.assertAlive(op);
      if (seen.has(v)) throw new TesseraError(`${op}: variable '${v.name}' has more than one gradient`);
      seen.add(v);
      if (v.dtype !== 'float32') throw new TesseraError(`${op}: variable '${v.name}' is ${v.dtype}; optimizers update float32 variables only`);
      if (grad.dtype !== 'float32') throw new TesseraError(`${op}: the gradient for '${v.name}' is ${grad.dtype}, expected float32`);
      if (!sameShape(grad.shape, v.shape)) {
        throw new TesseraError(`${op}: the gradient for '${v.name}' has shape ${fmtShape(grad.shape)}, but the variable is ${fmtShape(v.shape)}`);
      }
    }
    return pairs;
  }

  private clip(grads: Tensor[]): Tensor[] {
    const { clipValue, clipNorm, globalClipNorm } = this;
    if (clipValue !== undefined) return grads.map((g) => clipByValue(g, -clipValue, clipValue));
    if (clipNorm !== undefined) return grads.map((g) => clipByNorm(g, clipNorm));
    if (globalClipNorm !== undefined) return clipByGlobalNorm(grads, globalClipNorm).grads;
    return grads;
  }

  // ------------------------------------------------------------------ slots

  private slotsFor(v: Variable): Slots {
    let s = this.slots.get(v);
    if (!s) {
      s = {};
      for (const slot of this.slotNames()) {
        const initial = fill(v.shape, this.slotInitialValue(slot));
        s[slot] = variable(initial, false, `${v.name}/${slot}`);
        initial.dispose();
      }
      this.slots.set(v, s);
    }
    return s;
  }

  /** The state kept for `v` under `slot`, or null before its first update. */
  getSlot(v: Variable, slot: string): Variable | null {
    return this.slots.get(v)?.[slot] ?? null;
  }

  /** Frees the state of variables that have been disposed since. */
  private dropDisposed(): void {
    for (const [v, s] of this.slots) {
      if (!v.isDisposed) continue;
      for (const t of Object.values(s)) t.dispose();
      this.slots.delete(v);
    }
  }

  // ------------------------------------------------------------------ state

  /**
   * A snapshot of the state: the step counter ('iter', int32 scalar) then, per variable in the
   * order they were first updated, each slot as `${variable.name}/${slot}`. The tensors are new
   * handles the caller owns (dispose them); later steps do not change them.
   */
  async getWeights(): Promise<NamedTensor[]> {
    this.dropDisposed();
    const out: NamedTensor[] = [{ name: ITERATIONS_WEIGHT, tensor: scalar(this.steps, 'int32') }];
    for (const [v, s] of this.slots) {
      for (const slot of this.slotNames()) out.push({ name: `${v.name}/${slot}`, tensor: clone(s[slot]!) });
    }
    return out;
  }

  /**
   * Restores state written by `getWeights` (of an optimizer of the same class and
   * hyperparameters): 'iter' sets `iterations`, `${variable}/${slot}` entries set that live
   * variable's slot. Everything is checked before anything changes; the tensors stay the caller's.
   */
  async setWeights(weights: NamedTensor[]): Promise<void> {
    const op = `${this.className}.setWeights`;
    if (!Array.isArray(weights)) throw new TesseraError(`${op}: expected a list of { name, tensor }, got ${describeValue(weights)}`);
    const slotNames = this.slotNames();
    const live = ENGINE.variables();
    let iterations: number | null = null;
    const updates: { variable: Variable; slot: string; tensor: Tensor }[] = [];
    const seen = new Set<string>();
    for (const [i, entry] of weights.entries()) {
      if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string' || !(entry.tensor instanceof Tensor)) {
        throw new TesseraError(`${op}: entry ${i} must be { name: string, tensor: Tensor }, got ${describeValue(entry)}`);
      }
      const { name, tensor: t } = entry;
      t.assertAlive(op);
      if (seen.has(name)) throw new TesseraError(`${op}: '${name}' is given twice`);
      seen.add(name);
      if (name === ITERATIONS_WEIGHT) {
        const [n] = await t.data();
        if (t.size !== 1 || n === undefined || !Number.isInteger(n) || n < 0) {
          throw new TesseraError(`${op}: '${ITERATIONS_WEIGHT}' must be a scalar non-negative integer, got shape ${fmtShape(t.shape)} value ${n}`);
        }
        iterations = n;
        continue;
      }
      const cut = name.lastIndexOf('/');
      const varName = name.slice(0, Math.max(cut, 0));
      const slot = name.slice(cut + 1);
      if (cut < 0 || !slotNames.includes(slot)) {
        throw new TesseraError(
          `${op}: '${name}' is not state of this ${this.className} (expected '${ITERATIONS_WEIGHT}' or '<variable>/<slot>' with slot one of: ${slotNames.join(', ') || 'none'})`,
        );
      }
      const v = live.get(varName);
      if (!(v instanceof Variable)) throw new TesseraError(`${op}: '${name}' belongs to variable '${varName}', but no live variable has that name`);
      if (!sameShape(t.shape, v.shape) || t.dtype !== 'float32') {
        throw new TesseraError(`${op}: '${name}' is ${fmtShape(t.shape)} ${t.dtype}, but variable '${varName}' is ${fmtShape(v.shape)} ${v.dtype}`);
      }
      updates.push({ variable: v, slot, tensor: t });
    }
    this.dropDisposed();
    for (const { variable: v, slot, tensor: t } of updates) this.slotsFor(v)[slot]!.assign(t);
    if (iterations !== null) this.steps = iterations;
  }

  /** Frees every slot (the optimizer starts afresh for variables it sees next). */
  dispose(): void {
    for (const s of this.slots.values()) for (const t of Object.values(s)) t.dispose();
    this.slots.clear();
  }

  // ------------------------------------------------------------------ serialisation

  /** Hyperparameters, enough for `optimizers.get({ className, config })` to build an equal optimizer. */
  getConfig(): OptimizerConfig {
    const lr: number | SerializedSchedule = this.rate instanceof LearningRateSchedule ? this.rate.serialize() : this.rate;
    const config: OptimizerConfig = { learningRate: lr };
    if (this.clipValue !== undefined) config['clipValue'] = this.clipValue;
    if (this.clipNorm !== undefined) config['clipNorm'] = this.clipNorm;
    if (this.globalClipNorm !== undefined) config['globalClipNorm'] = this.globalClipNorm;
    return { ...config, ...this.hyperparameters() };
  }

  serialize(): SerializedOptimizer {
    return { className: this.className, config: this.getConfig() };
  }
}

function checkRate(owner: string, lr: unknown): number {
  if (lr instanceof LearningRateSchedule) throw new TesseraError(`${owner}: set a schedule through the constructor's learningRate option`);
  return requireNumber(owner, 'learningRate', lr, { min: 0 });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
