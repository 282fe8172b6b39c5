import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, isGzip, parseIdx, parseIdxMaybeGzip } from '../src/index.js';
import { parseIdxMaybeGzipSync, readIdxFile } from '../src/node.js';

/** An IDX file written byte by byte: magic (00 00 type rank), big-endian uint32 dims, payload. */
function idxBytes(typeCode: number, dims: number[], payload: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    out[4 + 4 * i] = (d >>> 24) & 0xff;
    out[5 + 4 * i] = (d >>> 16) & 0xff;
    out[6 + 4 * i] = (d >>> 8) & 0xff;
    out[7 + 4 * i] = d & 0xff;
  });
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('parseIdx on well-formed files', () => {
  it('reads a 3-D unsigned byte file (the MNIST image layout)', () => {
    const file = idxBytes(0x08, [2, 3, 4], range(24).map((i) => i * 10));
    const r = parseIdx(file);
    expect(r.dtype).toBe('uint8');
    expect(r.shape).toEqual([2, 3, 4]);
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect([...r.data]).toEqual(range(24).map((i) => i * 10));
  });

  it('reads a 1-D big-endian int file, including the int32 extremes', () => {
    // -1, 258, 2147483647, -2147483648 written big-endian by hand.
    const payload = [0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x02, 0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00];
    const r = parseIdx(idxBytes(0x0c, [4], payload));
    expect(r.dtype).toBe('int32');
    expect(r.shape).toEqual([4]);
    expect(r.data).toBeInstanceOf(Int32Array);
    expect([...r.data]).toEqual([-1, 258, 2147483647, -2147483648]);
  });

  it('reads a big-endian float file', () => {
    // 1.5 = 3f c0 00 00, -2.25 = c0 10 00 00, 0.1f = 3d cc cc cd.
    const payload = [0x3f, 0xc0, 0, 0, 0xc0, 0x10, 0, 0, 0x3d, 0xcc, 0xcc, 0xcd];
    const r = parseIdx(idxBytes(0x0d, [1, 3], payload));
    expect(r.dtype).toBe('float32');
    expect(r.shape).toEqual([1, 3]);
    expect([...r.data]).toEqual([1.5, -2.25, Math.fround(0.1)]);
  });

  it('reads signed bytes, shorts and doubles, and round-trips encodeIdx', () => {
    expect([...parseIdx(idxBytes(0x09, [3], [0xff, 0x7f, 0x80])).data]).toEqual([-1, 127, -128]);
    expect([...parseIdx(idxBytes(0x0b, [2], [0xff, 0xfe, 0x01, 0x00])).data]).toEqual([-2, 256]);
    const doubles = [Math.PI, -1e300, 5e-324];
    const r = parseIdx(encodeIdx({ dtype: 'float64', shape: [3], data: doubles }));
    expect(r.dtype).toBe('float64');
    expect([...r.data]).toEqual(doubles);
    const ints = parseIdx(encodeIdx({ dtype: 'int16', shape: [2, 2], data: [-32768, 32767, 0, -5] }));
    expect(ints).toMatchObject({ dtype: 'int16', shape: [2, 2] });
    expect([...ints.data]).toEqual([-32768, 32767, 0, -5]);
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 256] })).toThrow(/value 256 at flat index 1 is not a uint8/);
    expect(() => encodeIdx({ dtype: 'int32', shape: [3], data: [1, 2] })).toThrow(/2 values do not fill shape \[3\]/);
  });

  it('accepts an ArrayBuffer and a Uint8Array view at an offset, and copies the values', () => {
    const file = idxBytes(0x08, [4], [1, 2, 3, 4]);
    expect([...parseIdx(file.slice().buffer).data]).toEqual([1, 2, 3, 4]);
    const padded = new Uint8Array(file.length + 7);
    padded.set(file, 5);
    const view = padded.subarray(5, 5 + file.length);
    const r = parseIdx(view);
    expect([...r.data]).toEqual([1, 2, 3, 4]);
    padded[5 + 8] = 99;
    expect(r.data[0]).toBe(1);
  });

  it('allows a zero-size dimension when the length matches', () => {
    const r = parseIdx(idxBytes(0x08, [0, 28, 28], []));
    expect(r.shape).toEqual([0, 28, 28]);
    expect(r.data.length).toBe(0);
  });
});

describe('gzipped IDX', () => {
  const file = idxBytes(0x08, [2, 2], [9, 8, 7, 6]);
  const gz = gzipSync(file);

  it('is detected by its magic number', () => {
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(file)).toBe(false);
  });

  it('decompresses through DecompressionStream (browser path) and zlib (node entry)', async () => {
    const viaStream = await parseIdxMaybeGzip(gz);
    expect(viaStream.shape).toEqual([2, 2]);
    expect([...viaStream.data]).toEqual([9, 8, 7, 6]);
    const viaZlib = parseIdxMaybeGzipSync(gz);
    expect([...viaZlib.data]).toEqual([9, 8, 7, 6]);
    expect([...(await parseIdxMaybeGzip(file)).data]).toEqual([9, 8, 7, 6]);
  });

  it('parseIdx refuses gzip input and points to the gzip-aware reader', () => {
    expect(() => parseIdx(gz)).toThrow(/gzip-compressed \(starts with 1f 8b\).*parseIdxMaybeGzip/);
  });

  it('reports gzip data that does not decompress', async () => {
    const broken = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]);
    await expect(parseIdxMaybeGzip(broken)).rejects.toThrow(/does not decompress/);
    expect(() => parseIdxMaybeGzipSync(broken)).toThrow(/does not decompress/);
    await expect(parseIdxMaybeGzip(broken, 'train-images.gz')).rejects.toThrow(/^gunzip: train-images.gz starts with the gzip magic number but does not decompress/);
  });

  it('readIdxFile names the file whose gzip data is damaged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-idx-'));
    const file = join(dir, 'labels.idx.gz');
    await writeFile(file, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]));
    await expect(readIdxFile(file)).rejects.toThrow(`gunzip: ${file} starts with the gzip magic number but does not decompress`);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('parseIdx rejects malformed files with what it expected and found', () => {
  it('wrong magic number', () => {
    const bad = idxBytes(0x08, [1], [0]);
    bad[0] = 0x01;
    expect(() => parseIdx(bad)).toThrow(/bad magic number 0x01 0x00 0x08 0x01: expected two zero bytes/);
  });

  it('unknown type code', () => {
    expect(() => parseIdx(idxBytes(0x0a, [1], [0]))).toThrow(/unknown type code 0x0a .*expected one of 0x08 \(unsigned byte\).*0x0e \(double\)/);
  });

  it('truncated data', () => {
    const full = idxBytes(0x08, [2, 28, 28], new Uint8Array(2 * 784));
    expect(() => parseIdx(full.subarray(0, full.length - 10))).toThrow(
      /truncated: shape \[2,28,28\] of unsigned bytes needs 16 header bytes \+ 1568 data bytes = 1584 bytes, found 1574 \(10 missing\)/,
    );
    const ints = idxBytes(0x0c, [3], new Uint8Array(11));
    expect(() => parseIdx(ints)).toThrow(/truncated: shape \[3\] of ints needs 8 header bytes \+ 12 data bytes = 20 bytes, found 19/);
  });

  it('truncated header', () => {
    const file = idxBytes(0x08, [5, 5, 5], []);
    expect(() => parseIdx(file.subarray(0, 10))).toThrow(/truncated header: 3 dimensions need 16 header bytes, found 10/);
    expect(() => parseIdx(new Uint8Array([0, 0]))).toThrow(/2 bytes is too short for an IDX magic number, expected at least 4/);
  });

  it('extra bytes after the data', () => {
    const file = idxBytes(0x08, [4], [1, 2, 3, 4, 5, 6, 7]);
    expect(() => parseIdx(file)).toThrow(/3 extra bytes after the data: shape \[4\] of unsigned bytes needs .* = 12 bytes, found 15/);
  });

  it('zero dimensions', () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 0x08, 0, 42]))).toThrow(/declares 0 dimensions, expected at least 1/);
  });

  it('names the source in the message', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'train-images-idx3-ubyte')).toThrow(/parseIdx: train-images-idx3-ubyte: bad magic/);
  });
});
