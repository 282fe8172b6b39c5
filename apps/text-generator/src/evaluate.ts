// `evaluate`: scores a saved model on the validation and test splits, as training does.

import { nextTokenArrays } from '@tessera/datasets';
import { loadBrown, loadNames } from '@tessera/datasets/node';
import type { EvaluateOptions } from './args.js';
import { BOS, EOS } from './data.js';
import { makeStepper, scoreRows, scoreStreamLstm, scoreStreamWindows, type Score } from './generate.js';
import { loadSaved } from './sample.js';
import { EVAL_WINDOW } from './train.js';

/** Per-token cross-entropy and perplexity of a saved model on validation and test (names: padding left out; Brown: one stream). */
export async function evaluate(o: EvaluateOptions, log: (s: string) => void = console.log): Promise<{ validation: Score; test: Score }> {
  const { info, tokenizer, model, parts } = await loadSaved(o.modelDir, 'evaluate', o.backend);
  const stepper = makeStepper(parts);
  try {
    const scores: Record<'validation' | 'test', Score> = {} as never;
    if (info.data === 'names') {
      const names = await loadNames();
      const encode = (name: string): Int32Array => tokenizer.encode([BOS, ...tokenizer.split(name), EOS]);
      const sequences = { validation: names.validation.map(encode), test: names.test.map(encode) };
      const longest = Math.max(...[...sequences.validation, ...sequences.test].map((s) => s.length - 1));
      const steps = Number.isFinite(parts.context) ? parts.context : longest;
      if (longest > steps) throw new Error(`evaluate: the longest name needs ${longest} steps, more than the transformer's context of ${steps}`);
      for (const split of ['validation', 'test'] as const) {
        const rows = nextTokenArrays(sequences[split], { length: steps });
        scores[split] = await scoreRows(model, rows.xs, rows.ys, steps);
      }
    } else {
      const brown = await loadBrown();
      for (const split of ['validation', 'test'] as const) {
        const ids = tokenizer.encode(brown[split]);
        scores[split] = parts.kind === 'lstm' ? await scoreStreamLstm(stepper, ids, 1, EVAL_WINDOW) : await scoreStreamWindows(model, ids, parts.context);
      }
    }
    const unit = info.data === 'names' ? 'nats/char' : 'nats/word';
    for (const split of ['validation', 'test'] as const) {
      const s = scores[split];
      log(`${split}: ${s.crossEntropy.toFixed(4)} ${unit}, perplexity ${s.perplexity.toFixed(2)} (${s.tokens.toLocaleString('en-US')} tokens)`);
    }
    return scores;
  } finally {
    stepper.dispose();
    model.dispose();
  }
}
