import { Random, TesseraError, checkOptions } from '@tessera/core';

/** The seed of the documented names split (docs/datasets.md); another seed gives another split. */
export const NAMES_SPLIT_SEED = 17;

/** A train / validation / test split of a list of names. */
export interface NamesSplits {
  train: string[];
  validation: string[];
  test: string[];
}

export interface NamesSplitOptions {
  /** The seed of the permutation (default NAMES_SPLIT_SEED, the documented split). */
  seed?: number;
  /** Share of the names in the validation split (default 0.1), rounded to a whole count. */
  validationFraction?: number;
  /** Share of the names in the test split (default 0.1), rounded to a whole count. */
  testFraction?: number;
}

// Letters (with combining marks) and the joiners names use: "anne-marie", "o'neil", "st. john".
const NAME = /^\p{L}[\p{L}\p{M}' .-]*$/u;

/**
 * Names from a text with one name per line (the `data/names.txt` of the stdlib name lists).
 * Surrounding whitespace and blank lines are ignored; a line that is not a name (digits, brackets
 * — say, the JSON copy of the list given by mistake) is an error naming the source and line.
 */
export function parseNameList(text: string, source = 'the name list'): string[] {
  if (typeof text !== 'string') throw new TesseraError(`parseNameList: expected the text of ${source}, got ${typeof text}`);
  const names: string[] = [];
  text.split('\n').forEach((line, i) => {
    const name = line.trim();
    if (name.length === 0) return;
    if (!NAME.test(name)) {
      throw new TesseraError(`parseNameList: ${source}, line ${i + 1}: ${JSON.stringify(name.slice(0, 40))} is not a name (letters, with ' . - or spaces inside)`);
    }
    names.push(name);
  });
  if (names.length === 0) throw new TesseraError(`parseNameList: ${source} has no names`);
  return names;
}

/**
 * The names dataset: the lists merged, every name lowercased (the lists capitalise every name,
 * so case says nothing but "first letter"), duplicates dropped (a name on two lists, or the same
 * name in two cases, is one name), sorted, then permuted by a seeded generator and cut: the first
 * `testFraction` to test, the next `validationFraction` to validation, the rest to train. The
 * split depends only on the set of names and the seed, not on the order of the lists.
 */
export function splitNames(lists: readonly (readonly string[])[], options: NamesSplitOptions = {}): NamesSplits {
  const op = 'splitNames';
  checkOptions(op, options, ['seed', 'validationFraction', 'testFraction']);
  if (!Array.isArray(lists) || lists.some((l) => !Array.isArray(l))) throw new TesseraError(`${op}: expected an array of name lists (arrays of strings)`);
  const seed = options.seed ?? NAMES_SPLIT_SEED;
  if (!Number.isInteger(seed)) throw new TesseraError(`${op}: seed must be an integer, got ${seed}`);
  const fraction = (name: string, v: number | undefined): number => {
    const f = v ?? 0.1;
    if (!(f > 0 && f < 1)) throw new TesseraError(`${op}: ${name} must be in (0, 1), got ${f}`);
    return f;
  };
  const fVal = fraction('validationFraction', options.validationFraction);
  const fTest = fraction('testFraction', options.testFraction);
  const unique = new Set<string>();
  lists.forEach((list: readonly string[], l: number) =>
    list.forEach((name: string, i: number) => {
      if (typeof name !== 'string' || !NAME.test(name.trim())) throw new TesseraError(`${op}: list ${l}, entry ${i} is ${JSON.stringify(name)}, not a name`);
      unique.add(name.trim().toLowerCase());
    }),
  );
  const names = [...unique].sort();
  const n = names.length;
  const nTest = Math.round(n * fTest);
  const nVal = Math.round(n * fVal);
  if (nTest === 0 || nVal === 0 || nTest + nVal >= n) {
    throw new TesseraError(`${op}: ${n} names with validationFraction ${fVal} and testFraction ${fTest} leave an empty split (test ${nTest}, validation ${nVal}, train ${n - nTest - nVal})`);
  }
  new Random(seed).shuffle(names);
  return { test: names.slice(0, nTest), validation: names.slice(nTest, nTest + nVal), train: names.slice(nTest + nVal) };
}
