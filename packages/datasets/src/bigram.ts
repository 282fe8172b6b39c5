import { TesseraError, checkOptions } from '@tessera/core';

/**
 * 'add-k': P(w | v) = (c(v, w) + k) / (c(v) + k·V'), V' = vocabSize − 1 possible next tokens.
 * 'kneser-ney': interpolated Kneser–Ney with one absolute discount D (see `BigramModel`).
 */
export type BigramSmoothing = 'add-k' | 'kneser-ney';

export interface BigramOptions {
  /** Token ids lie in [0, vocabSize). */
  vocabSize: number;
  /** Default 'add-k'. */
  smoothing?: BigramSmoothing;
  /** add-k's pseudo-count, > 0 (default 1: Laplace). */
  k?: number;
  /** Kneser–Ney's discount D, in (0, 1) (default 0.75). */
  discount?: number;
  /** The padding id, never a next token and not allowed in the sequences (default 0). */
  padId?: number;
}

/** A model's score on held-out sequences. */
export interface BigramScore {
  /** Mean −ln P(next | previous) over every next-token pair: nats per token. */
  crossEntropy: number;
  /** exp(crossEntropy). */
  perplexity: number;
  /** The pairs scored. */
  tokens: number;
}

export interface BigramTuneOptions extends BigramOptions {
  /** The values of k (add-k) or D (kneser-ney) to try. */
  values: readonly number[];
}

const OPTIONS = ['vocabSize', 'smoothing', 'k', 'discount', 'padId'];

/** Pair counts and the per-token sums both smoothings need. */
interface Counts {
  vocabSize: number;
  padId: number;
  /** c(v, w), keyed v · vocabSize + w. */
  pairs: Map<number, number>;
  /** c(v) = Σ_w c(v, w). */
  fromCount: Float64Array;
  /** N1+(v •): distinct tokens seen after v. */
  followers: Float64Array;
  /** N1+(• w): distinct tokens seen before w. */
  continuations: Float64Array;
  /** N1+(• •): distinct pairs. */
  distinctPairs: number;
  /** Tokens with N1+(• w) > 0. */
  continued: number;
}

/**
 * A count-based bigram language model, the baseline a neural model should beat: it predicts each
 * token from the one before, from counts over the training sequences. Next tokens range over every
 * id but the padding id, so probabilities of one context sum to 1 over vocabSize − 1 tokens.
 *
 * Kneser–Ney (interpolated, one discount D, the bigram form of Chen & Goodman 1998):
 *   P(w | v) = max(c(v,w) − D, 0) / c(v) + D · N1+(v•) / c(v) · Pc(w), or Pc(w) when c(v) = 0;
 *   Pc(w) = max(N1+(•w) − D, 0) / N1+(••) + D · |{w : N1+(•w) > 0}| / N1+(••) / V',
 * the continuation probability (how many different tokens w follows), itself interpolated with
 * the uniform distribution so that no token has probability 0.
 */
export class BigramModel {
  private constructor(
    private readonly counts: Counts,
    readonly smoothing: BigramSmoothing,
    /** k for add-k, D for Kneser–Ney. */
    readonly parameter: number,
  ) {}

  /** Counts the next-token pairs inside each sequence (a stream is one sequence; pairs never cross sequences). */
  static fit(sequences: readonly ArrayLike<number>[], options: BigramOptions): BigramModel {
    const { smoothing, parameter } = checkModelOptions('BigramModel.fit', options);
    return new BigramModel(count('BigramModel.fit', sequences, options.vocabSize, options.padId ?? 0), smoothing, parameter);
  }

  /**
   * Fits one model per value of k (add-k) or D (Kneser–Ney) on `train` (counting once) and keeps
   * the one with the lowest cross-entropy on `validation` — never on test. `scores` lists every
   * value tried.
   */
  static tune(
    train: readonly ArrayLike<number>[],
    validation: readonly ArrayLike<number>[],
    options: BigramTuneOptions,
  ): { model: BigramModel; value: number; scores: { value: number; crossEntropy: number }[] } {
    const op = 'BigramModel.tune';
    if (options === null || typeof options !== 'object') throw new TesseraError(`${op}: expected an options object with vocabSize and values, got ${String(options)}`);
    checkOptions(op, options, [...OPTIONS, 'values']);
    const { values, ...rest } = options;
    const smoothing = rest.smoothing ?? 'add-k';
    if (!Array.isArray(values) || values.length === 0) throw new TesseraError(`${op}: values must be a non-empty array of ${smoothing === 'kneser-ney' ? 'discounts' : 'k values'}`);
    for (const v of values) checkModelOptions(op, { ...rest, [smoothing === 'kneser-ney' ? 'discount' : 'k']: v });
    const counts = count(op, train, rest.vocabSize, rest.padId ?? 0);
    let best: { model: BigramModel; value: number; crossEntropy: number } | undefined;
    const scores = values.map((value) => {
      const model = new BigramModel(counts, smoothing, value);
      const { crossEntropy } = model.evaluate(validation);
      if (!best || crossEntropy < best.crossEntropy) best = { model, value, crossEntropy };
      return { value, crossEntropy };
    });
    return { model: best!.model, value: best!.value, scores };
  }

  get vocabSize(): number {
    return this.counts.vocabSize;
  }

  /** ln P(next | prev). */
  logProb(prev: number, next: number): number {
    this.checkPair('BigramModel.logProb', prev, next, 'prev', 'next');
    return Math.log(this.p(prev, next));
  }

  /** The mean cross-entropy (nats per token) and perplexity over every next-token pair of the sequences. */
  evaluate(sequences: readonly ArrayLike<number>[]): BigramScore {
    const op = 'BigramModel.evaluate';
    checkSequences(op, sequences);
    let sum = 0;
    let tokens = 0;
    sequences.forEach((s, i) => {
      for (let t = 1; t < s.length; t++) {
        this.checkPair(op, s[t - 1]!, s[t]!, `sequence ${i}, position ${t - 1}`, `sequence ${i}, position ${t}`);
        sum -= Math.log(this.p(s[t - 1]!, s[t]!));
        tokens++;
      }
    });
    if (tokens === 0) throw new TesseraError(`${op}: the sequences hold no next-token pair`);
    const crossEntropy = sum / tokens;
    return { crossEntropy, perplexity: Math.exp(crossEntropy), tokens };
  }

  private p(v: number, w: number): number {
    const c = this.counts;
    const outcomes = c.vocabSize - 1;
    const pair = c.pairs.get(v * c.vocabSize + w) ?? 0;
    const from = c.fromCount[v]!;
    if (this.smoothing === 'add-k') return (pair + this.parameter) / (from + this.parameter * outcomes);
    const d = this.parameter;
    const continuation = c.distinctPairs === 0
      ? 1 / outcomes
      : Math.max(c.continuations[w]! - d, 0) / c.distinctPairs + (d * c.continued) / c.distinctPairs / outcomes;
    if (from === 0) return continuation;
    return Math.max(pair - d, 0) / from + ((d * c.followers[v]!) / from) * continuation;
  }

  private checkPair(op: string, prev: number, next: number, prevAt: string, nextAt: string): void {
    const { vocabSize, padId } = this.counts;
    checkId(op, prev, vocabSize, padId, prevAt);
    checkId(op, next, vocabSize, padId, nextAt);
  }
}

function checkModelOptions(op: string, options: BigramOptions): { smoothing: BigramSmoothing; parameter: number } {
  if (options === null || typeof options !== 'object') throw new TesseraError(`${op}: expected an options object with vocabSize, got ${String(options)}`);
  checkOptions(op, options, OPTIONS);
  const { vocabSize, smoothing = 'add-k', padId = 0 } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new TesseraError(`${op}: vocabSize must be an integer >= 2, got ${vocabSize}`);
  if (!Number.isInteger(padId) || padId < 0 || padId >= vocabSize) throw new TesseraError(`${op}: padId must be an integer in [0, ${vocabSize}), got ${padId}`);
  if (smoothing === 'add-k') {
    if (options.discount !== undefined) throw new TesseraError(`${op}: 'discount' is Kneser–Ney's; add-k smoothing takes k`);
    const k = options.k ?? 1;
    if (!(k > 0 && Number.isFinite(k))) throw new TesseraError(`${op}: k must be a finite number > 0, got ${k}`);
    return { smoothing, parameter: k };
  }
  if (smoothing === 'kneser-ney') {
    if (options.k !== undefined) throw new TesseraError(`${op}: 'k' is add-k's; Kneser–Ney smoothing takes discount`);
    const d = options.discount ?? 0.75;
    if (!(d > 0 && d < 1)) throw new TesseraError(`${op}: discount must be in (0, 1), got ${d}`);
    return { smoothing, parameter: d };
  }
  throw new TesseraError(`${op}: smoothing must be 'add-k' or 'kneser-ney', got ${JSON.stringify(smoothing)}`);
}

function checkSequences(op: string, sequences: readonly ArrayLike<number>[]): void {
  if (!Array.isArray(sequences)) throw new TesseraError(`${op}: expected an array of token id sequences (one Int32Array for a stream), got ${typeof sequences}`);
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') throw new TesseraError(`${op}: sequence ${i} is ${s === null ? 'null' : typeof s}, expected token ids`);
  });
}

function checkId(op: string, id: number, vocabSize: number, padId: number, at: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new TesseraError(`${op}: token id ${id} at ${at} is not in [0, ${vocabSize})`);
  if (id === padId) throw new TesseraError(`${op}: ${at} is the padding id ${padId}; pass sequences without padding`);
}

function count(op: string, sequences: readonly ArrayLike<number>[], vocabSize: number, padId: number): Counts {
  checkSequences(op, sequences);
  const pairs = new Map<number, number>();
  const fromCount = new Float64Array(vocabSize);
  const followers = new Float64Array(vocabSize);
  const continuations = new Float64Array(vocabSize);
  let total = 0;
  sequences.forEach((s, i) => {
    for (let t = 0; t < s.length; t++) {
      checkId(op, s[t]!, vocabSize, padId, `sequence ${i}, position ${t}`);
      if (t === 0) continue;
      const v = s[t - 1]!;
      const w = s[t]!;
      const key = v * vocabSize + w;
      const c = pairs.get(key) ?? 0;
      if (c === 0) {
        followers[v]!++;
        continuations[w]!++;
      }
      pairs.set(key, c + 1);
      fromCount[v]!++;
      total++;
    }
  });
  if (total === 0) throw new TesseraError(`${op}: the training sequences hold no next-token pair`);
  let continued = 0;
  for (let w = 0; w < vocabSize; w++) if (continuations[w]! > 0) continued++;
  return { vocabSize, padId, pairs, fromCount, followers, continuations, distinctPairs: pairs.size, continued };
}
