// 16-bit weight formats on the host: bfloat16 <-> f32 (src/kernels/f16.ts) and matmul-gguf's f16 / bf16 "blocks"
// (quantizeFormat / dequantizeFormat, the CPU side of the packed 16-bit weights), against bit patterns written
// out by hand from the formats' definitions (bf16 = the top 16 bits of an IEEE f32; round to nearest even).
import { describe, it, expect } from 'vitest';
import { bf16BitsToF32, f32ToBf16Bits } from '../../src/kernels/f16.ts';
import { dequantizeFormat, ggufFormat, quantizeFormat } from '../../src/kernels/matmul-gguf.ts';
import { packedFormat } from '../../src/llm/weights.ts';

describe('bfloat16', () => {
  // Why each case: exact values; the two ties (to even: down at an even mantissa, up at an odd one); just above a
  // tie; overflow of the largest f32 to +Inf (what PyTorch gives); NaN stays NaN (quiet); a subnormal; -0.
  const cases: Array<[number, number, string]> = [
    [1, 0x3f80, 'exact'],
    [-2.5, 0xc020, 'exact, negative'],
    [1 + 2 ** -8, 0x3f80, 'tie, even mantissa: down'],
    [1 + 3 * 2 ** -8, 0x3f82, 'tie, odd mantissa: up'],
    [1 + 2 ** -8 + 2 ** -20, 0x3f81, 'just above a tie: up'],
    [3.4028234663852886e38, 0x7f80, 'largest f32 rounds to +Inf'],
    [Infinity, 0x7f80, '+Inf'],
    [2 ** -130, 0x0008, 'subnormal: 2^-130 = 8 * 2^-133 (the bf16 subnormal step)'],
    [-0, 0x8000, 'negative zero'],
  ];
  for (const [x, bits, why] of cases)
    it(`${x} -> 0x${bits.toString(16)} (${why})`, () => {
      expect(f32ToBf16Bits(x)).toBe(bits);
      if (Number.isFinite(x) && why.startsWith('exact')) expect(bf16BitsToF32(bits)).toBe(x);
    });
  it('NaN stays a NaN; the widening of every finite bf16 is exact (round trip of all 65,536 patterns)', () => {
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
    for (let h = 0; h < 0x10000; h++) {
      const v = bf16BitsToF32(h);
      if (Number.isNaN(v)) continue;
      expect(f32ToBf16Bits(v)).toBe(h);
    }
  });
});

describe('matmul-gguf 16-bit formats on the host', () => {
  it('f16 / bf16 blocks are 32 values of 2 bytes; quantize then dequantize keeps exactly representable values', () => {
    expect(ggufFormat('f16')).toEqual({ name: 'F16', blockElems: 32, blockBytes: 64 });
    expect(ggufFormat('bf16')).toEqual({ name: 'BF16', blockElems: 32, blockBytes: 64 });
    const x = Float32Array.from([0, 1, -2.5, 0.375, 1024, -65504, 2 ** -14, 3]);
    for (const f of ['f16', 'bf16'] as const) {
      const raw = quantizeFormat(f, x);
      expect(raw.byteLength).toBe(2 * x.length);
      expect(Array.from(dequantizeFormat(f, raw, x.length))).toEqual(f === 'f16' ? Array.from(x) : [0, 1, -2.5, 0.375, 1024, -65536, 2 ** -14, 3]);
    }
    // little-endian, value 2j in the low half of word j: what the shader's unpack2x16float / (w << 16) read
    expect(Array.from(quantizeFormat('bf16', Float32Array.from([1, -2.5])))).toEqual([0x80, 0x3f, 0x20, 0xc0]);
  });
  it('packedFormat: ggml blocks always; f16 / bf16 only with K whole 32-value pieces; f32 and 1-D never', () => {
    // Why each case: the rule the loader and the layouts share (one description)
    expect(packedFormat({ dtype: 'q4_k', shape: [8, 256] })).toBe('q4_k');
    expect(packedFormat({ dtype: 'bf16', shape: [8, 64] })).toBe('bf16');
    expect(packedFormat({ dtype: 'f16', shape: [8, 48] })).toBeUndefined(); // K 48: not whole pieces, widened
    expect(packedFormat({ dtype: 'f32', shape: [8, 64] })).toBeUndefined();
    expect(packedFormat({ dtype: 'f16', shape: [64] })).toBeUndefined(); // a norm
    expect(packedFormat(undefined)).toBeUndefined();
  });
});
