// The networks: Embedding → LSTM(s) → Dense over the vocabulary, and a small causal transformer.

import {
  Dense, Dropout, Embedding, LSTM, LayerNormalization, TokenAndPositionEmbedding, TransformerEncoderBlock, input, type Layer, type SymbolicTensor,
} from '@tessera/layers';
import { model, type Model } from '@tessera/models';
import type { ModelKind } from './args.js';

export interface ArchitectureOptions {
  kind: ModelKind;
  vocabSize: number;
  /** Time steps per row (names: the longest name + 1; Brown: the window). */
  steps: number;
  embeddingDim: number;
  units: number;
  layers: number;
  heads: number;
  dropout: number;
  /** A fixed batch size makes the LSTMs stateful (Brown's contiguous BPTT batches); null: stateless. */
  statefulBatch: number | null;
  /** Padding id 0 is masked: it counts in no loss (names). */
  maskZero: boolean;
}

/** Builds the network; its output is logits [batch, time, vocab] (the loss takes fromLogits). */
export function buildModel(o: ArchitectureOptions): Model {
  const ids = o.statefulBatch
    ? input({ batchShape: [o.statefulBatch, null], dtype: 'int32', name: 'ids' })
    : input({ shape: [o.kind === 'transformer' ? o.steps : null], dtype: 'int32', name: 'ids' });
  let h: SymbolicTensor;
  if (o.kind === 'lstm') {
    h = new Embedding({ name: 'embedding', inputDim: o.vocabSize, outputDim: o.embeddingDim, maskZero: o.maskZero }).apply(ids);
    for (let i = 0; i < o.layers; i++) {
      if (o.dropout > 0) h = new Dropout({ name: `dropout_${i + 1}`, rate: o.dropout }).apply(h);
      h = new LSTM({ name: `lstm_${i + 1}`, units: o.units, returnSequences: true, stateful: o.statefulBatch !== null }).apply(h) as SymbolicTensor;
    }
    if (o.dropout > 0) h = new Dropout({ name: `dropout_${o.layers + 1}`, rate: o.dropout }).apply(h);
  } else {
    if (o.embeddingDim % o.heads !== 0) throw new Error(`--embedding-dim ${o.embeddingDim} does not split into ${o.heads} heads (--heads); choose a multiple of ${o.heads}`);
    h = new TokenAndPositionEmbedding({ name: 'embedding', vocabularySize: o.vocabSize, sequenceLength: o.steps, embeddingDim: o.embeddingDim, maskZero: o.maskZero }).apply(ids);
    if (o.dropout > 0) h = new Dropout({ name: 'embedding_dropout', rate: o.dropout }).apply(h);
    for (let i = 0; i < o.layers; i++) {
      h = new TransformerEncoderBlock({ name: `block_${i + 1}`, numHeads: o.heads, intermediateDim: o.units, dropout: o.dropout, causal: true, activation: 'gelu' }).apply(h);
    }
    h = new LayerNormalization({ name: 'final_norm', epsilon: 1e-5 }).apply(h);
  }
  const logits = new Dense({ name: 'logits', units: o.vocabSize }).apply(h);
  return model({ inputs: ids, outputs: logits, name: `${o.kind}_lm` });
}

/** The parts of a trained (or loaded) language model that generation and evaluation use. */
export interface LmParts {
  kind: ModelKind;
  /** LSTM: the Embedding; transformer: the TokenAndPositionEmbedding. */
  embedding: Embedding | TokenAndPositionEmbedding;
  lstms: LSTM[];
  blocks: TransformerEncoderBlock[];
  finalNorm: LayerNormalization | null;
  logits: Dense;
  /** Embedding rows, one per token id. */
  vocabSize: number;
  /** The transformer's context (its position table); Infinity for an LSTM. */
  context: number;
}

/** Finds the layers of a model built by `buildModel`, or says what the model lacks. */
export function lmParts(m: Model, where: string): LmParts {
  const layers: Layer[] = m.layers;
  const find = <T>(cls: abstract new (...a: never[]) => T): T[] => layers.filter((l): l is Layer & T => l instanceof cls) as T[];
  const [tokenPos] = find(TokenAndPositionEmbedding);
  const [embedding] = find(Embedding);
  const denses = find(Dense);
  const logits = denses[denses.length - 1];
  const lstms = find(LSTM);
  const blocks = find(TransformerEncoderBlock);
  const norms = find(LayerNormalization);
  if (!logits) throw new Error(`${where}: the model has no Dense layer over the vocabulary; it is not a model written by text-generator`);
  if (tokenPos && blocks.length > 0) {
    return { kind: 'transformer', embedding: tokenPos, lstms: [], blocks, finalNorm: norms[norms.length - 1] ?? null, logits, vocabSize: tokenPos.vocabularySize, context: tokenPos.sequenceLength };
  }
  if (embedding && lstms.length > 0) return { kind: 'lstm', embedding, lstms, blocks: [], finalNorm: null, logits, vocabSize: embedding.inputDim, context: Infinity };
  throw new Error(`${where}: the model is neither Embedding → LSTM → Dense nor a TokenAndPositionEmbedding → TransformerEncoderBlock model; it is not a model written by text-generator`);
}
