import { any, notEqual, where, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs, type MaskArg } from '../layer.js';
import { checkNumber } from '../util.js';

export interface MaskingArgs extends LayerArgs {
  /** A time step whose features all equal it is padding (default 0). */
  maskValue?: number;
}

export type MaskingConfig = BaseLayerConfig & { maskValue: number };

/**
 * Marks padding in a sequence [batch, time, features] (Keras's `Masking`): a step whose features
 * all equal `maskValue` is masked. The output is the input with masked steps zeroed, carrying the
 * mask [batch, time], which the layers after it use (RNNs carry their state over masked steps,
 * attention does not attend to them, losses and metrics leave them out).
 */
export class Masking extends Layer<Tensor> {
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    super(args);
    this.maskValue = checkNumber('Masking', 'maskValue', args.maskValue ?? 0);
    this.supportsMasking = true;
    this.inputSpec = { minNdim: 2 };
  }

  call(x: Tensor): Tensor {
    return where(any(notEqual(x, this.maskValue), -1, true), x, 0);
  }

  /** True where some feature of the step differs from maskValue (a mask given with the input is replaced). */
  override computeMask(x: Tensor, mask: MaskArg | null): Tensor {
    void mask;
    return any(notEqual(x, this.maskValue), -1);
  }

  override getConfig(): MaskingConfig {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

registerLayer('Masking', Masking);
