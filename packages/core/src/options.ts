import { TesseraError } from './errors.js';

/** Edit distance (insertions, deletions, substitutions) between two short names. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

const folded = (name: string): string => name.replace(/[_-]/g, '').toLowerCase();

/** The known name closest to `name` (snake_case and case differences count as none), if any is close. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const exact = known.find((k) => folded(k) === folded(name));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(folded(name), folded(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Options objects from JavaScript are checked at run time: an option the receiver does not know
 * (a typo, snake_case, an option of another layer or framework) is an error naming it and the
 * closest known option, never silently ignored. `owner` is what the message starts with.
 */
export function checkOptions(owner: string, options: object | null | undefined, known: readonly string[]): void {
  if (options === null || options === undefined) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    throw new TesseraError(
      `${owner}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; known options: ${[...known].sort().join(', ')}`,
    );
  }
}
