import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { tensor, tidy } from '@tessera/core';
import { loadModel } from '@tessera/models';
import type { PredictOptions } from './args.js';
import { needsImageInput, toMnistInput } from '@tessera/zoo';
import { decodeImage } from './image.js';
import { selectBackend } from './train.js';

export interface Prediction {
  file: string;
  digit: number;
  probabilities: number[];
}

/** Classifies digit images with a model saved by training. */
export async function predict(o: PredictOptions, log: (s: string) => void = console.log): Promise<Prediction[]> {
  await selectBackend(o.backend);
  const model = await loadModel(o.modelDir);
  const image = needsImageInput(model);
  const out: Prediction[] = [];
  try {
    for (const file of o.images) {
      const img = decodeImage(new Uint8Array(await readFile(file)), basename(file));
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
