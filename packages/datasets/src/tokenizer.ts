import { TesseraError, checkOptions } from '@tessera/core';

/** Characters (Unicode code points) or whitespace-separated words. */
export type TokenLevel = 'char' | 'word';

/** Id 0: padding, so that `Embedding({ maskZero: true })` and masked losses skip it. */
export const PAD_TOKEN = '<pad>';
/** Id 1: every token outside the vocabulary. */
export const UNK_TOKEN = '<unk>';

export interface TokenizerOptions {
  level: TokenLevel;
  /**
   * The most ids, counting `<pad>`, `<unk>` and the reserved tokens (as Keras' `max_tokens`
   * counts its padding and OOV tokens); the most frequent tokens fill the rest. Default: no limit.
   */
  maxTokens?: number;
  /** Tokens seen fewer times than this become `<unk>` (default 1: every token seen). */
  minCount?: number;
  /** Lowercase every text and token before splitting and looking up (default false). */
  lowercase?: boolean;
  /** Tokens given the ids right after `<unk>` in this order (e.g. `['<bos>', '<eos>']`), whatever their counts. */
  reserved?: readonly string[];
}

export interface EncodeOptions {
  /** What a token outside the vocabulary becomes: `<unk>` (default), or an error naming it. */
  onUnknown?: 'unk' | 'error';
}

/** The JSON form of a tokenizer, saved beside a model. */
export interface TokenizerJSON {
  format: 'tessera-tokenizer';
  version: 1;
  level: TokenLevel;
  lowercase: boolean;
  reserved: string[];
  /** Every token by id: `<pad>`, `<unk>`, the reserved tokens, then the counted ones. */
  vocabulary: string[];
}

const FIT_OPTIONS = ['level', 'maxTokens', 'minCount', 'lowercase', 'reserved'];
const JSON_KEYS = ['format', 'version', 'level', 'lowercase', 'reserved', 'vocabulary'];

/**
 * Text to token ids and back, at character or word level. The vocabulary is fixed when the
 * tokenizer is made: id 0 is `<pad>`, id 1 `<unk>`, then the reserved tokens, then the counted
 * tokens from the most to the least frequent (ties in code-unit order of the token), so the same
 * corpus and options always give the same ids. Words are split on whitespace only: punctuation
 * must already be separate tokens (as in the Brown corpus) if it is to be one.
 */
export class Tokenizer {
  readonly padId = 0;
  readonly unkId = 1;
  private readonly ids: Map<string, number>;

  private constructor(
    readonly level: TokenLevel,
    readonly lowercase: boolean,
    readonly reserved: readonly string[],
    readonly vocabulary: readonly string[],
  ) {
    this.ids = new Map(vocabulary.map((t, i) => [t, i]));
  }

  /**
   * Counts the tokens of `corpus` (texts, split by the level, or arrays of tokens already split)
   * and keeps the most frequent: at most `maxTokens` ids in all, each seen at least `minCount` times.
   */
  static fit(corpus: Iterable<string | readonly string[]>, options: TokenizerOptions): Tokenizer {
    const op = 'Tokenizer.fit';
    checkOptions(op, options, FIT_OPTIONS);
    const { level, lowercase = false, reserved = [], minCount = 1 } = options ?? ({} as TokenizerOptions);
    checkLevel(op, level);
    checkReserved(op, reserved, lowercase);
    if (!Number.isInteger(minCount) || minCount < 1) throw new TesseraError(`${op}: minCount must be an integer >= 1, got ${minCount}`);
    const fixed = 2 + reserved.length;
    const maxTokens = options.maxTokens ?? Infinity;
    if (maxTokens !== Infinity && (!Number.isInteger(maxTokens) || maxTokens < fixed)) {
      throw new TesseraError(`${op}: maxTokens must be an integer >= ${fixed} (<pad>, <unk> and ${reserved.length} reserved tokens), got ${maxTokens}`);
    }
    if (corpus === null || typeof corpus !== 'object' || !(Symbol.iterator in corpus) || typeof corpus === 'string') {
      throw new TesseraError(`${op}: corpus must be an iterable of texts or token arrays, got ${typeof corpus === 'string' ? 'a string' : typeof corpus}`);
    }
    const special = new Set([PAD_TOKEN, UNK_TOKEN, ...reserved]);
    const counts = new Map<string, number>();
    let i = 0;
    for (const item of corpus) {
      const tokens = splitItem(op, item, i++, level, lowercase);
      for (const t of tokens) if (!special.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const ranked = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = ranked.slice(0, Math.max(0, maxTokens - fixed)).map(([t]) => t);
    return new Tokenizer(level, lowercase, [...reserved], [PAD_TOKEN, UNK_TOKEN, ...reserved, ...kept]);
  }

  /** A tokenizer saved with `toJSON()`; every field is checked, so a damaged or foreign file is an error naming what is wrong. */
  static fromJSON(json: unknown): Tokenizer {
    const op = 'Tokenizer.fromJSON';
    const obj = typeof json === 'string' ? parseJson(op, json) : json;
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new TesseraError(`${op}: expected a tokenizer object, got ${obj === null ? 'null' : typeof obj}`);
    const j = obj as Partial<TokenizerJSON>;
    if (j.format !== 'tessera-tokenizer') throw new TesseraError(`${op}: format is ${JSON.stringify(j.format)}, expected "tessera-tokenizer"`);
    if (j.version !== 1) throw new TesseraError(`${op}: version ${JSON.stringify(j.version)} is not supported (this Tessera reads version 1)`);
    checkOptions(op, j, JSON_KEYS);
    checkLevel(op, j.level);
    if (typeof j.lowercase !== 'boolean') throw new TesseraError(`${op}: lowercase must be true or false, got ${JSON.stringify(j.lowercase)}`);
    if (!Array.isArray(j.reserved)) throw new TesseraError(`${op}: reserved must be an array of tokens, got ${typeof j.reserved}`);
    checkReserved(op, j.reserved, j.lowercase);
    const vocab = j.vocabulary;
    if (!Array.isArray(vocab) || vocab.some((t) => typeof t !== 'string')) throw new TesseraError(`${op}: vocabulary must be an array of strings`);
    const head = [PAD_TOKEN, UNK_TOKEN, ...j.reserved];
    head.forEach((t, i) => {
      if (vocab[i] !== t) throw new TesseraError(`${op}: vocabulary[${i}] is ${JSON.stringify(vocab[i])}, expected ${JSON.stringify(t)} (<pad>, <unk>, then the reserved tokens)`);
    });
    const seen = new Set<string>();
    vocab.forEach((t, i) => {
      if (seen.has(t)) throw new TesseraError(`${op}: vocabulary[${i}] ${JSON.stringify(t)} appears twice`);
      seen.add(t);
      if (i >= head.length) checkToken(op, t, i, j.level!, j.lowercase!);
    });
    return new Tokenizer(j.level!, j.lowercase, [...j.reserved], [...vocab]);
  }

  /** The number of ids (the `inputDim` of an Embedding and the units of the output layer). */
  get size(): number {
    return this.vocabulary.length;
  }

  /** The tokens of a text: its code points, or its whitespace-separated words, lowercased if the tokenizer lowercases. */
  split(text: string): string[] {
    if (typeof text !== 'string') throw new TesseraError(`Tokenizer.split: expected a string, got ${typeof text}`);
    return splitText(this.lowercase ? text.toLowerCase() : text, this.level);
  }

  /** Whether a token (after lowercasing, if the tokenizer lowercases) has its own id. */
  has(token: string): boolean {
    return this.ids.has(this.lowercase ? token.toLowerCase() : token);
  }

  /** The id of a token; `<unk>`'s id for a token outside the vocabulary. */
  idOf(token: string): number {
    return this.ids.get(this.lowercase ? token.toLowerCase() : token) ?? this.unkId;
  }

  /** The token of an id. */
  tokenOf(id: number): string {
    this.checkId('Tokenizer.tokenOf', id, 0);
    return this.vocabulary[id]!;
  }

  /** The ids of a text, or of tokens already split (a reserved token such as `<eos>` can be given this way). */
  encode(input: string | readonly string[], options: EncodeOptions = {}): Int32Array {
    const op = 'Tokenizer.encode';
    checkOptions(op, options, ['onUnknown']);
    const onUnknown = options.onUnknown ?? 'unk';
    if (onUnknown !== 'unk' && onUnknown !== 'error') throw new TesseraError(`${op}: onUnknown must be 'unk' or 'error', got ${JSON.stringify(onUnknown)}`);
    const tokens = splitItem(op, input, 0, this.level, this.lowercase);
    const out = new Int32Array(tokens.length);
    let unknown: string[] | undefined;
    tokens.forEach((t, i) => {
      const id = this.ids.get(t);
      if (id === undefined && onUnknown === 'error') {
        unknown ??= [];
        if (!unknown.includes(t)) unknown.push(t);
      }
      out[i] = id ?? this.unkId;
    });
    if (unknown) {
      const what = this.level === 'char' ? 'character' : 'word';
      throw new TesseraError(
        `${op}: ${unknown.length} ${what}${unknown.length > 1 ? 's' : ''} outside the vocabulary of ${this.size} tokens: ` +
          `${unknown.slice(0, 10).map((t) => JSON.stringify(t)).join(', ')}${unknown.length > 10 ? ', …' : ''}`,
      );
    }
    return out;
  }

  /** The tokens of ids, padding included. */
  decodeTokens(ids: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      this.checkId('Tokenizer.decodeTokens', ids[i]!, i);
      out.push(this.vocabulary[ids[i]!]!);
    }
    return out;
  }

  /** The text of ids: characters joined as they are, words with single spaces; padding is left out. */
  decode(ids: ArrayLike<number>): string {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      this.checkId('Tokenizer.decode', ids[i]!, i);
      if (ids[i] !== this.padId) tokens.push(this.vocabulary[ids[i]!]!);
    }
    return tokens.join(this.level === 'char' ? '' : ' ');
  }

  toJSON(): TokenizerJSON {
    return { format: 'tessera-tokenizer', version: 1, level: this.level, lowercase: this.lowercase, reserved: [...this.reserved], vocabulary: [...this.vocabulary] };
  }

  private checkId(op: string, id: number, at: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new TesseraError(`${op}: id ${id} at position ${at} is not in [0, ${this.size}) (the vocabulary has ${this.size} tokens)`);
    }
  }
}

function checkLevel(op: string, level: unknown): asserts level is TokenLevel {
  if (level !== 'char' && level !== 'word') throw new TesseraError(`${op}: level must be 'char' or 'word', got ${JSON.stringify(level)}`);
}

function checkReserved(op: string, reserved: readonly unknown[], lowercase: boolean): void {
  if (!Array.isArray(reserved)) throw new TesseraError(`${op}: reserved must be an array of tokens, got ${typeof reserved}`);
  const seen = new Set<string>([PAD_TOKEN, UNK_TOKEN]);
  for (const t of reserved) {
    if (typeof t !== 'string' || t.length === 0 || /\s/.test(t)) throw new TesseraError(`${op}: reserved token ${JSON.stringify(t)} must be a non-empty string without whitespace`);
    if (lowercase && t !== t.toLowerCase()) throw new TesseraError(`${op}: reserved token ${JSON.stringify(t)} has capitals but the tokenizer lowercases its input, so no text could give it`);
    if (seen.has(t)) throw new TesseraError(`${op}: reserved token ${JSON.stringify(t)} is given twice or is <pad>/<unk>, which are always ids 0 and 1`);
    seen.add(t);
  }
}

/** A counted token must be one the tokenizer can produce from text. */
function checkToken(op: string, t: string, i: number, level: TokenLevel, lowercase: boolean): void {
  const ok = level === 'char' ? [...t].length === 1 : t.length > 0 && !/\s/.test(t);
  if (!ok) throw new TesseraError(`${op}: vocabulary[${i}] ${JSON.stringify(t)} is not a ${level === 'char' ? 'single character' : 'word without whitespace'}`);
  if (lowercase && t !== t.toLowerCase()) throw new TesseraError(`${op}: vocabulary[${i}] ${JSON.stringify(t)} has capitals but the tokenizer lowercases`);
}

function splitText(text: string, level: TokenLevel): string[] {
  if (level === 'char') return Array.from(text);
  return text.split(/\s+/).filter((w) => w.length > 0);
}

function splitItem(op: string, item: unknown, index: number, level: TokenLevel, lowercase: boolean): string[] {
  if (typeof item === 'string') return splitText(lowercase ? item.toLowerCase() : item, level);
  if (Array.isArray(item)) {
    return item.map((t: unknown, j) => {
      if (typeof t !== 'string' || t.length === 0) throw new TesseraError(`${op}: token ${j} of item ${index} is ${JSON.stringify(t)}, expected a non-empty string`);
      return lowercase ? t.toLowerCase() : t;
    });
  }
  throw new TesseraError(`${op}: item ${index} is ${item === null ? 'null' : typeof item}, expected a text or an array of tokens`);
}

function parseJson(op: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TesseraError(`${op}: the text is not JSON: ${(e as Error).message}`);
  }
}
