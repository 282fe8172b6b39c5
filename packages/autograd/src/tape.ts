import { ENGINE, TesseraError, fmtShape, type Attrs, type NodeGradFn, type RecordedOp, type TapeRecorder, type Tensor } from '@tessera/core';

/** A recorded op with private handles on the tensors its gradient rule may read. */
export interface TapeNode {
  kernel: string;
  attrs: Attrs;
  /** Ids of the original input/output tensors (gradients are keyed by these). */
  inputIds: number[];
  outputIds: number[];
  /** Untracked handles sharing the originals' buffers, valid even if the user disposes the originals. */
  inputs: Tensor[];
  outputs: Tensor[];
  gradFn?: NodeGradFn;
  /** False for alias nodes, whose tensors belong to another tape. */
  owned: boolean;
}

/**
 * Records the ops that depend on watched tensors. Reverse-mode differentiation walks `nodes`
 * backwards. Several tapes can be active at once (grad of grad); each decides for itself.
 */
export class Tape implements TapeRecorder {
  readonly nodes: TapeNode[] = [];
  private tracked = new Set<number>();
  private disposed = false;

  watch(t: Tensor): void {
    this.tracked.add(t.id);
  }

  isTrackedId(id: number): boolean {
    return this.tracked.has(id);
  }

  record(op: RecordedOp): void {
    if (this.disposed) return;
    let hit = false;
    for (const t of op.inputs) {
      if (this.tracked.has(t.id)) {
        hit = true;
        break;
      }
    }
    if (!hit) return;
    for (const o of op.outputs) this.tracked.add(o.id);
    const inputs = op.inputs.map(hold);
    const outputs = op.outputs.map(hold);
    this.nodes.push({
      kernel: op.kernel,
      attrs: op.attrs,
      inputIds: op.inputs.map((t) => t.id),
      outputIds: op.outputs.map((t) => t.id),
      inputs,
      outputs,
      gradFn: op.gradFn,
      owned: true,
    });
    // Our gradient rules will run on the held handles; outer tapes (grad of grad) must see them as
    // the tensors they stand for, or the backward pass would be invisible to them.
    for (const other of ENGINE.tapes) {
      if (other === this || !(other instanceof Tape)) continue;
      op.inputs.forEach((t, i) => other.alias(t, inputs[i]!));
      op.outputs.forEach((t, i) => other.alias(t, outputs[i]!));
    }
  }

  /** Records `held` as an identity copy of `original` (if this tape tracks the original). */
  alias(original: Tensor, held: Tensor): void {
    if (this.disposed || !this.tracked.has(original.id)) return;
    this.tracked.add(held.id);
    this.nodes.push({
      kernel: 'Identity',
      attrs: {},
      inputIds: [original.id],
      outputIds: [held.id],
      inputs: [original],
      outputs: [held],
      owned: false,
    });
  }

  /** Frees the handles the tape holds. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const n of this.nodes) {
      if (!n.owned) continue;
      for (const t of n.inputs) t.dispose();
      for (const t of n.outputs) t.dispose();
    }
    this.nodes.length = 0;
  }
}

function hold(t: Tensor): Tensor {
  return ENGINE.shareStorage(t, t.shape, t.dtype, false);
}

/** Runs fn with `tape` recording (on top of any outer tapes, for higher-order gradients). */
export function recordOn<T>(tape: Tape, fn: () => T): T {
  ENGINE.tapes = [...ENGINE.tapes, tape];
  try {
    return fn();
  } finally {
    ENGINE.tapes = ENGINE.tapes.filter((t) => t !== tape);
  }
}

export function assertGradShape(kernel: string, i: number, dx: Tensor, x: Tensor): void {
  if (dx.shape.length !== x.shape.length || dx.shape.some((d, j) => d !== x.shape[j])) {
    throw new TesseraError(
      `gradient of '${kernel}': rule returned ${fmtShape(dx.shape)} for input ${i} of shape ${fmtShape(x.shape)} (a bug in the gradient rule)`,
    );
  }
}
