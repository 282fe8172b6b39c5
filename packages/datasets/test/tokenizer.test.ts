import { describe, expect, it } from 'vitest';
import { PAD_TOKEN, Tokenizer, UNK_TOKEN, type TokenizerJSON } from '../src/index.js';

describe('Tokenizer at character level', () => {
  const names = ['anna', 'bob', 'ann'];

  it('puts <pad>, <unk> and the reserved tokens first, then characters by count (ties in code-unit order)', () => {
    const tok = Tokenizer.fit(names, { level: 'char', reserved: ['<bos>', '<eos>'] });
    // counts: n 4, a 3, b 2, o 1
    expect(tok.vocabulary).toEqual([PAD_TOKEN, UNK_TOKEN, '<bos>', '<eos>', 'n', 'a', 'b', 'o']);
    expect(tok.size).toBe(8);
    expect([tok.padId, tok.unkId]).toEqual([0, 1]);
    expect(Tokenizer.fit(['ba', 'c'], { level: 'char' }).vocabulary).toEqual(['<pad>', '<unk>', 'a', 'b', 'c']);
  });

  it('keeps at most maxTokens ids and only tokens seen minCount times', () => {
    expect(Tokenizer.fit(names, { level: 'char', maxTokens: 4 }).vocabulary).toEqual(['<pad>', '<unk>', 'n', 'a']);
    expect(Tokenizer.fit(names, { level: 'char', minCount: 2 }).vocabulary).toEqual(['<pad>', '<unk>', 'n', 'a', 'b']);
    expect(Tokenizer.fit(names, { level: 'char', maxTokens: 2 }).vocabulary).toEqual(['<pad>', '<unk>']);
  });

  it('encodes code points, maps unseen ones to <unk> or names them, and decodes without padding', () => {
    const tok = Tokenizer.fit(names, { level: 'char', reserved: ['<eos>'] });
    const ids = tok.encode('nab');
    expect(ids).toBeInstanceOf(Int32Array);
    expect([...ids]).toEqual([3, 4, 5]);
    expect([...tok.encode('naz')]).toEqual([3, 4, 1]);
    expect(tok.decode([3, 4, 5, 0, 0])).toBe('nab');
    expect(tok.decodeTokens([3, 2, 0])).toEqual(['n', '<eos>', '<pad>']);
    expect([...tok.encode(['n', '<eos>'])]).toEqual([3, 2]);
    expect(() => tok.encode('zanyx', { onUnknown: 'error' })).toThrow(
      'Tokenizer.encode: 3 characters outside the vocabulary of 7 tokens: "z", "y", "x"',
    );
    expect(tok.idOf('q')).toBe(1);
    expect(tok.has('n')).toBe(true);
    expect(tok.tokenOf(6)).toBe('o');
    expect(Tokenizer.fit(['😀😀a'], { level: 'char' }).vocabulary).toEqual(['<pad>', '<unk>', '😀', 'a']);
  });

  it('lowercases input when asked', () => {
    const tok = Tokenizer.fit(['Anna', 'BOB'], { level: 'char', lowercase: true });
    expect(tok.vocabulary).not.toContain('A');
    expect(tok.decode(tok.encode('BaN'))).toBe('ban');
    expect(tok.split('AB')).toEqual(['a', 'b']);
  });
});

describe('Tokenizer at word level', () => {
  it('splits texts on whitespace and takes arrays of tokens as they are', () => {
    const tok = Tokenizer.fit(['the cat sat', ['the', 'dog', ',', 'the', 'end']], { level: 'word', reserved: ['<eos>'] });
    expect(tok.vocabulary).toEqual(['<pad>', '<unk>', '<eos>', 'the', ',', 'cat', 'dog', 'end', 'sat']);
    expect([...tok.encode('the  bird\tsat\n')]).toEqual([3, 1, 8]);
    expect(tok.decode(tok.encode(['the', 'cat', '<eos>']))).toBe('the cat <eos>');
    expect(tok.split(' a  b ')).toEqual(['a', 'b']);
    expect(() => tok.encode('the bird', { onUnknown: 'error' })).toThrow('Tokenizer.encode: 1 word outside the vocabulary of 9 tokens: "bird"');
  });

  it('does not count reserved tokens or <unk> in the text, so they keep their ids', () => {
    const tok = Tokenizer.fit([['<eos>', '<eos>', 'a', '<unk>']], { level: 'word', reserved: ['<eos>'] });
    expect(tok.vocabulary).toEqual(['<pad>', '<unk>', '<eos>', 'a']);
  });
});

describe('Tokenizer JSON', () => {
  it('round-trips through JSON text with the same ids', () => {
    const tok = Tokenizer.fit(['Hello world', 'hello there'], { level: 'word', lowercase: true, reserved: ['<eos>'] });
    const json = JSON.parse(JSON.stringify(tok)) as TokenizerJSON;
    expect(json).toEqual({ format: 'tessera-tokenizer', version: 1, level: 'word', lowercase: true, reserved: ['<eos>'], vocabulary: ['<pad>', '<unk>', '<eos>', 'hello', 'there', 'world'] });
    const back = Tokenizer.fromJSON(json);
    expect(back.vocabulary).toEqual(tok.vocabulary);
    expect([...back.encode('HELLO there you')]).toEqual([...tok.encode('HELLO there you')]);
    expect(Tokenizer.fromJSON(JSON.stringify(tok)).size).toBe(6);
  });

  it('rejects a damaged or foreign file, naming what is wrong', () => {
    const good = Tokenizer.fit(['ab'], { level: 'char', reserved: ['<eos>'] }).toJSON();
    const bad = (patch: object): unknown => ({ ...good, ...patch });
    expect(() => Tokenizer.fromJSON('{oops')).toThrow('Tokenizer.fromJSON: the text is not JSON');
    expect(() => Tokenizer.fromJSON(bad({ format: 'keras' }))).toThrow('Tokenizer.fromJSON: format is "keras", expected "tessera-tokenizer"');
    expect(() => Tokenizer.fromJSON(bad({ version: 2 }))).toThrow('Tokenizer.fromJSON: version 2 is not supported');
    expect(() => Tokenizer.fromJSON(bad({ level: 'byte' }))).toThrow("Tokenizer.fromJSON: level must be 'char' or 'word', got \"byte\"");
    expect(() => Tokenizer.fromJSON(bad({ vocab: [] }))).toThrow("Tokenizer.fromJSON: unknown option 'vocab'");
    expect(() => Tokenizer.fromJSON(bad({ vocabulary: ['<pad>', '<unk>', 'a', 'b'] }))).toThrow(
      'Tokenizer.fromJSON: vocabulary[2] is "a", expected "<eos>" (<pad>, <unk>, then the reserved tokens)',
    );
    expect(() => Tokenizer.fromJSON(bad({ vocabulary: ['<pad>', '<unk>', '<eos>', 'a', 'a'] }))).toThrow('Tokenizer.fromJSON: vocabulary[4] "a" appears twice');
    expect(() => Tokenizer.fromJSON(bad({ vocabulary: ['<pad>', '<unk>', '<eos>', 'ab'] }))).toThrow('Tokenizer.fromJSON: vocabulary[3] "ab" is not a single character');
    expect(() => Tokenizer.fromJSON(bad({ lowercase: true, vocabulary: ['<pad>', '<unk>', '<eos>', 'A'] }))).toThrow(
      'Tokenizer.fromJSON: vocabulary[3] "A" has capitals but the tokenizer lowercases',
    );
    expect(() => Tokenizer.fromJSON(null)).toThrow('Tokenizer.fromJSON: expected a tokenizer object, got null');
  });
});

describe('Tokenizer errors', () => {
  it('names bad options and inputs', () => {
    expect(() => Tokenizer.fit(['a'], { level: 'char', maxToken: 3 } as never)).toThrow("Tokenizer.fit: unknown option 'maxToken' (did you mean 'maxTokens'?)");
    expect(() => Tokenizer.fit(['a'], { level: 'chars' } as never)).toThrow("Tokenizer.fit: level must be 'char' or 'word', got \"chars\"");
    expect(() => Tokenizer.fit(['a'], { level: 'char', reserved: ['<eos>'], maxTokens: 2 })).toThrow(
      'Tokenizer.fit: maxTokens must be an integer >= 3 (<pad>, <unk> and 1 reserved tokens), got 2',
    );
    expect(() => Tokenizer.fit(['a'], { level: 'char', minCount: 0 })).toThrow('Tokenizer.fit: minCount must be an integer >= 1, got 0');
    expect(() => Tokenizer.fit(['a'], { level: 'char', reserved: ['<unk>'] })).toThrow('Tokenizer.fit: reserved token "<unk>" is given twice or is <pad>/<unk>');
    expect(() => Tokenizer.fit(['a'], { level: 'char', lowercase: true, reserved: ['<EOS>'] })).toThrow('Tokenizer.fit: reserved token "<EOS>" has capitals');
    expect(() => Tokenizer.fit('abc' as never, { level: 'char' })).toThrow('Tokenizer.fit: corpus must be an iterable of texts or token arrays, got a string');
    expect(() => Tokenizer.fit([['a', 3]] as never, { level: 'word' })).toThrow('Tokenizer.fit: token 1 of item 0 is 3, expected a non-empty string');
    const tok = Tokenizer.fit(['ab'], { level: 'char' });
    expect(() => tok.decode([0, 4])).toThrow('Tokenizer.decode: id 4 at position 1 is not in [0, 4) (the vocabulary has 4 tokens)');
    expect(() => tok.encode('a', { onUnknown: 'skip' } as never)).toThrow("Tokenizer.encode: onUnknown must be 'unk' or 'error', got \"skip\"");
  });
});
