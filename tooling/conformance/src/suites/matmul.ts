import { fusedMatMul, matmul, type FusedActivation } from '@tessera/core';
import { caseSuite, type OpCase, type SuiteContext } from '../harness.js';
import { ints, uniform, type InputSpec } from '../inputs.js';
import * as R from '../reference.js';

const unit = uniform(-1, 1);
const TOL = 10;

/** Operand shapes for logical [.., m, k] @ [.., k, n], laid out as the transpose flags ask. */
function operand(batch: number[], rows: number, cols: number, transposed: boolean): InputSpec {
  return { shape: [...batch, ...(transposed ? [cols, rows] : [rows, cols])], gen: unit };
}

const COMBOS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

function flags(ta: boolean, tb: boolean): string {
  return ta || tb ? ` (${[ta ? 'transposeA' : '', tb ? 'transposeB' : ''].filter(Boolean).join(', ')})` : '';
}

function mm(name: string, batchA: number[], batchB: number[], m: number, k: number, n: number, ta: boolean, tb: boolean): OpCase {
  return {
    name: `${name}${flags(ta, tb)}`,
    inputs: [operand(batchA, m, k, ta), operand(batchB, k, n, tb)],
    run: (a, b) => matmul(a!, b!, ta, tb),
    ref: (a, b) => R.matmul(a!, b!, ta, tb),
    tolScale: TOL,
  };
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 9],
  [1, 40, 1],
  [6, 1, 5],
  [64, 70, 65],
];

const MATMUL: OpCase[] = [
  ...SIZES.flatMap(([m, k, n]) => COMBOS.map(([ta, tb]) => mm(`[${m},${k}]@[${k},${n}]`, [], [], m, k, n, ta, tb))),
  ...COMBOS.map(([ta, tb]) => mm('batched [2,3,4]@[2,4,5]', [2], [2], 3, 4, 5, ta, tb)),
  ...COMBOS.map(([ta, tb]) => mm('broadcast batch [3,4]@[2,4,5]', [], [2], 3, 4, 5, ta, tb)),
  ...COMBOS.map(([ta, tb]) => mm('broadcast batch [2,3,4]@[4,5]', [2], [], 3, 4, 5, ta, tb)),
  mm('broadcast batch [2,1,3,4]@[1,3,4,2]', [2, 1], [1, 3], 3, 4, 2, false, false),
  mm('broadcast batch [4,1,2,3]@[5,3,2]', [4, 1], [5], 2, 3, 2, true, false),
  mm('rank-4 [2,2,5,3]@[2,2,3,4]', [2, 2], [2, 2], 5, 3, 4, false, true),
  mm('empty inner dimension [2,0]@[0,3] is zeros', [], [], 2, 0, 3, false, false),
  mm('empty rows [0,3]@[3,2]', [], [], 0, 3, 2, false, false),
  mm('empty batch [0,2,3]@[3,4]', [0], [], 2, 3, 4, false, false),
  {
    name: 'int32 operands give float32',
    inputs: [{ shape: [3, 4], dtype: 'int32', gen: ints(-5, 5) }, { shape: [4, 2], dtype: 'int32', gen: ints(-5, 5) }],
    run: (a, b) => matmul(a!, b!),
    ref: (a, b) => R.matmul(a!, b!),
  },
  {
    name: 'method form x.matmul(y)',
    inputs: [{ shape: [2, 3] }, { shape: [3, 3] }],
    run: (a, b) => a!.matmul(b!),
    ref: (a, b) => R.matmul(a!, b!),
    tolScale: TOL,
  },
];

const ACTIVATIONS: [FusedActivation, (v: number) => number][] = [
  ['linear', (v) => v],
  ['relu', (v) => Math.max(v, 0)],
  ['sigmoid', R.sigmoid],
  ['tanh', Math.tanh],
];

function fused(
  name: string,
  batchA: number[],
  batchB: number[],
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  activation: FusedActivation,
  act: (v: number) => number,
  biasShape: number[] | null,
): OpCase {
  const inputs = [operand(batchA, m, k, ta), operand(batchB, k, n, tb)];
  if (biasShape) inputs.push({ shape: biasShape, gen: unit });
  return {
    name: `fusedMatMul ${activation} ${name}${biasShape ? ` bias [${biasShape}]` : ' no bias'}${flags(ta, tb)}`,
    inputs,
    run: (a, b, bias) => fusedMatMul({ a: a!, b: b!, bias, activation, transposeA: ta, transposeB: tb }),
    ref: (a, b, bias) => {
      let y = R.matmul(a!, b!, ta, tb);
      if (bias) y = R.binary(y, bias, (p, q) => p + q);
      return R.map(y, act);
    },
    tolScale: TOL,
  };
}

const FUSED: OpCase[] = ACTIVATIONS.flatMap(([activation, act]) => [
  fused('[5,7]@[7,6]', [], [], 5, 7, 6, false, false, activation, act, [6]),
  fused('[5,7]@[7,6]', [], [], 5, 7, 6, false, false, activation, act, null),
  ...COMBOS.slice(1).map(([ta, tb]) => fused('[4,3]@[3,5]', [], [], 4, 3, 5, ta, tb, activation, act, [5])),
  fused('batched [2,3,4]@[4,5]', [2], [], 3, 4, 5, false, false, activation, act, [5]),
  fused('batched [2,3,4]@[2,4,5]', [2], [2], 3, 4, 5, true, true, activation, act, [1, 5]),
]);

export function matmulSuite(ctx: SuiteContext): void {
  caseSuite(ctx, 'matmul', MATMUL);
  caseSuite(
    ctx,
    'matmul on transposed and sliced inputs',
    MATMUL.filter((c) => c.name.startsWith('[3,5]@[5,7]') || c.name.startsWith('batched')),
    ['transposed', 'sliced'],
  );
  caseSuite(ctx, 'fusedMatMul (every activation, with and without bias)', FUSED);
  caseSuite(ctx, 'fusedMatMul on sliced inputs', FUSED.filter((c) => c.name.includes('[5,7]@[7,6] bias')), ['sliced']);
}
