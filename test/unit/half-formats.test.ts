// 16-bit weight formats on the host: bfloat16 <-> f32 (src/kernels/f16.ts) and matmul-gguf's f16 / bf16 "blocks"
// (quantizeFormat / dequantizeFormat, the CPU side of the packed 16-bit weights), against bit patterns written
// out by hand from the formats' definitions (bf16 = the top 16 bits of an IEEE f32; round to nearest even).
import { describe, it, expect } from 'vitest';
import { bf16BitsToF32, f32ToBf16Bits } from '../../src/kernels/f16.ts';
import { dequantizeFormat, ggufFormat, quantizeFormat } from '../../src/kernels/matmul-gguf.ts';
import { embedStorage, embedStoredFormat, packedFormat } from '../../src/llm/weights.ts';
import { embed } from '../../src/kernels/elementwise.ts';

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

describe('16-bit token embeddings kept as stored (the embed kernel\'s format f16 / bf16)', () => {
  // Why each case: both 16-bit formats are kept; an odd D would split a row's last pair across words (widened);
  // f32 stays f32; ggml blocks are kept when a row is whole blocks (the embed kernel gathers them as stored), else widened;
  // a 1-D tensor is no table.
  const cases: Array<[dtype: string, shape: number[], want: string | undefined, why: string]> = [
    ['f16', [297, 64], 'f16', 'f16, D even'],
    ['bf16', [128_256, 4096], 'bf16', "bf16, Llama-3-8B's table"],
    ['f16', [297, 63], undefined, 'odd D: widened'],
    ['f32', [297, 64], undefined, 'f32 stays f32'],
    ['q4_k', [297, 256], 'q4_k', 'Q4_K, rows of one 256-value block'],
    ['q4_k', [128_256, 4096], 'q4_k', "Q4_K, Llama-3-8B Q4_K_M's table"],
    ['q6_k', [151_936, 896], undefined, "Q6_K with Qwen2.5-0.5B's D 896: 3.5 blocks a row, widened"],
    ['q5_0', [151_936, 896], 'q5_0', 'Q5_0 (32-value blocks) with D 896'],
    ['q8_0', [151_936, 896], 'q8_0', "Q8_0 with Qwen2.5-0.5B's D 896 (llama.cpp's stand-in for Q6_K there)"],
    ['q4_0', [297, 100], undefined, 'Q4_0 with D 100: not whole 32-value blocks, widened'],
    ['f16', [64], undefined, 'not a [V, D] table'],
  ];
  for (const [dtype, shape, want, why] of cases)
    it(`${dtype} [${shape.join(', ')}] -> ${want ?? 'f32'} (${why})`, () => {
      expect(embedStoredFormat({ dtype: dtype as 'f16', shape })).toBe(want);
    });
  it('says why a stored format is widened (the weights label carries it)', () => {
    expect(embedStorage({ dtype: 'q6_k', shape: [151_936, 896] })).toEqual({ embedWidened: 'q6_k rows of D = 896 are not whole 256-value blocks' });
    expect(embedStorage({ dtype: 'f16', shape: [297, 63] })).toEqual({ embedWidened: 'f16 with an odd D = 63' });
    expect(embedStorage({ dtype: 'f32', shape: [297, 63] })).toEqual({});
  });
  it('the kernel refuses an odd D in a 16-bit format with one line, and plans half the bytes of f32 for E', () => {
    expect(() => embed.validate({ D: 7, format: 'f16' })).toThrow(/^embed: format f16 packs two values per u32 word, so D must be even, got 7$/);
    expect(() => embed.validate({ format: 'f8' })).toThrow(/format must be one of f32, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, q3_k, q2_k, iq4_nl, iq4_xs, q8_0, f16, bf16/);
    expect(() => embed.validate({ D: 896, format: 'q6_k' })).toThrow(/^embed: format q6_k stores rows as whole Q6_K blocks, so D must be a multiple of 256, got 896$/);
    const bytes = (format: string) => embed.plan(embed.validate({ M: 3, D: 64, V: 100, format }), 'default').tensors.find((t) => t.name === 'E')!.bytes;
    expect([bytes('f32'), bytes('f16'), bytes('bf16')]).toEqual([4 * 6400, 2 * 6400, 2 * 6400]);
  });
});
