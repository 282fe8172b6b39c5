import { describe, expect, it } from 'vitest';
import { parseArgs, type GenerateOptions, type TrainOptions } from '../src/index.js';

describe('parseArgs', () => {
  it('train is the default command, with the documented defaults', () => {
    const o = parseArgs([]) as TrainOptions;
    expect(o).toMatchObject({ command: 'train', data: 'names', model: 'lstm', seed: 1, vocab: 10000, samples: 8, threads: 1, verbose: 1 });
    expect(o.epochs).toBeUndefined();
    expect(o.limit).toBeUndefined();
    expect(parseArgs(['--', 'train', '--quiet'])).toMatchObject({ command: 'train', verbose: 2 });
  });

  it('reads every train option, in both --flag value and --flag=value forms', () => {
    const o = parseArgs([
      '--data', 'brown', '--model=transformer', '--epochs', '3', '--batch-size', '16', '--lr', '0.002', '--embedding-dim', '64', '--units=128', '--layers', '2',
      '--heads', '4', '--dropout', '0.2', '--seq-length', '32', '--vocab', '5000', '--seed', '7', '--out', 'x', '--backend', 'cpu', '--threads', '2', '--limit', '100', '--samples', '0',
    ]) as TrainOptions;
    expect(o).toMatchObject({
      data: 'brown', model: 'transformer', epochs: 3, batchSize: 16, lr: 0.002, embeddingDim: 64, units: 128, layers: 2, heads: 4, dropout: 0.2, seqLength: 32, vocab: 5000,
      seed: 7, out: 'x', backend: 'cpu', threads: 2, limit: 100, samples: 0,
    });
  });

  it('reads generate options', () => {
    const o = parseArgs(['generate', '--model-dir', 'd', '--temperature', '0.5', '--top-k', '5', '--top-p', '0.9', '--prompt', 'ma', '--count', '3', '--seed', '2', '--max-length', '12']) as GenerateOptions;
    expect(o).toEqual({ command: 'generate', modelDir: 'd', temperature: 0.5, topK: 5, topP: 0.9, prompt: 'ma', count: 3, seed: 2, maxLength: 12, backend: undefined });
    expect(parseArgs(['generate', '--model-dir', 'd'])).toMatchObject({ temperature: 1, count: 10, seed: 1, prompt: '', topK: undefined, topP: undefined });
  });

  it('reads evaluate options', () => {
    expect(parseArgs(['evaluate', '--model-dir', 'd', '--backend', 'cpu'])).toEqual({ command: 'evaluate', modelDir: 'd', backend: 'cpu' });
    expect(() => parseArgs(['evaluate'])).toThrow(/evaluate needs --model-dir DIR/);
    expect(() => parseArgs(['evaluate', '--model-dir', 'd', '--seed', '1'])).toThrow(/evaluate: Unknown option '--seed'/);
  });

  it('help', () => {
    for (const a of [['--help'], ['-h'], ['help'], ['generate', '--help']]) expect(parseArgs(a)).toEqual({ command: 'help' });
  });

  it('names what is wrong, with the usage', () => {
    const bad: [string[], RegExp][] = [
      [['--data', 'ptb'], /--data must be one of names, brown, got 'ptb'/],
      [['--model', 'gru'], /--model must be one of lstm, transformer, got 'gru'/],
      [['--epochs', '0'], /--epochs must be an integer >= 1, got '0'/],
      [['--epochs', '2.5'], /--epochs must be an integer >= 1, got '2.5'/],
      [['--lr', 'fast'], /--lr must be a number >= 0, got 'fast'/],
      [['--lr', '0'], /--lr must be > 0, got '0'/],
      [['--dropout', '1'], /--dropout must be in \[0, 1\), got '1'/],
      [['--backend', 'webgpu'], /--backend must be one of cpu, wasm, got 'webgpu'/],
      [['--vocab', '3'], /--vocab must be an integer >= 4, got '3'/],
      [['--colour', 'red'], /train: Unknown option '--colour'/],
      [['--epoch', '3'], /train: Unknown option '--epoch' \(did you mean --epochs\?\)/],
      [['--batch_size=8'], /train: Unknown option '--batch_size' \(did you mean --batch-size\?\)/],
      [['--epochs'], /train: Option '--epochs <value>' argument missing/],
      [['stray'], /train: unexpected argument 'stray'/],
      [['generate'], /generate needs --model-dir DIR/],
      [['generate', '--model-dir', 'd', '--top-p', '0'], /--top-p must be in \(0, 1\], got '0'/],
      [['generate', '--model-dir', 'd', '--top-p', '1.5'], /--top-p must be a number in \[0, 1\], got '1.5'/],
      [['generate', '--model-dir', 'd', '--temperature=-1'], /--temperature must be a number >= 0, got '-1'/],
      [['generate', '--model-dir', 'd', '--epochs', '3'], /generate: Unknown option '--epochs'/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(message);
      expect(() => parseArgs(argv)).toThrow(/Usage:\n {2}text-generator \[train\]/);
    }
  });
});
