/**
 * Makes `x instanceof cls` hold for instances made by any copy of core in the page or process.
 * A second copy of the package (a failed dedupe, a CDN import beside a bundled one) joins the first
 * one's engine (see engine.ts), so tensors, variables and errors made by one copy's classes reach
 * code holding the other copy's: the check looks for a registered symbol on the prototype chain
 * instead of the class identity. Subclasses that are not branded themselves keep the ordinary check.
 */
export function brandClass(cls: abstract new (...args: never[]) => unknown, name: string): void {
  const brand = Symbol.for(`@tessera/core:${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, x);
      return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true;
    },
  });
}
