import { describe, it, expect } from 'vitest';
import { parseNpy, encodeNpy, NpyError } from '../../src/kernels/npy.ts';

/** A .npy v1.0 file written out by hand from the format spec (not by encodeNpy). */
function handMade(descr: string, shape: string, body: number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const bytes = [0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0, header.length & 0xff, header.length >> 8];
  return new Uint8Array([...bytes, ...new TextEncoder().encode(header), ...body]);
}

describe('.npy reader/writer', () => {
  it('reads a hand-made float32 [2, 2] file', () => {
    const f = new Float32Array([1.5, -2, 0.25, 8]);
    const a = parseNpy(handMade('<f4', '(2, 2)', [...new Uint8Array(f.buffer)]));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 2]);
    expect([...a.data]).toEqual([1.5, -2, 0.25, 8]);
  });
  it('reads int8 with the |i1 descr and a 1-d shape', () => {
    const a = parseNpy(handMade('|i1', '(3,)', [0x80, 0x7f, 0x00]));
    expect(a.dtype).toBe('int8');
    expect(a.shape).toEqual([3]);
    expect([...a.data]).toEqual([-128, 127, 0]);
  });
  it('round-trips float32 and int32 through encode/parse, header aligned to 64 bytes', () => {
    for (const data of [new Float32Array([1, 2, 3, 4, 5, 6]), new Int32Array([-7, 0, 2147483647, -2147483648, 5, 6])]) {
      const dtype = data instanceof Float32Array ? 'float32' : 'int32';
      const bytes = encodeNpy({ dtype, shape: [2, 3], data });
      const dataStart = 10 + (bytes[8] | (bytes[9] << 8));
      expect(dataStart % 64).toBe(0);
      const back = parseNpy(bytes);
      expect(back.shape).toEqual([2, 3]);
      expect([...back.data]).toEqual([...data]);
    }
  });
  it('reads a scalar-shaped () array as one element', () => {
    const a = parseNpy(handMade('<f4', '()', [...new Uint8Array(new Float32Array([3]).buffer)]));
    expect(a.shape).toEqual([]);
    expect(a.data.length).toBe(1);
  });
  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['not npy', new TextEncoder().encode('hello world, not numpy'), /missing .*magic/],
    ['big-endian', handMade('>f4', '(1,)', [0, 0, 0, 0]), /dtype >f4 is not supported/],
    ['an empty file', new TextEncoder().encode(''), /not a \.npy/],
    ['truncated data', handMade('<f4', '(4,)', [0, 0, 0, 0]), /data truncated/],
  ];
  for (const [name, bytes, re] of bad) {
    it(`rejects ${name} with a message that says why`, () => {
      expect(() => parseNpy(bytes, 'input A')).toThrow(NpyError);
      expect(() => parseNpy(bytes, 'input A')).toThrow(re);
    });
  }
  it('rejects Fortran-order arrays and says how to fix it', () => {
    const f = handMade('<f4', '(1,)', [0, 0, 0, 0]);
    const text = new TextDecoder('latin1').decode(f).replace('False', 'True ');
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(() => parseNpy(bytes, 'input A')).toThrow(/ascontiguousarray/);
  });
});
