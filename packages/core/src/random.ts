import { ENGINE } from './engine.js';
import { TesseraError } from './errors.js';

/** A `Random`'s position (see `getState`). */
export interface RandomState {
  words: number[];
  spare: number | null;
}

/**
 * Tessera's PRNG: xoshiro128** (Blackman & Vigna) seeded through splitmix32. It runs in core, in JS,
 * so every backend receives the same numbers for the same seed.
 * - uniform: the top 24 bits of a 32-bit output / 2^24, in [0, 1);
 * - normal: Box–Muller on two uniforms (u1 kept away from 0), both outputs used;
 * - truncated normal: normal draws outside ±2σ are redrawn.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * The generator's position: its four state words and the Box–Muller spare, as plain JSON.
   * `setState` of it continues the same sequence (how a saved model resumes its Dropout masks).
   */
  getState(): RandomState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  setState(state: RandomState): void {
    const words = state?.words;
    const ok = Array.isArray(words) && words.length === 4 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      words.some((w) => w !== 0) && (state.spare === null || Number.isFinite(state.spare));
    if (!ok) throw new TesseraError(`Random.setState: expected { words: four 32-bit unsigned integers, not all 0; spare: a number or null }, got ${JSON.stringify(state)}`);
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    this.spare = state.spare;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    const u1 = (this.next() * 16777215 + 1) / 16777216;
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  truncatedNormal(mean = 0, std = 1): number {
    for (;;) {
      const v = this.normal();
      if (Math.abs(v) <= 2) return mean + std * v;
    }
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: { length: number; [i: number]: T }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The global generator lives on the engine, so that every copy of core in the page or process
 * (which share one engine) draws from the same stream and `setSeed` reaches them all.
 */
function globalRandom(): Random {
  return (ENGINE.globalRandom ??= new Random(Date.now() ^ 0x5eed)) as Random;
}

/** Seeds the global generator used when an op is given no seed. */
export function setSeed(seed: number): void {
  ENGINE.globalRandom = new Random(seed);
}

/** A generator for an op: seeded if `seed` is given, else drawn from the global generator. */
export function rngFor(seed?: number): Random {
  return seed === undefined ? new Random(globalRandom().nextU32()) : new Random(seed);
}
