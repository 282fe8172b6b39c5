// `generate`: samples from a model directory written by training (and `loadSaved`, which `evaluate` shares).

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Random } from '@tessera/core';
import { Tokenizer } from '@tessera/datasets';
import { loadModel, type Model } from '@tessera/models';
import type { GenerateOptions } from './args.js';
import { makeStepper, sampleIds, startIds } from './generate.js';
import { lmParts, type LmParts } from './models.js';
import { INFO_FILE, VOCAB_FILE, bannedIds, selectBackend, type TaskInfo } from './train.js';

async function readJson(file: string, what: string, command: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${command}: ${code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file}: ${(e as Error).message}`} — --model-dir must be a model directory written by training (it holds model.json, ${VOCAB_FILE} and ${INFO_FILE}); ${what}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${command}: ${file} is not valid JSON (${(e as Error).message})`);
  }
}

function checkInfo(json: unknown, file: string, command: string): TaskInfo {
  const i = json as Partial<TaskInfo> | null;
  if (!i || i.format !== 'tessera-text-generator' || i.version !== 1 || (i.data !== 'names' && i.data !== 'brown') || (i.model !== 'lstm' && i.model !== 'transformer') || typeof i.startToken !== 'string' || typeof i.stopToken !== 'string') {
    throw new Error(`${command}: ${file} is not a text-generator task file (format 'tessera-text-generator', version 1, data, model, startToken, stopToken)`);
  }
  return i as TaskInfo;
}

export interface SavedModel {
  info: TaskInfo;
  tokenizer: Tokenizer;
  model: Model;
  parts: LmParts;
}

/** Loads a model directory written by training, checking that its vocabulary belongs to the model. The caller disposes `model`. */
export async function loadSaved(modelDir: string, command: string, backend: GenerateOptions['backend']): Promise<SavedModel> {
  const dirInfo = await stat(modelDir).catch(() => null);
  if (!dirInfo?.isDirectory()) throw new Error(`${command}: --model-dir ${modelDir} is not a directory; give the model directory written by training (e.g. out/names-lstm/model)`);
  const info = checkInfo(await readJson(join(modelDir, INFO_FILE), 'it says which task the model is for', command), join(modelDir, INFO_FILE), command);
  const tokenizer = Tokenizer.fromJSON(await readJson(join(modelDir, VOCAB_FILE), 'the vocabulary turns ids into text', command));
  await selectBackend(backend);
  const model = await loadModel(modelDir);
  try {
    const parts = lmParts(model, command);
    const units = parts.logits.units;
    if (parts.vocabSize !== tokenizer.size || units !== tokenizer.size) {
      throw new Error(`${command}: the vocabulary in ${join(modelDir, VOCAB_FILE)} has ${tokenizer.size} tokens, but the model's embedding takes ${parts.vocabSize} ids and its output layer '${parts.logits.name}' scores ${units}; the vocabulary file does not belong to this model`);
    }
    return { info, tokenizer, model, parts };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Prints `count` samples from a saved model; returns them. */
export async function generate(o: GenerateOptions, log: (s: string) => void = console.log): Promise<string[]> {
  const { info, tokenizer, model: m, parts } = await loadSaved(o.modelDir, 'generate', o.backend);
  try {
    if (o.topK !== undefined && o.topK > tokenizer.size) throw new Error(`generate: --top-k ${o.topK} is more than the vocabulary's ${tokenizer.size} tokens`);
    const start = startIds(tokenizer, info.startToken, o.prompt);
    const stepper = makeStepper(parts);
    try {
      const defaultLength = 30;
      const maxLength = o.maxLength ?? (Number.isFinite(stepper.context) ? stepper.context - start.length + 1 : defaultLength);
      if (start.length > stepper.context) throw new Error(`generate: the prompt has ${start.length - 1} tokens; with the start token that is more than the transformer's context of ${stepper.context}`);
      const rows = await sampleIds(stepper, {
        count: o.count, start, maxLength, temperature: o.temperature, topK: o.topK, topP: o.topP, rng: new Random(o.seed),
        stopId: tokenizer.idOf(info.stopToken), banned: bannedIds(tokenizer, info),
      });
      const texts = rows.map((ids) => tokenizer.decode([...start.subarray(1), ...ids]));
      texts.forEach((t) => log(t));
      return texts;
    } finally {
      stepper.dispose();
    }
  } finally {
    m.dispose();
  }
}
