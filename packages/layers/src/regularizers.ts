import { TesseraError, abs, add, mul, square, sum, tidy, type Tensor } from '@tessera/core';
import { checkNumber, describeValue, isPlainObject, normalizeName } from './util.js';

export interface SerializedRegularizer {
  className: string;
  config: Record<string, unknown>;
}

/** A penalty on a weight, added to the training loss. Computed with ops, so it is differentiable. */
export abstract class Regularizer {
  abstract readonly className: string;
  /** A scalar tensor. */
  abstract penalty(x: Tensor): Tensor;
  abstract getConfig(): Record<string, unknown>;
}

export type RegularizerIdentifier = string | SerializedRegularizer | Regularizer;

/** l1·Σ|x| + l2·Σx². */
export class L1L2 extends Regularizer {
  readonly className = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor({ l1 = 0, l2 = 0 }: { l1?: number; l2?: number } = {}) {
    super();
    const ok = (v: number): boolean => Number.isFinite(v) && v >= 0;
    this.l1 = checkNumber('L1L2', 'l1', l1, ok, 'a number >= 0');
    this.l2 = checkNumber('L1L2', 'l2', l2, ok, 'a number >= 0');
  }
  penalty(x: Tensor): Tensor {
    return tidy(() => {
      const terms: Tensor[] = [];
      if (this.l1 > 0) terms.push(mul(sum(abs(x)), this.l1));
      if (this.l2 > 0) terms.push(mul(sum(square(x)), this.l2));
      if (terms.length === 0) return mul(sum(x), 0);
      return terms.length === 1 ? terms[0]! : add(terms[0]!, terms[1]!);
    });
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** l·Σ|x| (Keras's default factor 0.01). */
export function l1(l = 0.01): L1L2 {
  return new L1L2({ l1: l });
}

/** l·Σx² (Keras's default factor 0.01). */
export function l2(l = 0.01): L1L2 {
  return new L1L2({ l2: l });
}

export function l1l2({ l1: a = 0.01, l2: b = 0.01 }: { l1?: number; l2?: number } = {}): L1L2 {
  return new L1L2({ l1: a, l2: b });
}

type RegularizerFactory = (config: Record<string, unknown>) => Regularizer;
const registry = new Map<string, { className: string; make: RegularizerFactory }>();

export function registerRegularizer(className: string, make: RegularizerFactory): void {
  if (typeof className !== 'string' || className.length === 0) throw new TesseraError('registerRegularizer: className must be a non-empty string');
  registry.set(normalizeName(className), { className, make });
}

registerRegularizer('L1L2', (c) => new L1L2(c as { l1?: number; l2?: number }));
// Names as Keras accepts them in layer arguments, with Keras's default factor.
registerRegularizer('L1', (c) => l1((c['l1'] as number | undefined) ?? 0.01));
registerRegularizer('L2', (c) => l2((c['l2'] as number | undefined) ?? 0.01));

/** Resolves 'l1' | 'l2' | 'l1l2' / 'l1_l2' (default factors 0.01), `{ className, config }` or an instance. */
export function getRegularizer(identifier: RegularizerIdentifier): Regularizer {
  if (identifier instanceof Regularizer) return identifier;
  let name: string;
  let config: Record<string, unknown>;
  if (typeof identifier === 'string') {
    name = identifier;
    config = normalizeName(name) === 'l1l2' ? { l1: 0.01, l2: 0.01 } : {};
  } else if (isPlainObject(identifier) && typeof identifier['className'] === 'string') {
    name = identifier['className'];
    const c = identifier['config'] ?? {};
    if (!isPlainObject(c)) throw new TesseraError(`getRegularizer: the config of '${name}' must be an object, got ${describeValue(c)}`);
    config = c;
  } else {
    throw new TesseraError(`getRegularizer: expected a regularizer name, { className, config } or a Regularizer, got ${describeValue(identifier)}`);
  }
  const entry = registry.get(normalizeName(name));
  if (!entry) throw new TesseraError(`getRegularizer: unknown regularizer '${name}' (known: l1, l2, l1l2, ${[...registry.values()].map((e) => e.className).join(', ')})`);
  const reg = entry.make(config);
  const known = Object.keys(reg.getConfig());
  const unknown = Object.keys(config).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new TesseraError(`getRegularizer: ${entry.className} has no option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${known.join(', ')})`);
  return reg;
}

export function serializeRegularizer(r: Regularizer): SerializedRegularizer {
  return { className: r.className, config: r.getConfig() };
}

export const regularizers = Object.freeze({ l1, l2, l1l2, get: getRegularizer, serialize: serializeRegularizer });
