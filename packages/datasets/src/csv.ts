import { TesseraError } from '@tessera/core';
import type { LabeledArrays } from './arrays.js';

export type CsvColumnType = 'float32' | 'int32' | 'string' | 'bool';

/** The array each column type is parsed into (bool as 0/1 bytes). */
export interface CsvColumnArrays {
  float32: Float32Array;
  int32: Int32Array;
  string: string[];
  bool: Uint8Array;
}

export interface CsvOptions<C extends Record<string, CsvColumnType>> {
  /**
   * The columns to parse and their types. With a header, columns are found by name and other
   * columns are ignored; without one, they are the file's columns in order and must be all of them.
   */
  columns: C;
  /** The first record names the columns (default true). */
  header?: boolean;
  /** One character (default ','). Fields may be quoted with " ("" inside quotes is a quote). */
  delimiter?: string;
  /**
   * The column to predict: the result then also has `labeled`, with the other numeric and bool
   * columns as float32 features.
   */
  labelColumn?: keyof C & string;
  /** For a string label column: the class names in index order (default: the sorted distinct values). */
  classes?: readonly string[];
  /** The value of an empty float32/int32 field (e.g. NaN); by default an empty number is an error. */
  missingValue?: number;
}

export interface CsvLabeled extends LabeledArrays<Float32Array, Float32Array | Int32Array> {
  featureNames: string[];
  labelName: string;
  /** For a string label column: the class of each label index. */
  classes?: string[];
}

export interface CsvResult<C extends Record<string, CsvColumnType>> {
  columns: { [K in keyof C]: CsvColumnArrays[C[K]] };
  numRows: number;
  /** Column names in the order of `options.columns`. */
  names: (keyof C & string)[];
  /** Features and labels, when `labelColumn` was given. */
  labeled?: CsvLabeled;
}

interface CsvRecord {
  fields: string[];
  line: number;
}

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT_SPECIAL_RE = /^([+-]?(inf|infinity)|nan)$/i;
const INT_RE = /^[+-]?\d+$/;
const TYPES: readonly CsvColumnType[] = ['float32', 'int32', 'string', 'bool'];

/** Splits CSV text into records (RFC 4180 quoting, \n, \r\n or \r line ends); blank lines are skipped. */
export function tokenizeCsv(text: string, delimiter = ','): CsvRecord[] {
  if (typeof text !== 'string') throw new TesseraError(`parseCsv: expected the CSV text as a string, got ${typeof text}`);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new TesseraError(`parseCsv: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let recordLine = 1;
  let field = '';
  let quotedField = false;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !quotedField)) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    quotedField = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '' && !quotedField) {
      quotedField = true;
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new TesseraError(`parseCsv: line ${start}: quoted field is never closed`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new TesseraError(`parseCsv: line ${line}: unexpected ${JSON.stringify(next)} after a closing quote, expected the delimiter or the end of the line`);
      }
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = '';
      quotedField = false;
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
}

/**
 * Parses CSV text into typed columns. Bad values raise errors naming the line, the data row and
 * the column: numbers must be plain decimals (float32 also takes inf/nan), int32 values whole and
 * in range, bools true/false/1/0/yes/no (any case).
 */
export function parseCsv<C extends Record<string, CsvColumnType>>(text: string, options: CsvOptions<C>): CsvResult<C> {
  if (!options || typeof options.columns !== 'object' || options.columns === null) {
    throw new TesseraError("parseCsv: options.columns must map column names to 'float32', 'int32', 'string' or 'bool'");
  }
  const names = Object.keys(options.columns) as (keyof C & string)[];
  if (names.length === 0) throw new TesseraError('parseCsv: options.columns names no column');
  for (const name of names) {
    if (!TYPES.includes(options.columns[name]!)) {
      throw new TesseraError(`parseCsv: column '${name}' has type ${JSON.stringify(options.columns[name])}, expected one of ${TYPES.join(', ')}`);
    }
  }
  const header = options.header ?? true;
  const records = tokenizeCsv(text, options.delimiter ?? ',');
  let width: number;
  let indexOf: number[];
  let rows: CsvRecord[];
  if (header) {
    if (records.length === 0) throw new TesseraError('parseCsv: the text is empty, expected a header line');
    const head = records[0]!.fields.map((h) => h.trim());
    width = head.length;
    indexOf = names.map((name) => {
      const at = head.indexOf(name);
      if (at < 0) throw new TesseraError(`parseCsv: column '${name}' is not in the header (it has: ${head.join(', ')})`);
      if (head.indexOf(name, at + 1) >= 0) throw new TesseraError(`parseCsv: the header names column '${name}' more than once`);
      return at;
    });
    rows = records.slice(1);
  } else {
    width = names.length;
    indexOf = names.map((_, i) => i);
    rows = records;
  }
  const n = rows.length;
  rows.forEach((r, k) => {
    if (r.fields.length !== width) {
      throw new TesseraError(
        `parseCsv: line ${r.line} (data row ${k + 1}) has ${r.fields.length} fields, expected ${width} ${header ? 'as in the header' : 'as in options.columns'}`,
      );
    }
  });
  const columns = {} as { [K in keyof C]: CsvColumnArrays[C[K]] };
  names.forEach((name, c) => {
    const type = options.columns[name]!;
    const at = indexOf[c]!;
    const where = (k: number): string => `line ${rows[k]!.line} (data row ${k + 1}), column '${name}'`;
    let out: Float32Array | Int32Array | Uint8Array | string[];
    if (type === 'string') out = rows.map((r) => r.fields[at]!);
    else {
      const arr = type === 'float32' ? new Float32Array(n) : type === 'int32' ? new Int32Array(n) : new Uint8Array(n);
      for (let k = 0; k < n; k++) arr[k] = parseValue(rows[k]!.fields[at]!, type, options.missingValue, where(k));
      out = arr;
    }
    (columns as Record<string, unknown>)[name] = out;
  });
  const result: CsvResult<C> = { columns, numRows: n, names };
  if (options.labelColumn !== undefined) result.labeled = labeledFrom(columns, names, options, n);
  return result;
}

function parseValue(raw: string, type: Exclude<CsvColumnType, 'string'>, missing: number | undefined, where: string): number {
  const s = raw.trim();
  if (s === '') {
    if (type !== 'bool' && missing !== undefined) {
      if (type === 'int32' && !Number.isInteger(missing)) throw new TesseraError(`parseCsv: missingValue ${missing} is not an int32, needed for ${where}`);
      return missing;
    }
    throw new TesseraError(`parseCsv: ${where}: empty value, expected ${type === 'bool' ? 'a bool' : `a ${type} number`}`);
  }
  if (type === 'float32') {
    if (FLOAT_RE.test(s)) return Number(s);
    if (FLOAT_SPECIAL_RE.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
    throw new TesseraError(`parseCsv: ${where}: '${raw}' is not a float32 number`);
  }
  if (type === 'int32') {
    const v = INT_RE.test(s) ? Number(s) : NaN;
    if (!Number.isInteger(v)) throw new TesseraError(`parseCsv: ${where}: '${raw}' is not an int32 (expected a whole number)`);
    if (v < -2147483648 || v > 2147483647) throw new TesseraError(`parseCsv: ${where}: ${s} is outside the int32 range`);
    return v;
  }
  const b = s.toLowerCase();
  if (b === 'true' || b === '1' || b === 'yes') return 1;
  if (b === 'false' || b === '0' || b === 'no') return 0;
  throw new TesseraError(`parseCsv: ${where}: '${raw}' is not a bool (expected true/false, 1/0 or yes/no)`);
}

function labeledFrom<C extends Record<string, CsvColumnType>>(
  columns: Record<string, Float32Array | Int32Array | Uint8Array | string[]>,
  names: string[],
  options: CsvOptions<C>,
  n: number,
): CsvLabeled {
  const labelName = options.labelColumn!;
  if (!names.includes(labelName)) throw new TesseraError(`parseCsv: labelColumn '${labelName}' is not one of options.columns (${names.join(', ')})`);
  const featureNames = names.filter((name) => name !== labelName && options.columns[name] !== 'string');
  const f = featureNames.length;
  const xs = new Float32Array(n * f);
  featureNames.forEach((name, j) => {
    const col = columns[name] as Float32Array | Int32Array | Uint8Array;
    for (let k = 0; k < n; k++) xs[k * f + j] = col[k]!;
  });
  const labelCol = columns[labelName]!;
  let ys: Float32Array | Int32Array;
  let classes: string[] | undefined;
  if (Array.isArray(labelCol)) {
    classes = options.classes ? [...options.classes] : [...new Set(labelCol)].sort();
    const index = new Map(classes.map((c, i) => [c, i]));
    ys = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const i = index.get(labelCol[k]!);
      if (i === undefined) throw new TesseraError(`parseCsv: data row ${k + 1}, column '${labelName}': '${labelCol[k]}' is not one of options.classes (${classes.join(', ')})`);
      ys[k] = i;
    }
  } else ys = labelCol instanceof Float32Array ? labelCol.slice() : Int32Array.from(labelCol);
  const labeled: CsvLabeled = { xs, xsShape: [n, f], ys, ysShape: [n], featureNames, labelName };
  if (classes) labeled.classes = classes;
  return labeled;
}
