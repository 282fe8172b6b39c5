import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage, toMnistInput } from '../src/image.js';
import { parseArgs } from '../src/args.js';
import { confusionChart, renderReport } from '../src/report.js';

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(Buffer.from(type, 'ascii'), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An RGB PNG whose rows use filter types 0..4 in turn (so every filter is decoded). */
function makePng(w: number, h: number, rgb: (x: number, y: number) => [number, number, number]): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const stride = w * 3;
  const raw = new Uint8Array(h * (stride + 1));
  const rows: Uint8Array[] = [];
  for (let y = 0; y < h; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < w; x++) row.set(rgb(x, y), x * 3);
    rows.push(row);
    const prev = y > 0 ? rows[y - 1]! : new Uint8Array(stride);
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= 3 ? row[i - 3]! : 0;
      const b = prev[i]!;
      const c = i >= 3 ? prev[i - 3]! : 0;
      const p = a + b - c;
      const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][f]!;
      raw[y * (stride + 1) + 1 + i] = (row[i]! - pred) & 0xff;
    }
  }
  const sig = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())]);
}

/** A greyscale 8-bit PNG of the given size around arbitrary (already deflated) image data. */
function makePngWithData(w: number, h: number, deflated: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const sig = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflated), chunk('IEND', new Uint8Array())]);
}

describe('digit image decoding', () => {
  it('decodes an RGB PNG with every row filter to greyscale', () => {
    const png = makePng(7, 6, (x, y) => [x * 30, y * 40, (x + y) * 10]);
    const img = decodeImage(png);
    expect([img.width, img.height]).toEqual([7, 6]);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 7; x++) {
        const expected = (0.299 * x * 30 + 0.587 * y * 40 + 0.114 * (x + y) * 10) / 255;
        expect(img.pixels[y * 7 + x]).toBeCloseTo(expected, 5);
      }
    }
  });

  it('decodes binary and ASCII PGM', () => {
    const p5 = Buffer.concat([Buffer.from('P5\n# comment\n3 2\n255\n'), Buffer.from([0, 51, 102, 153, 204, 255])]);
    expect(Array.from(decodeImage(p5).pixels)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1].map(Math.fround));
    const p2 = Buffer.from('P2 2 1 10\n5 10\n');
    expect(Array.from(decodeImage(p2).pixels)).toEqual([0.5, 1]);
  });

  it('rejects other files and truncated data clearly', () => {
    expect(() => decodeImage(Buffer.from('GIF89a'))).toThrow(/not a PNG or PGM file/);
    expect(() => decodeImage(Buffer.from('P5 4 4 255\n\u0001\u0002'))).toThrow(/truncated/);
  });

  it('checks a declared size before allocating, and bounds PNG decompression by it', () => {
    // A header claiming 100000×100000 (40 GB of pixels) is refused from the header alone.
    expect(() => decodeImage(Buffer.from('P5 100000 100000 255\n\u0001'), 'huge.pgm')).toThrow(
      /^huge.pgm: the PGM header declares 100000×100000 pixels, more than the 67,108,864 this reader accepts/,
    );
    expect(() => decodeImage(Buffer.from('P5 2000 2000 255\n\u0001'), 'short.pgm')).toThrow(/^short.pgm: PGM data is truncated: the header declares 2000×2000 pixels/);
    const png = makePng(28, 28, () => [255, 255, 255]);
    const idat = Buffer.from(png).indexOf('IDAT') + 4;
    // Corrupt zlib data: the file is named with what is wrong.
    const corrupt = Buffer.from(png);
    corrupt[idat] = 0;
    corrupt[idat + 1] = 0;
    expect(() => decodeImage(corrupt, 'corrupt.png')).toThrow(/^corrupt.png: the PNG image data is corrupt \(/);
    // A 28×28 greyscale PNG whose data inflates to 16 MiB stops at the 812 bytes its header allows.
    const bomb = makePngWithData(28, 28, deflateSync(new Uint8Array(16 * 2 ** 20)));
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow('bomb.png: the PNG image data inflates to more than the 812 bytes its 28×28 header declares');
  });

  it('centres a dark-on-light digit into an MNIST-like 28x28 white-on-black input', () => {
    // A 40x40 white page with a black vertical stroke near the left edge.
    const w = 40;
    const pixels = new Float32Array(w * w).fill(1);
    for (let y = 5; y < 35; y++) for (let x = 3; x < 7; x++) pixels[y * w + x] = 0;
    const x = toMnistInput({ width: w, height: w, pixels });
    let mass = 0;
    let cx = 0;
    let cy = 0;
    x.forEach((v, i) => {
      mass += v;
      cx += v * (i % 28);
      cy += v * Math.floor(i / 28);
    });
    expect(Math.max(...x)).toBeGreaterThan(0.9);
    expect(cx / mass).toBeGreaterThan(12.5);
    expect(cx / mass).toBeLessThan(14.5);
    expect(cy / mass).toBeGreaterThan(12.5);
    expect(cy / mass).toBeLessThan(14.5);
    expect(x[0]).toBe(0);
  });
});

describe('command line', () => {
  it('parses train options and predict', () => {
    const o = parseArgs(['--model', 'lenet5', '--epochs=3', '--batch-size', '128', '--lr', '0.01', '--optimizer', 'sgd', '--seed', '7']);
    expect(o).toMatchObject({ command: 'train', model: 'lenet5', epochs: 3, batchSize: 128, lr: 0.01, optimizer: 'sgd', seed: 7, labelSmoothing: undefined });
    expect(parseArgs(['--label-smoothing', '0.05'])).toMatchObject({ labelSmoothing: 0.05 });
    expect(parseArgs(['--label-smoothing=0'])).toMatchObject({ labelSmoothing: 0 });
    expect(parseArgs(['predict', 'a.png', '--model-dir', 'out/m'])).toEqual({ command: 'predict', images: ['a.png'], modelDir: 'out/m', backend: undefined });
    expect(parseArgs(['predict', '--backend=cpu', 'a.png', 'b.pgm', '--model-dir', 'out/m'])).toEqual({ command: 'predict', images: ['a.png', 'b.pgm'], modelDir: 'out/m', backend: 'cpu' });
    expect(parseArgs(['--export', 'onnx', '--export', 'safetensors,onnx', '--quiet'])).toMatchObject({ exports: ['onnx', 'safetensors'], verbose: 2, model: 'mlp', seed: 1, limit: 0, threads: 1 });
  });

  it('names bad options and values', () => {
    expect(() => parseArgs(['--model', 'vgg'])).toThrow(/--model must be one of mlp, mlp-deep, lenet5, cnn, resnet, got 'vgg'/);
    expect(() => parseArgs(['--export', 'tflite'])).toThrow(/--export must be one of safetensors, onnx, got 'tflite'/);
    expect(() => parseArgs(['--epochs', '0'])).toThrow(/--epochs must be an integer >= 1/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/^train: unknown option --frobnicate\n/);
    expect(() => parseArgs(['--epoch', '3'])).toThrow(/^train: unknown option --epoch \(did you mean --epochs\?\)/);
    expect(() => parseArgs(['--label_smoothing=0.1'])).toThrow(/unknown option --label_smoothing \(did you mean --label-smoothing\?\)/);
    expect(() => parseArgs(['predict', 'a.png', '--model-dir', 'm', '--modeldir', 'x'])).toThrow(/^predict: unknown option --modeldir \(did you mean --model-dir\?\)/);
    expect(() => parseArgs(['--epochs'])).toThrow(/train: Option '--epochs <value>' argument missing/);
    expect(() => parseArgs(['--seed='])).toThrow(/--seed must be an integer >= 0, got ''/);
    expect(() => parseArgs(['--model', 'cnn', 'resnet'])).toThrow(/train: unexpected argument 'resnet'/);
    expect(() => parseArgs(['--label-smoothing', '1'])).toThrow(/--label-smoothing must be in \[0, 1\), got '1'/);
    expect(() => parseArgs(['--label-smoothing=-0.1'])).toThrow(/--label-smoothing must be a number >= 0, got '-0.1'/);
    expect(() => parseArgs(['predict', 'x.png'])).toThrow(/--model-dir/);
  });
});

describe('report', () => {
  it('draws curves and a confusion matrix into one HTML page', () => {
    const html = renderReport({
      title: 'T',
      facts: [['test accuracy', '99%']],
      history: { loss: [1, 0.5, 0.25], val_loss: [1.1, 0.6, 0.4], accuracy: [0.5, 0.8, 0.9] },
      confusion: [[5, 1], [0, 4]],
      classNames: ['a', 'b'],
    });
    expect(html).toContain('<polyline');
    expect((html.match(/<polyline/g) ?? []).length).toBe(3);
    expect(html).toContain('83.33%');
    expect(confusionChart([[1]], ['z'])).toContain('>1</text>');
  });
});
