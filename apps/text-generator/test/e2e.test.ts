import '@tessera/backend-cpu';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, generate, parseArgs, train, type GenerateOptions, type TrainOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trainArgs = (model: string, out: string): TrainOptions => ({
  ...(parseArgs(['--model', model, '--limit', '40', '--epochs', '1', '--batch-size', '16', '--embedding-dim', '8', '--units', '16', '--heads', '2', '--samples', '3', '--backend', 'cpu', '--seed', '3']) as TrainOptions),
  out,
  verbose: 0,
});
const generateArgs = (modelDir: string, more: string[] = []): GenerateOptions =>
  parseArgs(['generate', '--model-dir', modelDir, '--count', '5', '--seed', '9', '--backend', 'cpu', ...more]) as GenerateOptions;

describe('text generator end to end (a few dozen names, one epoch)', () => {
  it('trains the LSTM, writes the report, model and vocabulary, and generates the same text for the same seed', async () => {
    const before = memory().numTensors;
    const lines: string[] = [];
    const r = await train(trainArgs('lstm', join(dir, 'lstm')), (s) => lines.push(s));
    expect(memory().numTensors).toBe(before);
    expect(r.history['ppl']).toHaveLength(1);
    expect(r.history['val_ppl']![0]).toBeCloseTo(Math.exp(r.history['val_loss']![0]!), 4);
    expect(r.validation.tokens).toBe(5845); // every validation target, padding left out (docs/datasets.md)
    expect(r.test.tokens).toBe(5933);
    expect(r.samples).toHaveLength(1);
    expect(r.samples[0]).toHaveLength(3);
    expect(lines.at(-2)).toMatch(/^test: \d\.\d{4} nats\/char, perplexity \d+\.\d\d \(bigram \d\.\d{4}/);
    for (const f of ['report.html', 'history.json', 'model/model.json', 'model/vocab.json', 'model/text-generator.json']) expect(existsSync(join(r.outDir, f)), f).toBe(true);
    const html = readFileSync(join(r.outDir, 'report.html'), 'utf8');
    expect(html).toContain('<polyline');
    expect(html).toContain('bigram, validation');
    expect(html).toContain('Embedding, first two principal components');
    expect(html).toContain('<th>epoch 1</th>');
    // Every character of the 40 names is a labelled point.
    expect(JSON.parse(readFileSync(join(r.modelDir, 'vocab.json'), 'utf8'))).toMatchObject({ format: 'tessera-tokenizer', level: 'char' });

    // evaluate scores the saved model as training did.
    const scored = await evaluate({ command: 'evaluate', modelDir: r.modelDir, backend: 'cpu' }, () => {});
    expect(scored.test.crossEntropy).toBeCloseTo(r.test.crossEntropy, 5);
    expect(scored.validation.tokens).toBe(5845);

    const out1: string[] = [];
    const a = await generate(generateArgs(r.modelDir), (s) => out1.push(s));
    const b = await generate(generateArgs(r.modelDir), () => {});
    expect(a).toHaveLength(5);
    expect(b).toEqual(a);
    expect(out1).toEqual(a);
    expect(await generate(generateArgs(r.modelDir, ['--seed', '10']), () => {})).not.toEqual(a);
    const prompted = await generate(generateArgs(r.modelDir, ['--prompt', 'Ma', '--top-k', '3', '--temperature', '0.8']), () => {});
    prompted.forEach((s) => expect(s.startsWith('ma')).toBe(true));
    expect(memory().numTensors).toBe(before);

    // Bad prompts and model directories say what is wrong.
    await expect(generate(generateArgs(r.modelDir, ['--prompt', 'ma7 x']), () => {})).rejects.toThrow(
      /generate: the prompt "ma7 x" has characters the model never saw — 2 characters outside the vocabulary of \d+ tokens: "7", " "/,
    );
    await expect(generate(generateArgs(r.modelDir, ['--prompt', '<eos>']), () => {})).rejects.toThrow(/generate: the prompt "<eos>" has characters the model never saw/);
    await expect(generate(generateArgs(r.outDir), () => {})).rejects.toThrow(/text-generator.json does not exist — --model-dir must be a model directory written by training/);
    const wrong = join(dir, 'wrong-vocab');
    cpSync(r.modelDir, wrong, { recursive: true });
    const vocab = JSON.parse(readFileSync(join(wrong, 'vocab.json'), 'utf8')) as { vocabulary: string[] };
    vocab.vocabulary.pop();
    writeFileSync(join(wrong, 'vocab.json'), JSON.stringify(vocab));
    await expect(generate(generateArgs(wrong), () => {})).rejects.toThrow(/the vocabulary in .* has (\d+) tokens, but the model's embedding takes \d+ ids and its output layer 'logits' scores \d+; the vocabulary file does not belong to this model/);
    expect(memory().numTensors).toBe(before);
  });

  it('trains the transformer and generates with its key/value cache, reproducibly', async () => {
    const before = memory().numTensors;
    const r = await train(trainArgs('transformer', join(dir, 'transformer')), () => {});
    expect(r.test.tokens).toBe(5933);
    expect((await evaluate({ command: 'evaluate', modelDir: r.modelDir, backend: 'cpu' }, () => {})).test.crossEntropy).toBeCloseTo(r.test.crossEntropy, 5);
    const a = await generate(generateArgs(r.modelDir, ['--top-p', '0.9']), () => {});
    expect(await generate(generateArgs(r.modelDir, ['--top-p', '0.9']), () => {})).toEqual(a);
    // <bos>, the prompt and what is generated must fit in its positions (the longest name + 1).
    await expect(generate(generateArgs(r.modelDir, ['--prompt', 'a'.repeat(r.hyperparameters.seqLength)]), () => {})).rejects.toThrow(
      `the prompt has ${r.hyperparameters.seqLength} tokens; with the start token that is more than the transformer's context of ${r.hyperparameters.seqLength}`,
    );
    expect(memory().numTensors).toBe(before);
  });
});
