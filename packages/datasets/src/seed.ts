import { Random, rngFor } from '@tessera/core';

/** A seed for a given seed and epoch: epochs get unrelated, reproducible streams. */
export function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x85ebca6b, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 15) ^ epoch, 0x1b873593);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The given seed, or one drawn from core's global generator (so `setSeed` makes it reproducible). */
export function resolveSeed(seed: number | undefined): number {
  return seed === undefined ? rngFor().nextU32() : seed >>> 0;
}

/** 0..n-1, shuffled by `rng` when given. */
export function permutation(n: number, rng?: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (rng) rng.shuffle(order);
  return order;
}
