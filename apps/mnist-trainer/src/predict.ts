import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { tensor, tidy } from '@tessera/core';
import { loadModel, type Sequential } from '@tessera/models';
import type { PredictOptions } from './args.js';
import { needsImageInput, toMnistInput } from '@tessera/zoo';
import { decodeImage } from './image.js';
import { selectBackend } from './train.js';

export interface Prediction {
  file: string;
  digit: number;
  probabilities: number[];
}

/** The bytes of an image file, with errors that name the file and say what is wrong. */
async function readImageFile(file: string): Promise<Uint8Array> {
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === 'ENOENT' ? `predict: ${file} does not exist` : `predict: cannot read ${file}: ${e.message}`);
  });
  if (info.isDirectory()) throw new Error(`predict: ${file} is a directory; pass image files (PNG or PGM), e.g. ${file}/*.png`);
  if (info.size > 256 * 2 ** 20) throw new Error(`predict: ${file} is ${(info.size / 2 ** 20).toFixed(0)} MiB, too large for a digit image (at most 256 MiB)`);
  return new Uint8Array(await readFile(file));
}

/** Classifies digit images with a model saved by training. */
export async function predict(o: PredictOptions, log: (s: string) => void = console.log): Promise<Prediction[]> {
  await selectBackend(o.backend);
  const model = await loadModel<Sequential>(o.modelDir);
  const image = needsImageInput(model);
  const out: Prediction[] = [];
  try {
    for (const file of o.images) {
      const img = decodeImage(await readImageFile(file), basename(file));
      const x = toMnistInput(img);
      const probsT = tidy(() => model.predict(tensor(x, image ? [1, 28, 28, 1] : [1, 784])));
      const probabilities = Array.from(await probsT.data());
      probsT.dispose();
      const digit = probabilities.indexOf(Math.max(...probabilities));
      out.push({ file, digit, probabilities });
      const top = probabilities.map((p, d) => [d, p] as const).sort((a, b) => b[1] - a[1]).slice(0, 3);
      log(`${file}: ${digit}  (${top.map(([d, p]) => `${d}: ${(100 * p).toFixed(1)}%`).join(', ')})`);
    }
  } finally {
    model.dispose();
  }
  return out;
}
