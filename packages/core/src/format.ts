import type { DataType, TypedArray } from './dtypes.js';
import { sizeFromShape } from './shape.js';

const EDGE = 3;
const SUMMARISE_OVER = 1000;

function fmtNumber(v: number, dtype: DataType): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e8)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

/** NumPy-like text: nested brackets, columns aligned, long axes summarised with '...'. */
export function formatTensor(values: TypedArray, shape: readonly number[], dtype: DataType): string {
  const size = sizeFromShape(shape);
  const summarise = size > SUMMARISE_OVER;
  if (shape.length === 0) return fmtNumber(values[0]!, dtype);
  const strs = new Map<number, string>();
  let width = 0;
  const indices = (n: number): (number | null)[] => {
    if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
    return [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
  };
  const collect = (dim: number, offset: number): void => {
    const stride = sizeFromShape(shape.slice(dim + 1));
    for (const i of indices(shape[dim]!)) {
      if (i === null) continue;
      if (dim === shape.length - 1) {
        const s = fmtNumber(values[offset + i]!, dtype);
        strs.set(offset + i, s);
        width = Math.max(width, s.length);
      } else collect(dim + 1, offset + i * stride);
    }
  };
  collect(0, 0);
  const render = (dim: number, offset: number, indent: string): string => {
    const stride = sizeFromShape(shape.slice(dim + 1));
    const parts: string[] = [];
    for (const i of indices(shape[dim]!)) {
      if (i === null) parts.push('...');
      else if (dim === shape.length - 1) parts.push(strs.get(offset + i)!.padStart(width));
      else parts.push(render(dim + 1, offset + i * stride, indent + ' '));
    }
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - 1 - dim) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  return render(0, 0, '');
}
