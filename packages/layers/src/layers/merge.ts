import {
  TesseraError, add, any, broadcastTo, concat, div, expandDims, logicalAnd, matmul, maximum, minimum, mul, notEqual, ones, reshape, scalar, sqrt, square, sub,
  sum, transpose, type Tensor,
} from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs, type MaskArg } from '../layer.js';
import { fmtSymbolic, type SymbolicShape } from '../util.js';

/**
 * The base of layers that combine a list of tensors into one. Shapes must agree (sizes that are
 * unknown, null, match anything); a mismatch is an error naming the layer and every shape.
 */
abstract class Merge extends Layer<Tensor, Tensor[]> {
  /** Exactly this many inputs (Subtract: 2), or at least 2. */
  protected readonly exactInputs: number | null = null;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  protected override takesList(): boolean {
    return true;
  }

  /** Elementwise merges: a position is kept where every masked input keeps it (Keras). */
  override computeMask(xs: Tensor[], mask: MaskArg | null): Tensor | null {
    void xs;
    const ms = (Array.isArray(mask) ? mask : []).filter((m): m is Tensor => m !== null);
    if (ms.length === 0) return null;
    return ms.reduce((a, b) => logicalAnd(a, b));
  }

  protected override onBuild(shapes: SymbolicShape[]): void {
    this.checkCount(shapes);
    this.mergedShape(shapes);
  }

  protected checkCount(shapes: SymbolicShape[]): void {
    if (this.exactInputs !== null && shapes.length !== this.exactInputs) {
      throw new TesseraError(`${this.describe()}: takes exactly ${this.exactInputs} inputs, got ${shapes.length}`);
    }
    if (shapes.length < 2) throw new TesseraError(`${this.describe()}: takes a list of at least 2 inputs, got ${shapes.length}`);
  }

  /** The output shape of elementwise merges: every input the same shape. */
  protected mergedShape(shapes: SymbolicShape[]): SymbolicShape {
    const rank = shapes[0]!.length;
    const out: SymbolicShape = [...shapes[0]!];
    const ok = shapes.every((s) => s.length === rank) &&
      out.every((_, i) => {
        const known = shapes.map((s) => s[i]).filter((d): d is number => d !== null);
        if (known.some((d) => d !== known[0])) return false;
        out[i] = known[0] ?? null;
        return true;
      });
    if (!ok) throw this.mismatch(shapes, 'the same shape');
    return out;
  }

  protected mismatch(shapes: SymbolicShape[], expected: string): TesseraError {
    return new TesseraError(`${this.describe()}: its inputs must have ${expected}, got ${shapes.map((s) => fmtSymbolic(s)).join(', ')}`);
  }

  override computeOutputShape(shapes: SymbolicShape[]): SymbolicShape {
    this.checkCount(shapes);
    return this.mergedShape(shapes);
  }

  call(xs: Tensor[]): Tensor {
    const shapes = xs.map((x) => x.shape as SymbolicShape);
    this.checkCount(shapes);
    this.mergedShape(shapes);
    return this.merge(xs);
  }

  protected abstract merge(xs: Tensor[]): Tensor;
}

/** Sum of its inputs (a residual connection: `add().apply([x, block(x)])`). */
export class Add extends Merge {
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => add(a, b));
  }
}

/** First input minus the second. */
export class Subtract extends Merge {
  protected override readonly exactInputs = 2;
  protected merge([a, b]: Tensor[]): Tensor {
    return sub(a!, b!);
  }
}

/** Elementwise product of its inputs. */
export class Multiply extends Merge {
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => mul(a, b));
  }
}

/** Elementwise mean of its inputs. */
export class Average extends Merge {
  protected merge(xs: Tensor[]): Tensor {
    return mul(xs.reduce((a, b) => add(a, b)), scalar(1 / xs.length));
  }
}

/** Elementwise maximum of its inputs. */
export class Maximum extends Merge {
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => maximum(a, b));
  }
}

/** Elementwise minimum of its inputs. */
export class Minimum extends Merge {
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => minimum(a, b));
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along (default -1, the last; the batch axis 0 is not allowed). */
  axis?: number;
}
export type ConcatenateConfig = BaseLayerConfig & { axis: number };

/** Joins its inputs along `axis`; every other size must agree. */
export class Concatenate extends Merge {
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) throw new TesseraError(`Concatenate: axis must be a non-zero integer (not the batch axis), got ${String(axis)}`);
    this.axis = axis;
  }

  private resolveAxis(shapes: SymbolicShape[]): number {
    const rank = shapes[0]!.length;
    const a = this.axis < 0 ? rank + this.axis : this.axis;
    if (a <= 0 || a >= rank) throw new TesseraError(`${this.describe()}: axis ${this.axis} is out of range for inputs of rank ${rank} (${shapes.map((s) => fmtSymbolic(s)).join(', ')})`);
    return a;
  }

  protected override mergedShape(shapes: SymbolicShape[]): SymbolicShape {
    const rank = shapes[0]!.length;
    if (shapes.some((s) => s.length !== rank)) throw this.mismatch(shapes, `the same rank to be joined along axis ${this.axis}`);
    const a = this.resolveAxis(shapes);
    const out: SymbolicShape = [...shapes[0]!];
    for (let i = 0; i < rank; i++) {
      if (i === a) {
        out[i] = shapes.some((s) => s[i] === null) ? null : shapes.reduce((n, s) => n + s[i]!, 0);
        continue;
      }
      const known = shapes.map((s) => s[i]).filter((d): d is number => d !== null);
      if (known.some((d) => d !== known[0])) throw this.mismatch(shapes, `the same sizes on every axis but ${this.axis}`);
      out[i] = known[0] ?? null;
    }
    return out;
  }

  protected merge(xs: Tensor[]): Tensor {
    return concat(xs, this.resolveAxis(xs.map((x) => x.shape as SymbolicShape)));
  }

  /**
   * As Keras: each input's mask spread over its features (all true where it has none), joined along
   * the axis, then any over the last axis — joined features keep a position that any input keeps;
   * joined steps keep each input's own mask.
   */
  override computeMask(xs: Tensor[], mask: MaskArg | null): Tensor | null {
    const ms = Array.isArray(mask) ? mask : [];
    if (ms.every((m) => m === null || m === undefined)) return null;
    const full = xs.map((x, i) => {
      const m = ms[i];
      return m ? broadcastTo(expandDims(m, -1), x.shape) : notEqual(ones(x.shape), 0);
    });
    return any(concat(full, this.resolveAxis(xs.map((x) => x.shape as SymbolicShape))), -1);
  }

  override getConfig(): ConcatenateConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotArgs extends LayerArgs {
  /** The axis of each input to contract (one number for both, or a pair); not the batch axis. */
  axes: number | [number, number];
  /** L2-normalise both inputs along those axes first, so the result is the cosine similarity. */
  normalize?: boolean;
}
export type DotConfig = BaseLayerConfig & { axes: number | [number, number]; normalize: boolean };

/**
 * Dot products of two batches of vectors or matrices (Keras's `Dot`, batched): inputs of rank 2 or
 * 3, contracted along `axes`. [b, n]·[b, n] gives [b, 1]; [b, m, n]·[b, n, k] with axes [2, 1] gives [b, m, k].
 */
export class Dot extends Merge {
  protected override readonly exactInputs = 2;
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    super(args);
    const axes = args?.axes;
    const ok = (a: unknown): boolean => Number.isInteger(a) && a !== 0;
    if (!(ok(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every(ok)))) {
      throw new TesseraError(`Dot: axes must be a non-zero integer or a pair of them (not the batch axis), got ${JSON.stringify(axes)}`);
    }
    this.axes = Array.isArray(axes) ? [axes[0], axes[1]] : axes;
    if (args.normalize !== undefined && typeof args.normalize !== 'boolean') throw new TesseraError(`Dot: normalize must be true or false, got ${String(args.normalize)}`);
    this.normalize = args.normalize ?? false;
  }

  private resolve(shapes: SymbolicShape[]): [number, number] {
    const [sa, sb] = shapes as [SymbolicShape, SymbolicShape];
    if (![2, 3].includes(sa.length) || ![2, 3].includes(sb.length)) throw this.mismatch(shapes, 'rank 2 or 3 (a batch of vectors or matrices)');
    const pair = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const a = pair[0] < 0 ? sa.length + pair[0] : pair[0];
    const b = pair[1] < 0 ? sb.length + pair[1] : pair[1];
    if (a <= 0 || a >= sa.length || b <= 0 || b >= sb.length) throw this.mismatch(shapes, `axes ${JSON.stringify(this.axes)} in range (not the batch axis)`);
    if (sa[a] !== null && sb[b] !== null && sa[a] !== sb[b]) throw this.mismatch(shapes, `the same size on the contracted axes ${JSON.stringify(this.axes)}`);
    return [a, b];
  }

  protected override mergedShape(shapes: SymbolicShape[]): SymbolicShape {
    const [sa, sb] = shapes as [SymbolicShape, SymbolicShape];
    const [a, b] = this.resolve(shapes);
    const restA = sa.filter((_, i) => i !== 0 && i !== a);
    const restB = sb.filter((_, i) => i !== 0 && i !== b);
    const out = [sa[0] ?? sb[0] ?? null, ...restA, ...restB];
    return out.length === 1 ? [out[0]!, 1] : out;
  }

  /** The output is no longer per position of the inputs: no mask (as Keras). */
  override computeMask(): null {
    return null;
  }

  protected merge(xs: Tensor[]): Tensor {
    let [x, y] = xs as [Tensor, Tensor];
    const [a, b] = this.resolve(xs.map((t) => t.shape as SymbolicShape));
    if (this.normalize) {
      x = l2Normalize(x, a);
      y = l2Normalize(y, b);
    }
    // As matrices: x [batch, m, n] contracting its last axis, y [batch, n, k] contracting its middle.
    const xm = x.rank === 2 ? expandDims(x, 1) : a === 2 ? x : transpose(x, [0, 2, 1]);
    const ym = y.rank === 2 ? expandDims(y, 2) : b === 1 ? y : transpose(y, [0, 2, 1]);
    const out = matmul(xm, ym);
    const shape = this.mergedShape(xs.map((t) => t.shape as SymbolicShape)).map((d, i) => (i === 0 ? x.shape[0]! : d!));
    return reshape(out, shape);
  }

  override getConfig(): DotConfig {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

function l2Normalize(x: Tensor, axis: number): Tensor {
  const norm = sqrt(maximum(sum(square(x), axis, true), scalar(1e-12)));
  return div(x, norm);
}

registerLayer('Add', Add);
registerLayer('Subtract', Subtract);
registerLayer('Multiply', Multiply);
registerLayer('Average', Average);
registerLayer('Maximum', Maximum);
registerLayer('Minimum', Minimum);
registerLayer('Concatenate', Concatenate);
registerLayer('Dot', Dot);
