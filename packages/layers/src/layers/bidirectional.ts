import { TesseraError, add, concat, gather, mul, range, type Tensor } from '@tessera/core';
import { Layer, deserializeLayer, registerLayer, serializeLayer, type BaseLayerConfig, type LayerArgs, type MaskArg, type SerializedLayer } from '../layer.js';
import { checkOneOf, describeValue, fmtSymbolic, isPlainObject, type SymbolicShape } from '../util.js';
import { RNNBase, type RNNCallArgs } from './recurrent.js';

export type BidirectionalMergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_MODES: readonly BidirectionalMergeMode[] = ['concat', 'sum', 'mul', 'ave'];

export interface BidirectionalArgs extends LayerArgs {
  /** The RNN to run both ways (SimpleRNN, LSTM, GRU): a copy runs forwards, another backwards. */
  layer: RNNBase | SerializedLayer;
  /** How the two directions' outputs combine (default 'concat': 2·units features). */
  mergeMode?: BidirectionalMergeMode;
}

export type BidirectionalConfig = BaseLayerConfig & { layer: SerializedLayer; mergeMode: BidirectionalMergeMode };

/**
 * Runs an RNN over the sequence forwards and a copy of it backwards, and merges the two outputs
 * (Keras's `Bidirectional`). Both copies are rebuilt from the given layer's config (the given
 * layer itself is not used), named `<name>/forward_<layer>` and `<name>/backward_<layer>`, with
 * their own weights: forward's first. With returnSequences the backward outputs are put back in
 * time order before merging; with returnState apply gives [output, ...forward states, ...backward
 * states], and `initialState` takes the forward states then the backward ones. A mask goes to both.
 */
export class Bidirectional extends Layer<Tensor | Tensor[]> {
  readonly forwardLayer: RNNBase;
  readonly backwardLayer: RNNBase;
  readonly mergeMode: BidirectionalMergeMode;
  /** The wrapped layer's own config (what getConfig saves). */
  private readonly inner: SerializedLayer;

  constructor(args: BidirectionalArgs) {
    super(args);
    const given = args?.layer;
    let inner: SerializedLayer;
    if (given instanceof RNNBase) {
      given.assertKnownOptions();
      inner = serializeLayer(given);
    } else if (isPlainObject(given) && typeof given['className'] === 'string') {
      inner = given as SerializedLayer;
    } else {
      throw new TesseraError(`Bidirectional: layer must be an RNN layer (SimpleRNN, LSTM, GRU), got ${describeValue(given)}`);
    }
    this.mergeMode = checkOneOf('Bidirectional', 'mergeMode', args.mergeMode ?? 'concat', MERGE_MODES);
    const config = JSON.parse(JSON.stringify(inner.config)) as Record<string, unknown>;
    const innerName = String(config['name']);
    this.inner = { className: inner.className, config };
    const make = (direction: 'forward' | 'backward'): RNNBase => {
      const goBackwards = direction === 'backward' ? !config['goBackwards'] : Boolean(config['goBackwards']);
      const layer = deserializeLayer({ className: inner.className, config: { ...config, name: `${this.name}/${direction}_${innerName}`, goBackwards } });
      if (!(layer instanceof RNNBase)) {
        layer.dispose();
        throw new TesseraError(`Bidirectional: layer must be an RNN layer (SimpleRNN, LSTM, GRU), got a ${inner.className}`);
      }
      return layer;
    };
    this.forwardLayer = make('forward');
    this.backwardLayer = make('backward');
    this.supportsMasking = true;
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  protected override callOptionNames(): readonly string[] {
    return ['initialState'];
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    if (inputShape.length !== 3) throw new TesseraError(`${this.describe()}: expects inputs [batch, time, features], got ${fmtSymbolic(inputShape)}`);
    this.forwardLayer.build(inputShape);
    this.backwardLayer.build(inputShape);
    this.inputSpec = { ndim: 3, axes: { 2: inputShape[2]! } };
  }

  call(x: Tensor, { training = false, mask, initialState }: Partial<RNNCallArgs> = {}): Tensor | Tensor[] {
    const m = mask === undefined || mask === null || Array.isArray(mask) ? undefined : mask;
    let fwdState: Tensor[] | undefined;
    let bwdState: Tensor[] | undefined;
    if (initialState !== undefined && initialState !== null) {
      const list = Array.isArray(initialState) ? initialState : [initialState];
      if (list.length % 2 !== 0) {
        throw new TesseraError(`${this.describe()}: initialState must hold the forward layer's states then the backward layer's (an even number), got ${list.length}`);
      }
      fwdState = list.slice(0, list.length / 2);
      bwdState = list.slice(list.length / 2);
    }
    const run = (layer: RNNBase, states: Tensor[] | undefined): Tensor[] => {
      const out = layer.apply(x, { training, ...(m ? { mask: m } : {}), ...(states ? { initialState: states } : {}) });
      return Array.isArray(out) ? out : [out];
    };
    const [yf, ...sf] = run(this.forwardLayer, fwdState) as [Tensor, ...Tensor[]];
    const [yb0, ...sb] = run(this.backwardLayer, bwdState) as [Tensor, ...Tensor[]];
    // The backward layer's sequence runs from the last step to the first: put it back in time order.
    const time = yb0.shape[1]!;
    const yb = this.returnSequences ? gather(yb0, range(time - 1, -1, -1, 'int32'), 1) : yb0;
    const y = this.merge(yf, yb);
    return this.returnState ? [y, ...sf, ...sb] : y;
  }

  private merge(a: Tensor, b: Tensor): Tensor {
    switch (this.mergeMode) {
      case 'concat':
        return concat([a, b], -1);
      case 'sum':
        return add(a, b);
      case 'mul':
        return mul(a, b);
      case 'ave':
        return mul(add(a, b), 0.5);
    }
  }

  /** With returnSequences the output keeps the mask; else none. */
  override computeMask(x: Tensor, mask: MaskArg | null): Tensor | null {
    void x;
    return this.returnSequences && mask !== null && !Array.isArray(mask) ? mask : null;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const out = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode === 'concat') out[out.length - 1] = 2 * this.forwardLayer.units;
    return out;
  }

  override computeOutputShapes(inputShape: SymbolicShape): SymbolicShape[] {
    const out = this.computeOutputShape(inputShape);
    if (!this.returnState) return [out];
    const states = this.forwardLayer.computeOutputShapes(inputShape).slice(1);
    return [out, ...states, ...states.map((s) => [...s])];
  }

  /** Stateful: resets both directions (see RNNBase.resetStates); `states` as initialState. */
  resetStates(states?: Tensor[]): void {
    if (states === undefined) {
      this.forwardLayer.resetStates();
      this.backwardLayer.resetStates();
      return;
    }
    if (!Array.isArray(states) || states.length % 2 !== 0) {
      throw new TesseraError(`${this.describe()}.resetStates: states must hold the forward layer's states then the backward layer's (an even number)`);
    }
    this.forwardLayer.resetStates(states.slice(0, states.length / 2));
    this.backwardLayer.resetStates(states.slice(states.length / 2));
  }

  override getConfig(): BidirectionalConfig {
    return { ...super.getConfig(), layer: { className: this.inner.className, config: { ...this.inner.config } }, mergeMode: this.mergeMode };
  }
}

registerLayer('Bidirectional', Bidirectional);
