import { ENGINE, OPTIONAL_KERNELS, PRIMITIVE_KERNELS, runKernel } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { runCase, type OpCase, type SuiteContext } from '../harness.js';
import { choice, uniform } from '../inputs.js';
import * as R from '../reference.js';

const unit = uniform(-1, 1);

interface GradGeometry {
  label: string;
  x: [number, number, number, number];
  k: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same' | [[number, number], [number, number]];
  dilations: [number, number];
}

const CONV_GEOMETRIES: GradGeometry[] = [
  { label: 'valid', x: [2, 5, 6, 2], k: [3, 3], strides: [1, 1], padding: 'valid', dilations: [1, 1] },
  { label: 'same stride 2', x: [1, 7, 6, 3], k: [3, 2], strides: [2, 2], padding: 'same', dilations: [1, 1] },
  { label: 'dilation 2 explicit padding', x: [1, 6, 6, 1], k: [2, 2], strides: [1, 1], padding: [[1, 0], [0, 2]], dilations: [2, 2] },
  { label: 'strides [2,1] valid odd sizes', x: [2, 7, 5, 2], k: [2, 3], strides: [2, 1], padding: 'valid', dilations: [1, 1] },
];

function geometry(s: GradGeometry): R.ConvGeometry {
  return R.convGeometry(s.x[1], s.x[2], s.k[0], s.k[1], s.strides, s.padding, s.dilations);
}

function convAttrs(g: R.ConvGeometry): Record<string, unknown> {
  return { strides: g.strides, pad: g.pad, dilations: g.dilations };
}

function convGradCases(s: GradGeometry): OpCase[] {
  const g = geometry(s);
  const outC = 2;
  const filterShape = [s.k[0], s.k[1], s.x[3], outC];
  const dyShape = [s.x[0], g.outH, g.outW, outC];
  return [
    {
      name: `Conv2DBackpropInput ${s.label}`,
      inputs: [{ shape: dyShape, gen: unit }, { shape: filterShape, gen: unit }],
      run: (dy, f) => runKernel('Conv2DBackpropInput', [dy!, f!], { ...convAttrs(g), inputShape: s.x }),
      ref: (dy, f) => R.conv2dBackpropInput(dy!, f!, s.x, g),
      tolScale: 10,
    },
    {
      name: `Conv2DBackpropFilter ${s.label}`,
      inputs: [{ shape: s.x, gen: unit }, { shape: dyShape, gen: unit }],
      run: (x, dy) => runKernel('Conv2DBackpropFilter', [x!, dy!], { ...convAttrs(g), filterShape }),
      ref: (x, dy) => R.conv2dBackpropFilter(x!, dy!, filterShape, g),
      tolScale: 10,
    },
  ];
}

const POOL_GEOMETRIES: GradGeometry[] = [
  { label: '2x2 stride 2 valid', x: [2, 4, 6, 2], k: [2, 2], strides: [2, 2], padding: 'valid', dilations: [1, 1] },
  { label: '3x3 stride 2 same', x: [1, 5, 5, 2], k: [3, 3], strides: [2, 2], padding: 'same', dilations: [1, 1] },
  { label: '3x3 stride 1 same (overlapping windows)', x: [1, 4, 5, 1], k: [3, 3], strides: [1, 1], padding: 'same', dilations: [1, 1] },
  { label: '[2,3] window strides [1,2]', x: [1, 5, 7, 2], k: [2, 3], strides: [1, 2], padding: 'valid', dilations: [1, 1] },
];

function poolGradCases(s: GradGeometry): OpCase[] {
  const g = geometry(s);
  const attrs = { filterSize: s.k, strides: g.strides, pad: g.pad };
  const dyShape = [s.x[0], g.outH, g.outW, s.x[3]];
  return [
    {
      name: `MaxPoolGrad ${s.label}`,
      inputs: [{ shape: dyShape, gen: unit }, { shape: s.x, gen: unit }],
      run: (dy, x) => runKernel('MaxPoolGrad', [dy!, x!], attrs),
      ref: (dy, x) => R.maxPoolGrad(dy!, x!, s.k, g),
      tolScale: 5,
    },
    {
      name: `MaxPoolGrad ${s.label} with ties (first max wins)`,
      inputs: [{ shape: dyShape, gen: unit }, { shape: s.x, gen: choice([0, 1, 1]) }],
      run: (dy, x) => runKernel('MaxPoolGrad', [dy!, x!], attrs),
      ref: (dy, x) => R.maxPoolGrad(dy!, x!, s.k, g),
      tolScale: 5,
    },
    {
      name: `AvgPoolGrad ${s.label}`,
      inputs: [{ shape: dyShape, gen: unit }],
      run: (dy) => runKernel('AvgPoolGrad', [dy!], { ...attrs, inputShape: s.x }),
      ref: (dy) => R.avgPoolGrad(dy!, s.x, s.k, g),
      tolScale: 5,
    },
  ];
}

/** Optional kernels called directly with the inputs core would give them. */
const OPTIONAL_CASES: [string, OpCase][] = [
  [
    'Softmax',
    {
      name: 'Softmax kernel on rank 3 (last axis)',
      inputs: [{ shape: [2, 3, 7], gen: uniform(-8, 8) }],
      run: (x) => runKernel('Softmax', [x!]),
      ref: (x) => R.softmax(x!, -1),
      tolScale: 5,
    },
  ],
  [
    'Softmax',
    {
      name: 'Softmax kernel with large logits',
      inputs: [{ shape: [3, 5], gen: uniform(-3000, 3000) }],
      run: (x) => runKernel('Softmax', [x!]),
      ref: (x) => R.softmax(x!, -1),
      tolScale: 5,
    },
  ],
  [
    'SoftmaxCrossEntropy',
    {
      name: 'SoftmaxCrossEntropy kernel [5,4] with one-hot labels',
      inputs: [{ shape: [5, 4], gen: uniform(-6, 6) }, { shape: [5, 4], values: [1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0.5, 0.5, 0, 0] }],
      run: (logits, labels) => runKernel('SoftmaxCrossEntropy', [logits!, labels!]),
      ref: (logits, labels) => R.softmaxCrossEntropy(labels!, logits!),
      tolScale: 10,
    },
  ],
  [
    'FusedMatMul',
    {
      name: 'FusedMatMul kernel rank 3, batchA 1 vs batchB 2, bias, relu, transposeB',
      inputs: [{ shape: [1, 3, 4], gen: unit }, { shape: [2, 5, 4], gen: unit }, { shape: [5], gen: unit }],
      run: (a, b, bias) => runKernel('FusedMatMul', [a!, b!, bias!], { transposeA: false, transposeB: true, activation: 'relu', hasBias: true }),
      ref: (a, b, bias) => R.map(R.binary(R.matmul(a!, b!, false, true), bias!, (p, q) => p + q), (v) => Math.max(v, 0)),
      tolScale: 10,
    },
  ],
  [
    'FusedMatMul',
    {
      name: 'FusedMatMul kernel without bias, sigmoid, transposeA',
      inputs: [{ shape: [2, 4, 3], gen: unit }, { shape: [2, 4, 2], gen: unit }],
      run: (a, b) => runKernel('FusedMatMul', [a!, b!], { transposeA: true, transposeB: false, activation: 'sigmoid', hasBias: false }),
      ref: (a, b) => R.map(R.matmul(a!, b!, true, false), R.sigmoid),
      tolScale: 10,
    },
  ],
  [
    'FusedConv2D',
    {
      name: 'FusedConv2D kernel, explicit asymmetric padding, stride [2,1], bias, relu',
      inputs: [{ shape: [2, 7, 6, 3], gen: unit }, { shape: [3, 2, 3, 6], gen: unit }, { shape: [6], gen: unit }],
      run: (x, f, bias) => runKernel('FusedConv2D', [x!, f!, bias!], { strides: [2, 1], pad: [1, 0, 0, 1], dilations: [1, 1], activation: 'relu', hasBias: true }),
      ref: (x, f, bias) => {
        const g = R.convGeometry(7, 6, 3, 2, [2, 1], [[1, 0], [0, 1]], [1, 1]);
        return R.map(R.binary(R.conv2d(x!, f!, g), bias!, (p, q) => p + q), (v) => Math.max(v, 0));
      },
      tolScale: 10,
    },
  ],
  [
    'FusedConv2D',
    {
      name: 'FusedConv2D kernel without bias, tanh',
      inputs: [{ shape: [1, 5, 5, 2], gen: unit }, { shape: [3, 3, 2, 4], gen: unit }],
      run: (x, f) => runKernel('FusedConv2D', [x!, f!], { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1], activation: 'tanh', hasBias: false }),
      ref: (x, f) => R.map(R.conv2d(x!, f!, R.convGeometry(5, 5, 3, 3, [1, 1], 'valid', [1, 1])), Math.tanh),
      tolScale: 10,
    },
  ],
];

export function kernelSuite(ctx: SuiteContext): void {
  describe('kernel registry', () => {
    it('registers every kernel in PRIMITIVE_KERNELS', () => {
      const names = new Set(ENGINE.kernelNames(ctx.backend));
      const missing = PRIMITIVE_KERNELS.filter((k) => !names.has(k));
      expect(missing, `primitive kernels missing on '${ctx.backend}'`).toEqual([]);
    });

    it('registers no kernel outside the contract (kernel_names.ts)', () => {
      const known = new Set<string>([...PRIMITIVE_KERNELS, ...OPTIONAL_KERNELS]);
      const unknown = ENGINE.kernelNames(ctx.backend).filter((k) => !known.has(k));
      expect(unknown, `kernels on '${ctx.backend}' that the contract does not name`).toEqual([]);
    });
  });

  describe('gradient kernels called directly', () => {
    for (const c of [...CONV_GEOMETRIES.flatMap(convGradCases), ...POOL_GEOMETRIES.flatMap(poolGradCases)]) {
      it(c.name, () => runCase(ctx, c));
    }
  });

  describe('optional kernels called directly (skipped where not registered)', () => {
    for (const [kernel, c] of OPTIONAL_CASES) {
      it(c.name, async ({ skip }) => {
        if (!ENGINE.hasKernel(kernel, ctx.backend)) skip(`'${kernel}' is not registered on '${ctx.backend}'`);
        await runCase(ctx, c);
      });
    }
  });
}
