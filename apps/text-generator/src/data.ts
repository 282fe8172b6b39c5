// The two tasks as token ids: names (one sequence per name) and Brown (one stream per split).

import { BigramModel, Tokenizer } from '@tessera/datasets';
import { loadBrown, loadNames } from '@tessera/datasets/node';
import type { DataName } from './args.js';

export const BOS = '<bos>';
export const EOS = '<eos>';

export interface TextTask {
  data: DataName;
  tokenizer: Tokenizer;
  /** names: `<bos> n a m e <eos>` per name; Brown: one stream per split (sentences each ended by `<eos>`). */
  train: Int32Array[];
  validation: Int32Array[];
  test: Int32Array[];
  /** What one sequence or stream is, for the report. */
  describe: string;
}

export interface BigramBaseline {
  smoothing: 'add-k' | 'kneser-ney';
  /** The k or discount chosen on validation. */
  value: number;
  validation: number;
  test: number;
  testTokens: number;
}

/** names: the longest name plus <bos>/<eos> gives the steps per row. */
export function longestSequence(task: TextTask): number {
  return Math.max(...[task.train, task.validation, task.test].flat().map((s) => s.length));
}

/**
 * Loads a task. names: the documented split (docs/datasets.md), a character vocabulary fitted on
 * the training names with `<bos>` and `<eos>`; `limit` keeps the first N training names. Brown:
 * a word vocabulary of `vocab` ids fitted on the training stream; `limit` keeps its first N tokens.
 */
export async function loadTask(data: DataName, options: { vocab: number; limit: number }): Promise<TextTask> {
  if (data === 'names') {
    const names = await loadNames();
    const train = options.limit > 0 ? names.train.slice(0, options.limit) : names.train;
    const tokenizer = Tokenizer.fit(train, { level: 'char', reserved: [BOS, EOS], lowercase: true });
    // Validation and test keep every name; with a small `limit` a character may be outside the vocabulary and reads as <unk>.
    const encode = (name: string): Int32Array => tokenizer.encode([BOS, ...tokenizer.split(name), EOS]);
    return {
      data, tokenizer, describe: 'a name as <bos> characters <eos>',
      train: train.map(encode), validation: names.validation.map(encode), test: names.test.map(encode),
    };
  }
  const brown = await loadBrown();
  const trainWords = options.limit > 0 ? brown.train.slice(0, options.limit) : brown.train;
  const tokenizer = Tokenizer.fit([trainWords], { level: 'word', maxTokens: options.vocab, reserved: [EOS], lowercase: true });
  return {
    data, tokenizer, describe: 'the split as one stream of words, <eos> after each sentence',
    train: [tokenizer.encode(trainWords)], validation: [tokenizer.encode(brown.validation)], test: [tokenizer.encode(brown.test)],
  };
}

/** The count-based bigram on the same vocabulary and split, smoothing chosen on validation (as docs/datasets.md). */
export function bigramBaseline(task: TextTask): BigramBaseline {
  const words = task.data === 'brown';
  const smoothing = words ? 'kneser-ney' : 'add-k';
  const values = words ? [0.6, 0.7, 0.8, 0.9] : [0.05, 0.1, 0.2, 0.5, 1];
  const tuned = BigramModel.tune(task.train, task.validation, { vocabSize: task.tokenizer.size, smoothing, values });
  const best = tuned.scores.find((s) => s.value === tuned.value)!;
  const test = tuned.model.evaluate(task.test);
  return { smoothing, value: tuned.value, validation: best.crossEntropy, test: test.crossEntropy, testTokens: test.tokens };
}
