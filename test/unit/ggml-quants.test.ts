// ggml's Q4_0 / Q4_K / Q5_K / Q6_K (src/kernels/ggml-quants.ts): decoding checked on blocks written byte by
// byte from the format definition (ggml-common.h's block structs, ggml-quants.c's dequantize_row_*), with
// the expected values worked out by hand in the comments; the reference quantizers checked on exactly
// representable blocks and by round-trip error bounds.
import { describe, it, expect } from 'vitest';
import { GGML_QUANTS, GGML_QUANT_TYPES, IQ4NL_VALUES, dequantizeGgml, ggmlQuantBytes, isGgmlQuant, nearestInt, q3kScale, quantizeGgml, scaleMinK4, type GgmlBlockType } from '../../src/kernels/ggml-quants.ts';
import { randomF32 } from '../../src/kernels/kernel.ts';
import { dtypeBytes, splitQ8_0, toF32 } from '../../src/llm/dtype.ts';
import { ModelFileError } from '../../src/llm/source.ts';
import { readFileSync } from 'node:fs';
import { nodeShaderSource } from '../../src/gpu/node.ts';

/** f16 bit patterns used below: 1.0, 0.5, 0.25. */
const F16_1 = 0x3c00, F16_HALF = 0x3800, F16_QUARTER = 0x3400;
const setU16 = (b: Uint8Array, o: number, v: number) => { b[o] = v & 0xff; b[o + 1] = v >> 8; };

describe('ggml block sizes', () => {
  it('match ggml-common.h (sizeof block_*) and the bits per weight', () => {
    // block_q4_0: half + 16 B; block_q4_K: 2 halves + 12 + 128; block_q5_K: + 32 qh; block_q6_K: 128 + 64 + 16 + half
    expect(GGML_QUANTS.q4_0.blockBytes).toBe(2 + 16);
    expect(GGML_QUANTS.q4_k.blockBytes).toBe(4 + 12 + 128);
    expect(GGML_QUANTS.q5_k.blockBytes).toBe(4 + 12 + 32 + 128);
    expect(GGML_QUANTS.q6_k.blockBytes).toBe(128 + 64 + 16 + 2);
    // block_q3_K: hmask[32] + qs[64] + scales[12] + half d; GGUF type 11 (ggml.h GGML_TYPE_Q3_K)
    expect(GGML_QUANTS.q3_k).toMatchObject({ ggmlType: 11, blockBytes: 32 + 64 + 12 + 2, blockElems: 256, f16Fields: [108] });
    // block_q2_K: scales[16] + qs[64] + half d + half dmin; GGUF type 10 (GGML_TYPE_Q2_K)
    expect(GGML_QUANTS.q2_k).toMatchObject({ ggmlType: 10, blockBytes: 16 + 64 + 2 + 2, blockElems: 256, f16Fields: [80, 82] });
    // block_iq4_nl: half d + qs[16] (32 values, GGML_TYPE_IQ4_NL 20); block_iq4_xs: half d + u16 scales_h + scales_l[4] + qs[128] (23)
    expect(GGML_QUANTS.iq4_nl).toMatchObject({ ggmlType: 20, blockBytes: 2 + 16, blockElems: 32, f16Fields: [0] });
    expect(GGML_QUANTS.iq4_xs).toMatchObject({ ggmlType: 23, blockBytes: 2 + 2 + 4 + 128, blockElems: 256, f16Fields: [0] });
    for (const t of GGML_QUANT_TYPES) expect(GGML_QUANTS[t].bitsPerWeight).toBe((8 * GGML_QUANTS[t].blockBytes) / GGML_QUANTS[t].blockElems);
    expect(ggmlQuantBytes('q6_k', 512)).toBe(420);
  });

  it('Q8_0 is in the same table (block_q8_0: half + 32 int8, GGUF type 8) but is not one of the 4- to 6-bit formats', () => {
    expect(GGML_QUANTS.q8_0).toEqual({ ggmlType: 8, name: 'Q8_0', blockElems: 32, blockBytes: 2 + 32, bitsPerWeight: 8.5, f16Fields: [0] });
    expect(GGML_QUANT_TYPES).toEqual(['q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k', 'q5_k', 'q6_k', 'q3_k', 'q2_k', 'iq4_nl', 'iq4_xs']);
    expect(isGgmlQuant('q8_0')).toBe(false);
    expect(isGgmlQuant('q4_k')).toBe(true);
    expect(isGgmlQuant('toString')).toBe(false);
    // the model loader's Q8_0 sizes and its one-line refusal
    expect(dtypeBytes('q8_0', 64, 't')).toBe(68);
    expect(() => dtypeBytes('q8_0', 40, 'x.gguf: tensor t')).toThrow('x.gguf: tensor t: Q8_0 needs a multiple of 32 elements, got 40');
  });

  it('refuse a count that is not whole blocks, with one line (also through the model loader)', () => {
    expect(() => ggmlQuantBytes('q4_k', 300)).toThrow('Q4_K needs a multiple of 256 values, got 300');
    expect(() => dtypeBytes('q4_0', 40, 'x.gguf: tensor t')).toThrow(ModelFileError);
    expect(() => dtypeBytes('q4_0', 40, 'x.gguf: tensor t')).toThrow('x.gguf: tensor t: Q4_0 needs a multiple of 32 values, got 40');
  });
});

describe('nearest_int', () => {
  it('rounds half to even like the 1.5·2^23 trick', () => {
    const cases: Array<[number, number]> = [[0.5, 0], [1.5, 2], [2.5, 2], [-0.5, -0], [-1.5, -2], [3.49, 3], [-3.51, -4], [63.5, 64]];
    for (const [v, want] of cases) expect(nearestInt(v) + 0, `nearest_int(${v})`).toBe(want + 0);
  });
});

describe('Q4_0 decoding', () => {
  it('low nibbles are values 0..15, high nibbles 16..31, x = (q − 8)·d', () => {
    const b = new Uint8Array(18);
    setU16(b, 0, F16_HALF); // d = 0.5
    b[2] = 0x9f; // value 0: 15 → (15−8)·0.5 = 3.5; value 16: 9 → 0.5
    b[2 + 15] = 0x08; // value 15: 8 → 0; value 31: 0 → −4
    for (let j = 1; j < 15; j++) b[2 + j] = 0x88; // zeros
    const y = dequantizeGgml('q4_0', b, 32);
    expect(y[0]).toBe(3.5);
    expect(y[16]).toBe(0.5);
    expect(y[15]).toBe(0);
    expect(y[31]).toBe(-4);
    expect([...y].filter((v, i) => ![0, 16, 31].includes(i) && v !== 0)).toEqual([]);
  });
});

describe('Q8_0 decoding and its reference quantizer', () => {
  it('x = q·d with qs[j] an int8 (block_q8_0: half d, int8 qs[32])', () => {
    const b = new Uint8Array(34);
    setU16(b, 0, F16_QUARTER); // d = 0.25
    b[2] = 127; // value 0: 127·0.25 = 31.75
    b[3] = 0x80; // value 1: −128·0.25 = −32
    b[2 + 31] = 0xff; // value 31: −1·0.25
    const y = dequantizeGgml('q8_0', b, 32);
    expect([y[0], y[1], y[31]]).toEqual([31.75, -32, -0.25]);
    expect([...y].filter((v, i) => ![0, 1, 31].includes(i) && v !== 0)).toEqual([]);
    // the int8 path's split of the same bytes (splitQ8_0: int8 + scale, matmul-int8's layout) agrees value for value
    const q = splitQ8_0(b, 32);
    expect(Array.from(q.q, (v) => Math.fround(v * q.scale[0]))).toEqual([...y]);
  });
  it('quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d), halves away from zero', () => {
    // amax 127 gives d = 1 exactly: x = ±2.5 rounds to ±3 (roundf), not 2 (half to even)
    const x = new Float32Array(32);
    x[0] = 127; x[1] = 2.5; x[2] = -2.5; x[3] = -127; x[4] = 0.49;
    const b = quantizeGgml('q8_0', x);
    expect(b[0] | (b[1] << 8)).toBe(F16_1);
    expect(Array.from(new Int8Array(b.buffer, 2, 5))).toEqual([127, 3, -3, -127, 0]);
  });
});

describe('Q4_1 / Q5_0 / Q5_1 decoding', () => {
  it('Q4_1: x = q·d + m (d, m, qs[16])', () => {
    const b = new Uint8Array(20);
    setU16(b, 0, F16_HALF); // d = 0.5
    setU16(b, 2, 0xbc00); // m = −1
    b[4] = 0x3a; // value 0: 10 → 10·0.5 − 1 = 4; value 16: 3 → 0.5
    const y = dequantizeGgml('q4_1', b, 32);
    expect([y[0], y[16], y[1]]).toEqual([4, 0.5, -1]);
  });
  it('Q5_0: bit j of the u32 qh is the fifth bit of value j, x = (q − 16)·d', () => {
    const b = new Uint8Array(22);
    setU16(b, 0, F16_QUARTER); // d = 0.25
    b[2] = 0b0000_0001; // qh bit 0: value 0 gets 16
    b[5] = 0b1000_0000; // qh bit 31: value 31 gets 16
    b[6] = 0x05; // value 0: low 5 | 16 = 21 → (21 − 16)·0.25 = 1.25; value 16: 0 → −4
    b[6 + 15] = 0x70; // value 15: 0 → −4; value 31: 7 | 16 = 23 → 1.75
    const y = dequantizeGgml('q5_0', b, 32);
    expect([y[0], y[16], y[15], y[31]]).toEqual([1.25, -4, -4, 1.75]);
  });
  it('Q5_1: d, m, qh[4], qs[16]; x = q·d + m', () => {
    const b = new Uint8Array(24);
    setU16(b, 0, F16_1); // d = 1
    setU16(b, 2, F16_HALF); // m = 0.5
    b[4 + 2] = 0b0000_0001; // qh bit 16: value 16 gets 16
    b[8] = 0x23; // value 0: 3 → 3.5; value 16: 2 | 16 = 18 → 18.5
    const y = dequantizeGgml('q5_1', b, 32);
    expect([y[0], y[16], y[1]]).toEqual([3.5, 18.5, 0.5]);
  });
});

describe('Q4_K decoding', () => {
  it('unpacks 6-bit scales and mins as get_scale_min_k4 and computes d·sc·q − dmin·m', () => {
    const b = new Uint8Array(144);
    setU16(b, 0, F16_1); // d = 1
    setU16(b, 2, F16_HALF); // dmin = 0.5
    const s = 4; // scales[12] start
    // sub-block 0: sc 3, m 2 (scales[0], scales[4], low 6 bits)
    b[s + 0] = 3;
    b[s + 4] = 2;
    // sub-block 1: sc 4, m 1; their top 2 bits carry sub-block 5's high bits: sc5 = 37 = 0b10_0101, m5 = 49 = 0b11_0001
    b[s + 1] = 4 | (2 << 6);
    b[s + 5] = 1 | (3 << 6);
    b[s + 9] = 0x5 | (0x1 << 4); // scales[j+4] for j = 5: low nibble = sc5 & 15, high nibble = m5 & 15
    expect(scaleMinK4(b, s, 5)).toEqual([37, 49]);
    expect(scaleMinK4(b, s, 1)).toEqual([4, 1]);
    // qs: chunk 0 (values 0..63) in qs[0..31]; value 0 = low nibble of qs[0], value 32 = its high nibble
    b[16 + 0] = 0x07;
    // chunk 2 (values 128..191) in qs[64..95]; value 160 = high nibble of qs[64] (sub-block 5), 128 its low nibble (sub-block 4: sc 0, m 0)
    b[16 + 64] = 0xa0;
    const y = dequantizeGgml('q4_k', b, 256);
    expect(y[0]).toBe(1 * 3 * 7 - 0.5 * 2); // 20
    expect(y[32]).toBe(1 * 4 * 0 - 0.5 * 1); // −0.5
    expect(y[160]).toBe(1 * 37 * 10 - 0.5 * 49); // 345.5
    expect(y[161]).toBe(-0.5 * 49);
    expect(y[128]).toBe(0);
    expect(y[1]).toBe(-1); // q 0 in sub-block 0: −dmin·m
  });
});

describe('Q5_K decoding', () => {
  it('adds 16 where qh has the bit of the value (bits 2c, 2c + 1 for chunk c)', () => {
    const b = new Uint8Array(176);
    setU16(b, 0, F16_1); // d = 1
    setU16(b, 2, 0); // dmin = 0
    b[4 + 0] = 2; // sub-block 0: sc 2
    b[4 + 1] = 3; // sub-block 1: sc 3
    b[4 + 2] = 1; // sub-block 2: sc 1
    b[16 + 0] = 0b0000_0111; // qh[0]: value 0 (bit 0), value 32 (bit 1), value 64 (bit 2) get +16
    b[48 + 0] = 0x31; // qs[0]: value 0 low nibble 1, value 32 high nibble 3
    b[48 + 32] = 0x00; // qs[32]: value 64 low nibble 0
    b[48 + 1] = 0x05; // value 1: 5, no high bit
    const y = dequantizeGgml('q5_k', b, 256);
    expect(y[0]).toBe(2 * (1 + 16));
    expect(y[32]).toBe(3 * (3 + 16));
    expect(y[64]).toBe(1 * 16);
    expect(y[1]).toBe(2 * 5);
    expect(y[96]).toBe(0); // sub-block 3: sc 0
  });
});

describe('Q6_K decoding', () => {
  it('joins 4 low bits of ql and 2 of qh, minus 32, times d·int8 scale', () => {
    const b = new Uint8Array(210);
    setU16(b, 208, F16_QUARTER); // d = 0.25 (after ql, qh, scales)
    const sc = 192;
    b[sc + 0] = 0xfd; // −3: values 0..15
    b[sc + 4] = 2; // values 64..79
    b[sc + 6] = 7; // values 96..111
    b[sc + 9] = 0x80; // −128: values 144..159
    b[0] = 0x5a; // ql[0]: value 0 low 4 bits 10, value 64 low 4 bits 5
    b[128 + 0] = 0b11_01_10_01; // qh[0]: value 0 top bits 1, value 32: 2, value 64: 1, value 96: 3
    b[32] = 0x00; // ql[32]: value 32 and value 96 low bits 0
    b[64 + 17] = 0x0f; // second half: ql[64 + 17] → value 128 + 17 = 145, low bits 15; qh[32 + 17] = 0
    for (let l = 0; l < 64; l++) if (l !== 0) b[128 + l] = 0b10_10_10_10; // q = 32 + low bits elsewhere
    const y = dequantizeGgml('q6_k', b, 256);
    expect(y[0]).toBe(0.25 * -3 * (10 + 16 - 32)); // 4.5
    expect(y[64]).toBe(0.25 * 2 * (5 + 16 - 32)); // −5.5
    expect(y[32]).toBe(0); // (0 + 32) − 32 with scale 0
    expect(y[96]).toBe(0.25 * 7 * (0 + 48 - 32)); // 28
    expect(y[145]).toBe(0.25 * -128 * (15 + 32 - 32)); // qh[32 + 17] bits 0..1 = 0b10 → +32: q = 15 + 32 − 32 = 15 → −480
  });
});

describe('Q3_K decoding', () => {
  // block_q3_K: hmask[32] @0, qs[64] @32, scales[12] @96, f16 d @108. Value 128h + 32j + l: q = (qs[32h + l] >> 2j & 3)
  // − 4 unless bit 4h + j of hmask[l] is set; sub-block 8h + 2j + (l ≥ 16), scale = its 6-bit level − 32; x = d·scale·q.
  it('joins 2 bits of qs and the hmask bit, times d·(6-bit scale − 32)', () => {
    const b = new Uint8Array(110);
    setU16(b, 108, F16_HALF); // d = 0.5
    b.fill(0xff, 0, 32); // every hmask bit set: q = qs bits (0 here) unless cleared below
    // sub-block 0 (values 0..15): level 34 = 0b10_0010: low 4 bits (2) in byte 96, high 2 bits (2) at bits 0..1 of byte 104
    b[96] = 0x02;
    b[104] = 0b10;
    // sub-block 9 (h 1, j 0, l ≥ 16: values 144..159): level 5: high nibble of byte 96 + 1; high bits 0 (byte 105, bits 4..5)
    b[97] = 0x50;
    // sub-block 15 (h 1, j 3, l ≥ 16: values 240..255): level 63: high nibble of byte 96 + 7, high bits 3 at bits 6..7 of byte 107
    b[103] = 0xf0;
    b[107] = 0b11 << 6;
    expect([q3kScale(b, 96, 0), q3kScale(b, 96, 9), q3kScale(b, 96, 15), q3kScale(b, 96, 3)]).toEqual([34, 5, 63, 0]);
    b[32 + 0] = 0b11; // value 0: qs[0] bits 0..1 = 3, hmask[0] bit 0 set: q = 3 → 0.5·2·3 = 3
    b[32 + 1] = 0b01; // value 1: 1, hmask[1] bit 0 cleared: q = 1 − 4 = −3 → 0.5·2·(−3) = −3
    b[1] &= ~1;
    b[32 + 48] = 0b10; // value 144 = 128 + 16: qs[32 + 16] bits 0..1 = 2, hmask[16] bit 4 cleared: q = −2 → 0.5·(−27)·(−2) = 27
    b[16] &= ~(1 << 4);
    b[16] &= ~(1 << 7); // value 240 = 128 + 96 + 16: qs[48] bits 6..7 = 0, hmask[16] bit 7 cleared: q = −4 → 0.5·31·(−4) = −62
    b[32 + 63] = 0b01 << 6; // value 255: qs[63] bits 6..7 = 1, hmask[31] bit 7 set: q = 1 → 0.5·31·1 = 15.5
    const y = dequantizeGgml('q3_k', b, 256);
    expect([y[0], y[1], y[144], y[240], y[255]]).toEqual([3, -3, 27, -62, 15.5]);
    expect([...y].filter((v, i) => ![0, 1, 144, 240, 255].includes(i) && v !== 0)).toEqual([]);
  });
});

describe('Q2_K decoding', () => {
  // block_q2_K: scales[16] @0, qs[64] @16, f16 d @80, f16 dmin @82. Value 128h + 32j + l: q = qs[32h + l] >> 2j & 3;
  // sub-block 8h + 2j + (l ≥ 16) has the byte scales[that]: low nibble sc, high nibble m; x = d·sc·q − dmin·m.
  it('2 bits of qs, times d·(low nibble), minus dmin·(high nibble)', () => {
    const b = new Uint8Array(84);
    setU16(b, 80, F16_HALF); // d = 0.5
    setU16(b, 82, F16_QUARTER); // dmin = 0.25
    b[0] = 0x23; // sub-block 0 (values 0..15): sc 3, m 2
    b[2] = 0x01; // sub-block 2 (h 0, j 1, l < 16: values 32..47): sc 1, m 0
    b[13] = 0x5f; // sub-block 13 = 8 + 2·2 + 1 (h 1, j 2, l ≥ 16: values 208..223): sc 15, m 5
    b[16 + 0] = 0b0111; // qs[0]: value 0 (bits 0..1) q 3 → 0.5·3·3 − 0.25·2 = 4; value 32 (bits 2..3) q 1 → 0.5·1·1 = 0.5
    b[16 + 32 + 18] = 0b10 << 4; // qs[32 + 18], bits 4..5: value 128 + 64 + 18 = 210, q 2 → 0.5·15·2 − 0.25·5 = 13.75
    const y = dequantizeGgml('q2_k', b, 256);
    expect([y[0], y[1], y[15], y[16], y[32], y[33], y[210], y[211], y[208], y[223]]).toEqual([4, -0.5, -0.5, 0, 0.5, 0, 13.75, -1.25, -1.25, -1.25]);
    const nonzero = new Set([0, 32, ...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 16 }, (_, i) => 208 + i)]);
    expect([...y].filter((v, i) => !nonzero.has(i) && v !== 0)).toEqual([]);
  });
});

describe('IQ4_NL / IQ4_XS decoding', () => {
  // kvalues_iq4nl, ggml-common.h
  it('the 16 levels are ggml\'s', () => expect(IQ4NL_VALUES).toEqual([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]));
  it('IQ4_NL: f16 d, qs[16] as Q4_0\'s nibbles; x = d·level[q]', () => {
    const b = new Uint8Array(18);
    setU16(b, 0, F16_HALF); // d = 0.5
    b.fill(0x88, 2); // level 8 = 1 → 0.5 everywhere else
    b[2] = 0x8f; // value 0: level 15 = 113 → 56.5; value 16: level 8 = 1 → 0.5
    b[2 + 15] = 0x07; // value 15: level 7 = −10 → −5; value 31: level 0 = −127 → −63.5
    const y = dequantizeGgml('iq4_nl', b, 32);
    expect([y[0], y[16], y[15], y[31]]).toEqual([56.5, 0.5, -5, -63.5]);
    expect([...y].filter((v, i) => ![0, 15, 31].includes(i) && v !== 0.5)).toEqual([]);
  });
  it('IQ4_XS: a 6-bit scale per 32 values (nibble of scales_l, 2 bits of scales_h), x = d·(ls − 32)·level[q]', () => {
    const b = new Uint8Array(136);
    setU16(b, 0, F16_QUARTER); // d = 0.25
    // scales_h @2 (u16): 2 bits per sub-block; default ls = 32 = 0b10_0000 (scale 0): high bits 0b10 everywhere, low nibbles 0
    // sub-block 0: ls 34 (low nibble 2 in scales_l[0] bits 0..3, high 2); sub-block 3: ls 63 (scales_l[1] bits 4..7 = 15,
    // scales_h bits 6..7 = 3); sub-block 7: ls 0 (scales_h bits 14..15 = 0): scales 2, 31, −32
    setU16(b, 2, 0x2aea);
    b[4] = 0x02;
    b[5] = 0xf0;
    b.fill(0x88, 8); // level 8 = 1: x = d·(ls − 32)
    b[8] = 0x0f; // sub-block 0, qs[0]: value 0 level 15 = 113 → 0.25·2·113 = 56.5; value 16 level 0 = −127 → −63.5
    b[8 + 48 + 5] = 0x87; // sub-block 3 (qs from 8 + 48), byte 5: value 96 + 5 level 7 = −10 → 0.25·31·(−10) = −77.5
    b[8 + 112 + 15] = 0xc8; // sub-block 7, byte 15: value 224 + 31 level 12 = 53 → 0.25·(−32)·53 = −424
    const y = dequantizeGgml('iq4_xs', b, 256);
    expect([y[0], y[16], y[1], y[101], y[117], y[100], y[255], y[239], y[224], y[32], y[200]]).toEqual([56.5, -63.5, 0.5, -77.5, 7.75, 7.75, -424, -8, -8, 0, 0]);
  });
});

describe('reference quantizers', () => {
  it('reproduce exactly representable Q4_0 blocks (d = max / −8)', () => {
    // values (q − 8)·0.5 with q = 0 present (max |x| = 4 at x = −4, so d = −4 / −8 = 0.5)
    const x = new Float32Array(32).map((_, i) => ((i * 7) % 16 - 8) * 0.5);
    expect(Math.min(...x)).toBe(-4);
    const b = quantizeGgml('q4_0', x);
    expect(b[0] | (b[1] << 8)).toBe(F16_HALF);
    expect(dequantizeGgml('q4_0', b, 32)).toEqual(x);
  });

  it('keep an all-zero block zero in every format', () => {
    for (const t of GGML_QUANT_TYPES) {
      const n = GGML_QUANTS[t].blockElems;
      // (Q4_0 stores d = 0 / −8 = −0, as ggml does, so compare with ===: −0 === 0)
      expect([...dequantizeGgml(t, quantizeGgml(t, new Float32Array(n)), n)].every((v) => v === 0), t).toBe(true);
    }
  });

  it('refuse non-finite values with one line', () => {
    const x = new Float32Array(256);
    x[3] = NaN;
    expect(() => quantizeGgml('q4_k', x)).toThrow('quantize Q4_K: value 3 is NaN; only finite values can be quantized');
  });

  // Round trip on uniform [−1, 1) values, 16 blocks. Q4_0's bound is the format's: the value at −max maps to
  // q = 16, clamped to 15, an error of |d| = amax/8 (plus d's f16 rounding). The K-quants' bounds are this
  // seed's measured errors (2026-12-07: max 0.082 / 0.040 / 0.017, RMS 0.031 / 0.016 / 0.0076 for Q4_K /
  // Q5_K / Q6_K) with ~20% margin, so a change in the quantizers' search shows; each bit halves them.
  const cases: Array<[GgmlBlockType, number, number]> = [
    // type, max |error| allowed, RMS error allowed
    ['q4_0', 1 / 8 + 1e-3, 0.042],
    // affine 32-value blocks: half a step of (max − min)/15 or /31, plus the f16 rounding of d and m
    ['q4_1', 2 / 30 + 2e-3, 0.042],
    ['q5_0', 1 / 16 + 1e-3, 0.021],
    ['q5_1', 2 / 62 + 2e-3, 0.021],
    ['q4_k', 0.1, 0.036],
    ['q5_k', 0.05, 0.019],
    ['q6_k', 0.022, 0.009],
    // our simpler Q3_K quantizer (levels −4..3 per 16 values, the largest |x| at −4; not ggml's search): this seed's
    // measured max 0.267, RMS 0.0776 (2026-12-07), ~20% margin
    ['q3_k', 0.32, 0.093],
    // our simpler Q2_K quantizer (an affine 0..3 fit per 16 values, not ggml's search): half a step of range / 3 is
    // ~0.33 here; this seed's measured max 0.330, RMS 0.161 (2026-12-07), ~20% margin
    ['q2_k', 0.4, 0.19],
    // our simpler IQ4_NL / IQ4_XS quantizers (nearest non-linear level of x / d, not ggml's search): this seed's measured
    // max 0.108 / 0.132, RMS 0.0399 / 0.0399 (2026-12-07), ~20% margin
    ['iq4_nl', 0.13, 0.048],
    ['iq4_xs', 0.16, 0.048],
    // half a step of amax / 127, plus d's f16 rounding; RMS: this seed's measured 0.0022 (max 0.0042, 2026-12-07) with ~20% margin
    ['q8_0', 1 / 254 + 1e-3, 0.0026],
  ];
  for (const [t, maxErr, rmsErr] of cases) {
    it(`${t}: round-trip error within the format's step`, () => {
      const x = randomF32(16 * 256, 5);
      const y = dequantizeGgml(t, quantizeGgml(t, x), x.length);
      let worst = 0, se = 0;
      for (let i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i] - y[i]));
        se += (x[i] - y[i]) ** 2;
      }
      expect(worst).toBeLessThanOrEqual(maxErr);
      expect(Math.sqrt(se / x.length)).toBeLessThanOrEqual(rmsErr);
    });
  }

  it('decode through the model loader (toF32) the same as dequantizeGgml', () => {
    const x = randomF32(512, 9);
    for (const t of [...GGML_QUANT_TYPES, 'q8_0'] as const) {
      const b = quantizeGgml(t, x);
      expect(dtypeBytes(t, 512, 't')).toBe(b.byteLength);
      expect(toF32(t, b, 512)).toEqual(dequantizeGgml(t, b, 512));
    }
  });
});

describe('the GPU decoders', () => {
  // One text: shaders/include/ggml_dequant.wgsl, included by both matmul-gguf shaders and the embedding gather (the GPU
  // tests check each against dequantizeGgml); a private copy in any would fail here.
  it('are one include file in both matmul-gguf shaders and the embedding gather', () => {
    const decoder = readFileSync(new URL('../../shaders/include/ggml_dequant.wgsl', import.meta.url), 'utf8');
    expect(decoder).toContain('fn decodePiece(pc: u32)');
    for (const f of ['matmul_gguf_gemv', 'matmul_gguf_tiled', 'embed']) {
      const raw = readFileSync(new URL(`../../shaders/${f}.wgsl`, import.meta.url), 'utf8');
      expect(raw, f).toContain('\n// #include "ggml_dequant.wgsl"\n');
      expect(raw, f).not.toContain('fn decodePiece');
      const resolved = nodeShaderSource(f);
      expect(resolved.split('fn decodePiece(').length - 1, f).toBe(1);
      expect(resolved, f).toContain(decoder.trimEnd());
    }
  });
});
