// ggml's 2- to 6-bit weight formats (GGUF types Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q3_K, Q2_K, IQ4_NL, IQ4_XS): block
// layouts, exact dequantization and ggml's reference quantizers (Q3_K, Q2_K, IQ4_NL, IQ4_XS: simpler quantizers that
// write valid blocks, see there), ported from ggml/src/ggml-quants.c
// (dequantize_row_*, quantize_row_*_ref) and ggml-common.h (block_* structs) of ggml-org/ggml
// (commit d99724f, 2026-08-21). Pure TypeScript, no GPU: the CPU references of the matmul-gguf kernel,
// the model loader and the test-model writers all decode through this one module.
//
// Block layouts (little-endian, blocks back to back, a tensor row of K values = K / blockElems blocks):
//   Q4_0 (18 B / 32 values): f16 d; qs[16]: low nibble of qs[j] = q of value j, high nibble = value j + 16.
//        x = (q - 8)·d.
//   Q4_1 (20 B / 32): f16 d, f16 m, qs[16] as Q4_0. x = q·d + m.
//   Q5_0 (22 B / 32): f16 d, qh[4] (a u32: bit j = fifth bit of value j), qs[16] as Q4_0. x = (q − 16)·d.
//   Q5_1 (24 B / 32): f16 d, f16 m, qh[4], qs[16]. x = q·d + m. (llama.cpp's quantizer writes Q5_0 / Q5_1 / Q8_0
//        in place of Q4_K / Q5_K / Q6_K for tensors whose rows are not a multiple of 256, e.g. SmolLM2-135M's 576.)
//   Q4_K (144 B / 256): f16 d, f16 dmin; scales[12] = eight 6-bit scales and eight 6-bit mins (one per
//        32 values) packed as get_scale_min_k4 reads them; qs[128]: for each 64 values, 32 bytes whose low
//        nibbles are values 0..31 and high nibbles values 32..63. x = d·sc·q − dmin·m.
//   Q5_K (176 B / 256): like Q4_K, then qh[32] (before qs[128]): bit 2c of qh[l] is the fifth bit of value
//        l of chunk c's first 32 values, bit 2c+1 of its second 32.
//   Q8_0 (34 B / 32): f16 d; qs[32] int8. x = q·d. The model loader reads Q8_0 linears as int8 with a scale per 32
//        (src/llm/dtype.ts) for matmul-int8; a Q8_0 token embedding (and a tied head over it) stays as stored and runs
//        through the embed and matmul-gguf kernels, which decode it with this module's reference.
//   Q6_K (210 B / 256): ql[128], qh[64], int8 scales[16] (one per 16 values), f16 d. Per 128 values:
//        q = (ql & 0xF | two bits of qh << 4) − 32 for values l, l+32 (low nibbles of ql[l], ql[l+32])
//        and l+64, l+96 (high nibbles); qh[l] holds the top bits of l, l+32, l+64, l+96 at bits 0, 2, 4, 6.
//        x = d·scale·q.
//   Q3_K (110 B / 256): hmask[32], qs[64], scales[12], f16 d. Value 128h + 32j + l (h 0..1, j 0..3, l 0..31):
//        q = (qs[32h + l] >> 2j & 3) − (bit 4h + j of hmask[l] ? 0 : 4), in −4..3; sixteen 6-bit scales (one per 16
//        values, sub-block 8h + 2j + l/16) packed as q3kScale reads them. x = d·(scale − 32)·q.
//   Q2_K (84 B / 256): scales[16], qs[64], f16 d, f16 dmin. Value 128h + 32j + l: q = qs[32h + l] >> 2j & 3; its
//        sub-block (16 values) 8h + 2j + l/16 has the byte scales[8h + 2j + l/16]: low nibble sc, high nibble m.
//        x = d·sc·q − dmin·m.
//   IQ4_NL (18 B / 32): f16 d, qs[16] as Q4_0's nibbles, each an index into the 16 non-linear levels IQ4NL_VALUES.
//        x = d·IQ4NL_VALUES[q].
//   IQ4_XS (136 B / 256): f16 d, u16 scales_h, scales_l[4], qs[128]. Sub-block ib (32 values): 6-bit scale ls = nibble
//        ib % 2 of scales_l[ib / 2] | bits 2ib..2ib+1 of scales_h << 4; qs[16ib..16ib + 15] as IQ4_NL's.
//        x = d·(ls − 32)·IQ4NL_VALUES[q].
// Arithmetic: each value is computed in f32 as ggml's C does (products then the subtraction, each
// rounded to f32; the products are exact: an f16 times a 6-bit scale times a 4..6-bit q fits 24 bits).
// The quantizers repeat ggml's *_ref algorithms with every f32 operation rounded (Math.fround), as the
// C code compiles without FMA contraction; nearest_int is its 1.5·2^23 trick (round half to even).

import { f16BitsToF32, f32ToF16Bits } from './f16.ts';

/** The 2- to 6-bit formats: this module decodes and encodes them, matmul-gguf reads them. */
export type GgmlQuantType = 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q4_k' | 'q5_k' | 'q6_k' | 'q3_k' | 'q2_k' | 'iq4_nl' | 'iq4_xs';
/** Every ggml block format we read: the 2- to 6-bit ones and Q8_0. */
export type GgmlBlockType = 'q8_0' | GgmlQuantType;

export interface GgmlQuantInfo {
  /** ggml's type id in GGUF tensor infos. */
  ggmlType: number;
  /** ggml's name, e.g. "Q4_K". */
  name: string;
  /** Values per block. */
  blockElems: number;
  /** Bytes per block. */
  blockBytes: number;
  /** Bits per weight, scales included (8·blockBytes / blockElems). */
  bitsPerWeight: number;
  /** Byte offsets of the block's f16 fields (d, and dmin / m where it has one): where a NaN or ±Inf can hide. */
  f16Fields: readonly number[];
}

/** The block formats, by our lower-case dtype name (the one FileDType uses). */
export const GGML_QUANTS = {
  q8_0: { ggmlType: 8, name: 'Q8_0', blockElems: 32, blockBytes: 34, bitsPerWeight: 8.5, f16Fields: [0] },
  q4_0: { ggmlType: 2, name: 'Q4_0', blockElems: 32, blockBytes: 18, bitsPerWeight: 4.5, f16Fields: [0] },
  q4_1: { ggmlType: 3, name: 'Q4_1', blockElems: 32, blockBytes: 20, bitsPerWeight: 5, f16Fields: [0, 2] },
  q5_0: { ggmlType: 6, name: 'Q5_0', blockElems: 32, blockBytes: 22, bitsPerWeight: 5.5, f16Fields: [0] },
  q5_1: { ggmlType: 7, name: 'Q5_1', blockElems: 32, blockBytes: 24, bitsPerWeight: 6, f16Fields: [0, 2] },
  q4_k: { ggmlType: 12, name: 'Q4_K', blockElems: 256, blockBytes: 144, bitsPerWeight: 4.5, f16Fields: [0, 2] },
  q5_k: { ggmlType: 13, name: 'Q5_K', blockElems: 256, blockBytes: 176, bitsPerWeight: 5.5, f16Fields: [0, 2] },
  q6_k: { ggmlType: 14, name: 'Q6_K', blockElems: 256, blockBytes: 210, bitsPerWeight: 6.5625, f16Fields: [208] },
  q3_k: { ggmlType: 11, name: 'Q3_K', blockElems: 256, blockBytes: 110, bitsPerWeight: 3.4375, f16Fields: [108] },
  q2_k: { ggmlType: 10, name: 'Q2_K', blockElems: 256, blockBytes: 84, bitsPerWeight: 2.625, f16Fields: [80, 82] },
  iq4_nl: { ggmlType: 20, name: 'IQ4_NL', blockElems: 32, blockBytes: 18, bitsPerWeight: 4.5, f16Fields: [0] },
  iq4_xs: { ggmlType: 23, name: 'IQ4_XS', blockElems: 256, blockBytes: 136, bitsPerWeight: 4.25, f16Fields: [0] },
} as const satisfies Record<GgmlBlockType, GgmlQuantInfo>;

/** The 2- to 6-bit formats (GgmlQuantType): every block format but Q8_0. */
export const GGML_QUANT_TYPES = Object.keys(GGML_QUANTS).filter((t) => t !== 'q8_0') as GgmlQuantType[];

/** Whether `t` is one of the 2- to 6-bit formats (not Q8_0). */
export function isGgmlQuant(t: string): t is GgmlQuantType {
  return (GGML_QUANT_TYPES as string[]).includes(t);
}

/** The first block (in file order) whose f16 d / dmin / m is NaN or ±Inf (an all-ones exponent), and that value; without decoding the blocks. */
export function firstNonFiniteScale(type: GgmlBlockType, raw: Uint8Array): { block: number; value: number } | undefined {
  const q = GGML_QUANTS[type];
  for (let b = 0, o = 0; o + q.blockBytes <= raw.byteLength; b++, o += q.blockBytes) {
    for (const f of q.f16Fields) {
      const h = raw[o + f] | (raw[o + f + 1] << 8);
      if ((h & 0x7c00) === 0x7c00) return { block: b, value: f16BitsToF32(h) };
    }
  }
  return undefined;
}

/** Thrown for a value count that is not a whole number of blocks. */
export class GgmlQuantError extends Error {
  override name = 'GgmlQuantError';
}

/** Bytes of `elements` values in `type`; the count must be a whole number of blocks. */
export function ggmlQuantBytes(type: GgmlBlockType, elements: number, what = 'tensor'): number {
  const q = GGML_QUANTS[type];
  if (elements % q.blockElems !== 0) throw new GgmlQuantError(`${what}: ${q.name} needs a multiple of ${q.blockElems} values, got ${elements}`);
  return (elements / q.blockElems) * q.blockBytes;
}

const fr = Math.fround;

/** ggml's nearest_int: round half to even through f32(v + 1.5·2^23), for |v| ≤ 2^22 − 1. */
export function nearestInt(v: number): number {
  return fr(fr(v) + 12582912) - 12582912;
}

/** get_scale_min_k4: the 6-bit scale and min of sub-block j (0..7) from a K-quant's 12 scale bytes at `o`. */
export function scaleMinK4(b: Uint8Array, o: number, j: number): [number, number] {
  if (j < 4) return [b[o + j] & 63, b[o + j + 4] & 63];
  return [(b[o + j + 4] & 0xf) | ((b[o + j - 4] >> 6) << 4), (b[o + j + 4] >> 4) | ((b[o + j] >> 6) << 4)];
}

/** Q3_K's 6-bit scale of sub-block j (0..15, before the − 32) from its 12 scale bytes at `o`: low 4 bits in byte j
 * (j < 8) or the high nibble of byte j − 8; high 2 bits at bit 2·(j / 4) of byte 8 + j % 4 (dequantize_row_q3_K's aux words). */
export function q3kScale(b: Uint8Array, o: number, j: number): number {
  const low = j < 8 ? b[o + j] & 0xf : b[o + j - 8] >> 4;
  return low | (((b[o + 8 + (j % 4)] >> (2 * (j >> 2))) & 3) << 4);
}

/** kvalues_iq4nl (ggml-common.h): the 16 non-linear levels of IQ4_NL and IQ4_XS, indexed by a nibble. */
export const IQ4NL_VALUES: readonly number[] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

const f16At = (b: Uint8Array, o: number) => f16BitsToF32(b[o] | (b[o + 1] << 8));

function setF16(b: Uint8Array, o: number, v: number): void {
  const h = f32ToF16Bits(v);
  b[o] = h & 0xff;
  b[o + 1] = h >> 8;
}

/** Dequantizes `elements` values (whole blocks) of `type` from `raw`, exactly as ggml's dequantize_row_*. */
export function dequantizeGgml(type: GgmlBlockType, raw: Uint8Array, elements: number): Float32Array {
  const q = GGML_QUANTS[type];
  const nb = ggmlQuantBytes(type, elements) / q.blockBytes;
  if (raw.byteLength < nb * q.blockBytes) throw new GgmlQuantError(`${q.name}: ${elements} values need ${nb * q.blockBytes} bytes, got ${raw.byteLength}`);
  const y = new Float32Array(elements);
  for (let i = 0; i < nb; i++) {
    const o = i * q.blockBytes;
    const y0 = i * q.blockElems;
    switch (type) {
      case 'q8_0': {
        const d = f16At(raw, o);
        for (let j = 0; j < 32; j++) y[y0 + j] = fr(((raw[o + 2 + j] << 24) >> 24) * d);
        break;
      }
      case 'q4_0': {
        const d = f16At(raw, o);
        for (let j = 0; j < 16; j++) {
          const b = raw[o + 2 + j];
          y[y0 + j] = fr(((b & 0xf) - 8) * d);
          y[y0 + j + 16] = fr(((b >> 4) - 8) * d);
        }
        break;
      }
      case 'q4_1':
      case 'q5_0':
      case 'q5_1': {
        // d, (m), (qh), qs: the fifth bit of value j is bit j of qh (values 16..31: bits 16..31)
        const d = f16At(raw, o);
        const affine = type !== 'q5_0';
        const m = affine ? f16At(raw, o + 2) : 0;
        const five = type !== 'q4_1';
        const hOff = affine ? o + 4 : o + 2;
        const qh = five ? (raw[hOff] | (raw[hOff + 1] << 8) | (raw[hOff + 2] << 16) | (raw[hOff + 3] << 24)) >>> 0 : 0;
        const qs = five ? hOff + 4 : o + 4;
        for (let j = 0; j < 16; j++) {
          const b = raw[qs + j];
          const q0 = (b & 0xf) | (((qh >>> j) & 1) << 4);
          const q1 = (b >> 4) | (((qh >>> (j + 16)) & 1) << 4);
          if (affine) {
            y[y0 + j] = fr(fr(q0 * d) + m);
            y[y0 + j + 16] = fr(fr(q1 * d) + m);
          } else {
            y[y0 + j] = fr((q0 - 16) * d);
            y[y0 + j + 16] = fr((q1 - 16) * d);
          }
        }
        break;
      }
      case 'q4_k':
      case 'q5_k': {
        const d = f16At(raw, o);
        const min = f16At(raw, o + 2);
        const five = type === 'q5_k';
        const qh = o + 16;
        let ql = five ? o + 48 : o + 16;
        let yi = y0;
        for (let c = 0; c < 4; c++) {
          const [sc1, m1i] = scaleMinK4(raw, o + 4, 2 * c);
          const [sc2, m2i] = scaleMinK4(raw, o + 4, 2 * c + 1);
          const d1 = fr(d * sc1), m1 = fr(min * m1i), d2 = fr(d * sc2), m2 = fr(min * m2i);
          const u1 = 1 << (2 * c), u2 = 2 << (2 * c);
          for (let l = 0; l < 32; l++) y[yi++] = fr(fr(d1 * ((raw[ql + l] & 0xf) + (five && raw[qh + l] & u1 ? 16 : 0))) - m1);
          for (let l = 0; l < 32; l++) y[yi++] = fr(fr(d2 * ((raw[ql + l] >> 4) + (five && raw[qh + l] & u2 ? 16 : 0))) - m2);
          ql += 32;
        }
        break;
      }
      case 'q3_k': {
        // hmask[32], qs[64], scales[12], f16 d: value 128h + 32j + l: two bits of qs[32h + l] at 2j, minus 4 unless
        // bit 4h + j of hmask[l] is set; its sub-block (16 values) is 8h + 2j + (l >= 16), a 6-bit scale − 32
        const d = f16At(raw, o + 108);
        for (let h = 0; h < 2; h++) {
          for (let j = 0; j < 4; j++) {
            const dl = [fr(d * (q3kScale(raw, o + 96, 8 * h + 2 * j) - 32)), fr(d * (q3kScale(raw, o + 96, 8 * h + 2 * j + 1) - 32))];
            for (let l = 0; l < 32; l++) {
              const q = ((raw[o + 32 + 32 * h + l] >> (2 * j)) & 3) - (raw[o + l] & (1 << (4 * h + j)) ? 0 : 4);
              y[y0 + 128 * h + 32 * j + l] = fr(dl[l >> 4] * q);
            }
          }
        }
        break;
      }
      case 'q2_k': {
        // scales[16], qs[64], f16 d, f16 dmin: value 128h + 32j + l: two bits of qs[32h + l] at 2j; its sub-block's
        // byte scales[8h + 2j + (l >= 16)]: low nibble × d, high nibble × dmin
        const d = f16At(raw, o + 80);
        const min = f16At(raw, o + 82);
        for (let h = 0; h < 2; h++) {
          for (let j = 0; j < 4; j++) {
            for (let l = 0; l < 32; l++) {
              const sc = raw[o + 8 * h + 2 * j + (l >> 4)];
              const q = (raw[o + 16 + 32 * h + l] >> (2 * j)) & 3;
              y[y0 + 128 * h + 32 * j + l] = fr(fr(fr(d * (sc & 0xf)) * q) - fr(min * (sc >> 4)));
            }
          }
        }
        break;
      }
      case 'iq4_nl': {
        const d = f16At(raw, o);
        for (let j = 0; j < 16; j++) {
          const b = raw[o + 2 + j];
          y[y0 + j] = fr(d * IQ4NL_VALUES[b & 0xf]);
          y[y0 + j + 16] = fr(d * IQ4NL_VALUES[b >> 4]);
        }
        break;
      }
      case 'iq4_xs': {
        const d = f16At(raw, o);
        const sh = raw[o + 2] | (raw[o + 3] << 8);
        for (let ib = 0; ib < 8; ib++) {
          const ls = ((raw[o + 4 + (ib >> 1)] >> (4 * (ib % 2))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
          const dl = fr(d * (ls - 32));
          for (let j = 0; j < 16; j++) {
            const b = raw[o + 8 + 16 * ib + j];
            y[y0 + 32 * ib + j] = fr(dl * IQ4NL_VALUES[b & 0xf]);
            y[y0 + 32 * ib + j + 16] = fr(dl * IQ4NL_VALUES[b >> 4]);
          }
        }
        break;
      }
      case 'q6_k': {
        const d = f16At(raw, o + 208);
        for (let h = 0; h < 2; h++) {
          const ql = o + 64 * h, qh = o + 128 + 32 * h, sc = o + 192 + 8 * h, yb = y0 + 128 * h;
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const hb = raw[qh + l];
            const q1 = ((raw[ql + l] & 0xf) | ((hb & 3) << 4)) - 32;
            const q2 = ((raw[ql + l + 32] & 0xf) | (((hb >> 2) & 3) << 4)) - 32;
            const q3 = ((raw[ql + l] >> 4) | (((hb >> 4) & 3) << 4)) - 32;
            const q4 = ((raw[ql + l + 32] >> 4) | (((hb >> 6) & 3) << 4)) - 32;
            const s = (k: number) => (raw[sc + is + k] << 24) >> 24; // int8
            y[yb + l] = fr(fr(d * s(0)) * q1);
            y[yb + l + 32] = fr(fr(d * s(2)) * q2);
            y[yb + l + 64] = fr(fr(d * s(4)) * q3);
            y[yb + l + 96] = fr(fr(d * s(6)) * q4);
          }
        }
        break;
      }
    }
  }
  return y;
}

// ---- reference quantizers (ggml's quantize_row_*_ref) -------------------------------------------

/** Quantizes `x` (a whole number of blocks) to `type`, as ggml's quantize_row_*_ref. */
export function quantizeGgml(type: GgmlBlockType, x: Float32Array): Uint8Array {
  const q = GGML_QUANTS[type];
  const nb = ggmlQuantBytes(type, x.length, `quantize ${q.name}`) / q.blockBytes;
  const out = new Uint8Array(nb * q.blockBytes);
  for (let i = 0; i < nb; i++) {
    const xb = x.subarray(i * q.blockElems, (i + 1) * q.blockElems);
    const o = i * q.blockBytes;
    for (let j = 0; j < xb.length; j++) {
      if (!Number.isFinite(xb[j])) throw new GgmlQuantError(`quantize ${q.name}: value ${i * q.blockElems + j} is ${xb[j]}; only finite values can be quantized`);
    }
    if (type === 'q8_0') quantizeQ8_0Block(xb, out, o);
    else if (type === 'q4_0') quantizeQ4_0Block(xb, out, o);
    else if (type === 'q4_1' || type === 'q5_0' || type === 'q5_1') quantizeLegacyBlock(type, xb, out, o);
    else if (type === 'q6_k') quantizeQ6_KBlock(xb, out, o);
    else if (type === 'q3_k') quantizeQ3_KBlock(xb, out, o);
    else if (type === 'q2_k') quantizeQ2_KBlock(xb, out, o);
    else if (type === 'iq4_nl') quantizeIq4NlBlock(xb, out, o);
    else if (type === 'iq4_xs') quantizeIq4XsBlock(xb, out, o);
    else quantizeQ45_KBlock(xb, out, o, type === 'q5_k');
  }
  return out;
}

/** quantize_row_q8_0_ref for one block of 32: d = amax / 127, q = roundf(x / d) (half away from zero). */
function quantizeQ8_0Block(x: Float32Array, out: Uint8Array, o: number): void {
  let amax = 0;
  for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[j]));
  const d = fr(amax / 127);
  const id = d ? fr(1 / d) : 0;
  setF16(out, o, d);
  for (let j = 0; j < 32; j++) {
    const v = fr(x[j] * id);
    out[o + 2 + j] = (Math.sign(v) * Math.round(Math.abs(v))) & 0xff;
  }
}

function quantizeQ4_0Block(x: Float32Array, out: Uint8Array, o: number): void {
  let amax = 0, max = 0;
  for (let j = 0; j < 32; j++) {
    if (amax < Math.abs(x[j])) {
      amax = Math.abs(x[j]);
      max = x[j];
    }
  }
  const d = fr(max / -8);
  const id = d ? fr(1 / d) : 0;
  setF16(out, o, d);
  for (let j = 0; j < 16; j++) {
    const x0 = fr(x[j] * id), x1 = fr(x[j + 16] * id);
    // (int8_t)(x + 8.5f): truncation toward zero; x·id lies in [-8, 8], so the sum is in [0.5, 16.5]
    const xi0 = Math.min(15, Math.trunc(fr(x0 + 8.5)));
    const xi1 = Math.min(15, Math.trunc(fr(x1 + 8.5)));
    out[o + 2 + j] = xi0 | (xi1 << 4);
  }
}

/** quantize_row_q4_1_ref / q5_0_ref / q5_1_ref for one block of 32. */
function quantizeLegacyBlock(type: 'q4_1' | 'q5_0' | 'q5_1', x: Float32Array, out: Uint8Array, o: number): void {
  let qh = 0;
  const put = (j: number, xi0: number, xi1: number, qs: number) => {
    out[qs + j] = (xi0 & 0xf) | ((xi1 & 0xf) << 4);
    qh |= ((xi0 & 0x10) >> 4) << j;
    qh |= ((xi1 & 0x10) >> 4) << (j + 16);
  };
  if (type === 'q5_0') {
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) {
      if (amax < Math.abs(x[j])) {
        amax = Math.abs(x[j]);
        max = x[j];
      }
    }
    const d = fr(max / -16);
    const id = d ? fr(1 / d) : 0;
    setF16(out, o, d);
    for (let j = 0; j < 16; j++) put(j, Math.min(31, Math.trunc(fr(fr(x[j] * id) + 16.5))), Math.min(31, Math.trunc(fr(fr(x[j + 16] * id) + 16.5))), o + 6);
  } else {
    let min = Infinity, max = -Infinity;
    for (let j = 0; j < 32; j++) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const nmax = type === 'q4_1' ? 15 : 31;
    const d = fr(fr(max - min) / nmax);
    const id = d ? fr(1 / d) : 0;
    setF16(out, o, d);
    setF16(out, o + 2, min);
    // q4_1: MIN(15, (int8_t)(x + 0.5f)); q5_1: (uint8_t)(x + 0.5f), at most 31.5 -> 31
    const level = (v: number) => Math.min(nmax, Math.trunc(fr(fr(fr(v - min) * id) + 0.5)));
    for (let j = 0; j < 16; j++) put(j, level(x[j]), level(x[j + 16]), type === 'q4_1' ? o + 4 : o + 8);
  }
  if (type !== 'q4_1') {
    const h = type === 'q5_0' ? o + 2 : o + 4;
    for (let b = 0; b < 4; b++) out[h + b] = (qh >>> (8 * b)) & 0xff;
  }
}

/** make_qkx2_quants (use_mad false): scale and −min of an affine fit of n values to [0, nmax]; L gets the levels. */
function makeQkx2Quants(x: Float32Array, weights: Float32Array, nmax: number, L: Uint8Array, rmin: number, rdelta: number, nstep: number): { scale: number; min: number } {
  const n = x.length;
  let min = x[0], max = x[0];
  let sumW = weights[0];
  let sumX = fr(sumW * x[0]);
  for (let i = 1; i < n; i++) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sumW = fr(sumW + weights[i]);
    sumX = fr(sumX + fr(weights[i] * x[i]));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0);
    return { scale: 0, min: -min };
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = nearestInt(fr(iscale * fr(x[i] - min)));
    L[i] = Math.max(0, Math.min(nmax, l));
    let diff = fr(fr(fr(scale * L[i]) + min) - x[i]);
    diff = fr(diff * diff);
    bestError = fr(bestError + fr(weights[i] * diff));
  }
  const Laux = new Uint8Array(n);
  for (let is = 0; is <= nstep; is++) {
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(x[i] - min)))));
      Laux[i] = l;
      const w = weights[i];
      sumL = fr(sumL + fr(w * l));
      sumL2 = fr(sumL2 + fr(fr(w * l) * l));
      sumXL = fr(sumXL + fr(fr(w * l) * x[i]));
    }
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (D > 0) {
      let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
      let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fr(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = fr(fr(fr(thisScale * Laux[i]) + thisMin) - x[i]);
        diff = fr(diff * diff);
        curError = fr(curError + fr(weights[i] * diff));
      }
      if (curError < bestError) {
        L.set(Laux);
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

/** quantize_row_q4_K_ref / quantize_row_q5_K_ref for one block of 256. */
function quantizeQ45_KBlock(x: Float32Array, out: Uint8Array, o: number, five: boolean): void {
  const nmax = five ? 31 : 15;
  const L = new Uint8Array(256);
  const scales = new Float32Array(8), mins = new Float32Array(8);
  const weights = new Float32Array(32);
  let maxScale = 0, maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const xs = x.subarray(32 * j, 32 * j + 32);
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(xs[l] * xs[l]));
    const avX = fr(Math.sqrt(fr(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = fr(avX + Math.abs(xs[l]));
    const r = five ? makeQkx2Quants(xs, weights, nmax, L.subarray(32 * j, 32 * j + 32), -0.5, fr(0.1), 15) : makeQkx2Quants(xs, weights, nmax, L.subarray(32 * j, 32 * j + 32), -1, fr(0.1), 20);
    scales[j] = r.scale;
    mins[j] = r.min;
    if (r.scale > maxScale) maxScale = r.scale;
    if (r.min > maxMin) maxMin = r.min;
  }
  const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
  const sb = o + 4;
  for (let j = 0; j < 8; j++) {
    // uint8_t ls = nearest_int(...): values stay in [0, 63.5], so the u8 cast keeps them
    const ls = Math.min(63, nearestInt(fr(invScale * scales[j])));
    const lm = Math.min(63, nearestInt(fr(invMin * mins[j])));
    if (j < 4) {
      out[sb + j] = ls;
      out[sb + j + 4] = lm;
    } else {
      out[sb + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      out[sb + j - 4] |= (ls >> 4) << 6;
      out[sb + j] |= (lm >> 4) << 6;
    }
  }
  setF16(out, o, fr(maxScale / 63));
  setF16(out, o + 2, fr(maxMin / 63));
  const dAll = f16At(out, o), dminAll = f16At(out, o + 2);
  for (let j = 0; j < 8; j++) {
    const [sc, m] = scaleMinK4(out, sb, j);
    const d = fr(dAll * sc);
    if (!d) continue;
    const dm = fr(dminAll * m);
    for (let ii = 0; ii < 32; ii++) L[32 * j + ii] = Math.max(0, Math.min(nmax, nearestInt(fr(fr(x[32 * j + ii] + dm) / d))));
  }
  if (!five) {
    for (let c = 0; c < 4; c++) for (let l = 0; l < 32; l++) out[o + 16 + 32 * c + l] = L[64 * c + l] | (L[64 * c + l + 32] << 4);
    return;
  }
  const qh = o + 16, ql = o + 48;
  for (let c = 0; c < 4; c++) {
    const m1 = 1 << (2 * c), m2 = 2 << (2 * c);
    for (let j = 0; j < 32; j++) {
      let l1 = L[64 * c + j], l2 = L[64 * c + j + 32];
      if (l1 > 15) {
        l1 -= 16;
        out[qh + j] |= m1;
      }
      if (l2 > 15) {
        l2 -= 16;
        out[qh + j] |= m2;
      }
      out[ql + 32 * c + j] = l1 | (l2 << 4);
    }
  }
}

/** GROUP_MAX_EPS of ggml-quants.c: a group whose max |x| is below it is all zero. */
const GROUP_MAX_EPS = fr(1e-15);

/** make_qx_quants with rmse_type 1 and no weights (Q6_K): a symmetric fit of n values to [-nmax, nmax − 1]; L gets level + nmax. */
function makeQxQuants(x: Float32Array, nmax: number, L: Int8Array): number {
  const n = x.length;
  let max = 0, amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0);
    return 0;
  }
  const clampL = (l: number) => Math.max(-nmax, Math.min(nmax - 1, l));
  let iscale = fr(-nmax / max);
  let sumlx = 0, suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = clampL(nearestInt(fr(iscale * x[i])));
    L[i] = l + nmax;
    const w = fr(x[i] * x[i]);
    sumlx = fr(sumlx + fr(fr(w * x[i]) * l));
    suml2 = fr(suml2 + fr(fr(w * l) * l));
  }
  let scale = suml2 ? fr(sumlx / suml2) : 0;
  let best = fr(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fr(-fr(nmax + fr(fr(0.1) * is)) / max);
    sumlx = suml2 = 0;
    for (let i = 0; i < n; i++) {
      const l = clampL(nearestInt(fr(iscale * x[i])));
      const w = fr(x[i] * x[i]);
      sumlx = fr(sumlx + fr(fr(w * x[i]) * l));
      suml2 = fr(suml2 + fr(fr(w * l) * l));
    }
    if (suml2 > 0 && fr(sumlx * sumlx) > fr(best * suml2)) {
      for (let i = 0; i < n; i++) L[i] = nmax + clampL(nearestInt(fr(iscale * x[i])));
      scale = fr(sumlx / suml2);
      best = fr(scale * sumlx);
    }
  }
  return scale;
}

/** quantize_row_q6_K_ref for one block of 256. */
function quantizeQ6_KBlock(x: Float32Array, out: Uint8Array, o: number): void {
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  let maxScale = 0, maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    const s = makeQxQuants(x.subarray(16 * ib, 16 * ib + 16), 32, L.subarray(16 * ib, 16 * ib + 16));
    scales[ib] = s;
    if (Math.abs(s) > maxAbsScale) {
      maxAbsScale = Math.abs(s);
      maxScale = s;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) return; // the block stays all zero (d = 0)
  const iscale = fr(-128 / maxScale);
  setF16(out, o + 208, fr(1 / iscale));
  const d16 = f16At(out, o + 208);
  const sc = new Int8Array(16);
  for (let ib = 0; ib < 16; ib++) {
    sc[ib] = Math.min(127, nearestInt(fr(iscale * scales[ib])));
    out[o + 192 + ib] = sc[ib] & 0xff;
  }
  for (let j = 0; j < 16; j++) {
    const d = fr(d16 * sc[j]);
    if (!d) continue;
    for (let ii = 0; ii < 16; ii++) L[16 * j + ii] = Math.max(-32, Math.min(31, nearestInt(fr(x[16 * j + ii] / d)))) + 32;
  }
  for (let h = 0; h < 2; h++) {
    const ql = o + 64 * h, qh = o + 128 + 32 * h, j = 128 * h;
    for (let l = 0; l < 32; l++) {
      const a = L[j + l], b = L[j + l + 32], c = L[j + l + 64], e = L[j + l + 96];
      out[ql + l] = (a & 0xf) | ((c & 0xf) << 4);
      out[ql + l + 32] = (b & 0xf) | ((e & 0xf) << 4);
      out[qh + l] = (a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6);
    }
  }
}

/** The value of largest magnitude (the first such, with its sign): where the symmetric quantizers put their extreme level. */
function signedAbsMax(x: ArrayLike<number>): number {
  let amax = 0, max = 0;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]) > amax) {
      amax = Math.abs(x[i]);
      max = x[i];
    }
  }
  return max;
}

/**
 * Q3_K for one block of 256: writes valid blocks, NOT llama.cpp's quantize_row_q3_K_ref search (make_qx_quants over
 * each 16 values, then over the 16 scales). Ours: each sub-block's scale puts its largest |x| at level −4 (levels −4..3),
 * the 16 scales are stored as 6-bit levels of d = (largest scale) / −32, and each value takes the nearest level of its
 * stored scale. Only the decoder is held to ggml (the tests and llama.cpp read these blocks).
 */
function quantizeQ3_KBlock(x: Float32Array, out: Uint8Array, o: number): void {
  const scales = new Float32Array(16);
  for (let j = 0; j < 16; j++) scales[j] = fr(signedAbsMax(x.subarray(16 * j, 16 * j + 16)) / -4);
  const smax = signedAbsMax(scales);
  if (Math.abs(smax) < GROUP_MAX_EPS) return; // all zero: d = 0
  const d = fr(smax / -32);
  setF16(out, o + 108, d);
  const d16 = f16At(out, o + 108);
  const sb = o + 96;
  for (let j = 0; j < 16; j++) {
    const l = Math.max(-32, Math.min(31, nearestInt(fr(scales[j] / d)))) + 32;
    if (j < 8) out[sb + j] |= l & 0xf;
    else out[sb + j - 8] |= (l & 0xf) << 4;
    out[sb + 8 + (j % 4)] |= (l >> 4) << (2 * (j >> 2));
  }
  for (let j = 0; j < 16; j++) {
    const dl = fr(d16 * (q3kScale(out, sb, j) - 32));
    for (let ii = 0; ii < 16; ii++) {
      const v = 16 * j + ii;
      const L = dl ? Math.max(-4, Math.min(3, nearestInt(fr(x[v] / dl)))) + 4 : 4; // 0..7; a zero scale: level 0
      // value v = 128h + 32jj + l: bits 0..1 at 2·jj of qs[32h + l], the third in bit 4h + jj of hmask[l]
      const h = v >> 7, jj = (v >> 5) & 3, l = v & 31;
      out[o + 32 + 32 * h + l] |= (L & 3) << (2 * jj);
      if (L > 3) out[o + l] |= 1 << (4 * h + jj);
    }
  }
}

/**
 * Q2_K for one block of 256: writes valid blocks, NOT llama.cpp's quantize_row_q2_K_ref search (make_qkx2_quants with
 * mean absolute deviation over each 16 values). Ours: each sub-block an affine fit of its range [min(x, 0), max] to
 * levels 0..3 (scale = range / 3, min = −min(x, 0)); the 16 scales and 16 mins stored as 4-bit levels of
 * d = (largest scale) / 15 and dmin = (largest min) / 15; each value takes the nearest level of its stored scale and min.
 */
function quantizeQ2_KBlock(x: Float32Array, out: Uint8Array, o: number): void {
  const scales = new Float32Array(16), mins = new Float32Array(16);
  let maxScale = 0, maxMin = 0;
  for (let j = 0; j < 16; j++) {
    let lo = 0, hi = -Infinity;
    for (let l = 0; l < 16; l++) {
      lo = Math.min(lo, x[16 * j + l]);
      hi = Math.max(hi, x[16 * j + l]);
    }
    scales[j] = fr(fr(hi - lo) / 3);
    mins[j] = -lo;
    maxScale = Math.max(maxScale, scales[j]);
    maxMin = Math.max(maxMin, mins[j]);
  }
  setF16(out, o + 80, fr(maxScale / 15));
  setF16(out, o + 82, fr(maxMin / 15));
  const d = f16At(out, o + 80), dmin = f16At(out, o + 82);
  for (let j = 0; j < 16; j++) {
    const sc = d > 0 ? Math.min(15, nearestInt(fr(scales[j] / d))) : 0;
    const m = dmin > 0 ? Math.min(15, nearestInt(fr(mins[j] / dmin))) : 0;
    out[o + j] = sc | (m << 4);
    const dl = fr(d * sc), ml = fr(dmin * m);
    for (let ii = 0; ii < 16; ii++) {
      const v = 16 * j + ii;
      const L = dl ? Math.max(0, Math.min(3, nearestInt(fr(fr(x[v] + ml) / dl)))) : 0;
      // value v = 128h + 32jj + l: bits at 2·jj of qs[32h + l]
      out[o + 16 + 32 * (v >> 7) + (v & 31)] |= L << (2 * ((v >> 5) & 3));
    }
  }
}

/** The index of the IQ4_NL level nearest v (the lower one on a tie). */
function nearestIq4(v: number): number {
  let best = 0;
  for (let i = 1; i < 16; i++) if (Math.abs(IQ4NL_VALUES[i] - v) < Math.abs(IQ4NL_VALUES[best] - v)) best = i;
  return best;
}

/**
 * IQ4_NL for one block of 32: writes valid blocks, NOT llama.cpp's quantize_iq4_nl search (it tries scales around
 * max / −127 and keeps the best weighted fit). Ours: d = (largest |x|, signed) / −127, so that value is the level −127
 * exactly, and each value takes the nearest level of x / d.
 */
function quantizeIq4NlBlock(x: Float32Array, out: Uint8Array, o: number): void {
  const d = fr(signedAbsMax(x) / IQ4NL_VALUES[0]);
  setF16(out, o, d);
  const d16 = f16At(out, o);
  for (let j = 0; j < 16; j++) {
    const lo = d16 ? nearestIq4(fr(x[j] / d16)) : 8, hi = d16 ? nearestIq4(fr(x[j + 16] / d16)) : 8; // level 8 is 1: 0 when d is
    out[o + 2 + j] = lo | (hi << 4);
  }
}

/**
 * IQ4_XS for one block of 256: writes valid blocks, NOT llama.cpp's quantize_iq4_xs search. Ours: each 32 values'
 * scale s = (largest |x|, signed) / −127; the eight scales stored as 6-bit levels (ls − 32) of d = (largest s) / −32; each
 * value takes the nearest IQ4_NL level of x / (d·(ls − 32)).
 */
function quantizeIq4XsBlock(x: Float32Array, out: Uint8Array, o: number): void {
  const scales = new Float32Array(8);
  for (let ib = 0; ib < 8; ib++) scales[ib] = fr(signedAbsMax(x.subarray(32 * ib, 32 * ib + 32)) / IQ4NL_VALUES[0]);
  const smax = signedAbsMax(scales);
  const d = fr(smax / -32);
  setF16(out, o, d);
  const d16 = f16At(out, o);
  let sh = 0;
  for (let ib = 0; ib < 8; ib++) {
    const ls = d16 ? Math.max(-32, Math.min(31, nearestInt(fr(scales[ib] / d16)))) + 32 : 32;
    out[o + 4 + (ib >> 1)] |= (ls & 0xf) << (4 * (ib % 2));
    sh |= (ls >> 4) << (2 * ib);
    const dl = fr(d16 * (ls - 32));
    for (let j = 0; j < 16; j++) {
      const lo = dl ? nearestIq4(fr(x[32 * ib + j] / dl)) : 8, hi = dl ? nearestIq4(fr(x[32 * ib + j + 16] / dl)) : 8;
      out[o + 8 + 16 * ib + j] = lo | (hi << 4);
    }
  }
  out[o + 2] = sh & 0xff;
  out[o + 3] = sh >> 8;
}
