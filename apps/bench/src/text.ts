import { tensor, type Tensor } from '@tessera/core';
import { Dense, Embedding, LSTM, input, type SymbolicTensor } from '@tessera/layers';
import { model, type Model } from '@tessera/models';
import { tesseraLabel, useTessera, type TesseraContender } from './contenders.js';
import { duel, rangeOf, row, type Row } from './harness.js';
import { MODEL_NAMES, TEXT_LSTM } from './models.js';

// Browser-clean: generation with the bench's character LSTM, Tessera against itself.

/** The bench's character LSTM (`TEXT_LSTM`) for sequences of any length; `batch` fixes the batch and makes the LSTM stateful. */
function textLstm(batch: number | null): { net: Model<Tensor, Tensor>; lstm: LSTM } {
  const { vocab, embedding, units } = TEXT_LSTM;
  const ids = batch === null ? input({ shape: [null], dtype: 'int32', name: 'ids' }) : input({ batchShape: [batch, null], dtype: 'int32', name: 'ids' });
  const lstm = new LSTM({ units, returnSequences: true, stateful: batch !== null, name: 'lstm' });
  const h = lstm.apply(new Embedding({ inputDim: vocab, outputDim: embedding, name: 'embedding' }).apply(ids) as SymbolicTensor) as SymbolicTensor;
  const probs = new Dense({ units: vocab, activation: 'softmax', name: 'probs' }).apply(h) as SymbolicTensor;
  return { net: model({ inputs: ids, outputs: probs }), lstm };
}

/** The index of the largest of the last `vocab` values (the last step's distribution). */
function lastArgMax(p: ArrayLike<number>, vocab: number): number {
  let best = p.length - vocab;
  for (let i = best + 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best - (p.length - vocab);
}

/**
 * Tokens/s generating `tokens` tokens one at a time (batch 1, greedy), with the weights of one
 * random LSTM two ways: carrying the state — a stateful copy fed one token per call, its states
 * kept between calls (what apps/text-generator's `generate` does) — against re-running the model on
 * the whole sequence so far for every token and keeping the last step. Both must produce the same
 * tokens. Each token is read back before the next call, as a generator must.
 */
export async function lstmGenerationBench(tokens: number, contender: TesseraContender, o: { minMs: number; rounds?: number }): Promise<Row> {
  await useTessera(contender);
  const window = textLstm(null);
  const step = textLstm(1);
  const { vocab } = TEXT_LSTM;
  const name = `${MODEL_NAMES.lstm} generation, ${tokens} tokens one at a time (batch 1)`;
  try {
    const weights = window.net.getWeights();
    step.net.setWeights(weights);
    weights.forEach((w) => w.dispose());
    const carried = async (): Promise<number[]> => {
      step.lstm.resetStates();
      const seq = [1];
      for (let t = 0; t < tokens; t++) {
        const x = tensor(Int32Array.of(seq[seq.length - 1]!), [1, 1], 'int32');
        const y = step.net.predict(x);
        seq.push(lastArgMax(await y.data(), vocab));
        x.dispose();
        y.dispose();
      }
      return seq;
    };
    const rerun = async (): Promise<number[]> => {
      const seq = [1];
      for (let t = 0; t < tokens; t++) {
        const x = tensor(Int32Array.from(seq), [1, seq.length], 'int32');
        const y = window.net.predict(x);
        seq.push(lastArgMax(await y.data(), vocab));
        x.dispose();
        y.dispose();
      }
      return seq;
    };
    const [a, b] = [await carried(), await rerun()];
    if (a.join() !== b.join()) throw new Error(`${name}: carrying the state generated ${a.join(' ')}, re-running the window ${b.join(' ')}`);
    const t = await duel(carried, rerun, { minMs: o.minMs, minRepeats: 3, rounds: o.rounds ?? 2 });
    const perSecond = (ms: number): number => tokens / (ms / 1000);
    const label = tesseraLabel(contender);
    return row(name, 'tokens/s', `${label}, state carried`, perSecond(t.ours.median), `Tessera ${label}, window re-run`, perSecond(t.theirs.median), {
      range: { tessera: rangeOf(t.ours, perSecond), peer: rangeOf(t.theirs, perSecond) },
    });
  } finally {
    window.net.dispose();
    step.net.dispose();
  }
}
