// ---- ggml block decoding: shaders/include/ggml_dequant.wgsl ---------------------------------------------
// Included (a line `// #include "ggml_dequant.wgsl"`, resolved by src/gpu/wgsl-include.ts) by
// matmul_gguf_gemv.wgsl, matmul_gguf_tiled.wgsl and embed.wgsl (a stored embedding table's rows). Decodes one block of a weight tensor stored as a GGUF
// file stores it, 32 values at a time, exactly as ggml's dequantize_row_* computes them (every value in f32,
// bit for bit; CPU twin: src/kernels/ggml-quants.ts). No shader-f16: f16 scales go through unpack2x16float.
//
// The including shader provides:
//   override FORMAT: u32       the block type, numbered as GGUF_FORMAT_CODE in src/kernels/matmul-gguf.ts:
//                              0 Q4_0, 1 Q4_K, 2 Q5_K, 3 Q6_K, 4 Q4_1, 5 Q5_0, 6 Q5_1, 7 F16, 8 BF16, 9 Q8_0,
//                              10 Q3_K, 11 Q2_K, 12 IQ4_NL, 13 IQ4_XS
//   fn bb(i: u32) -> u32       byte i of the current block (a block may start at byte 2 of a word: Q4_0,
//                              Q5_0, Q6_K, Q8_0, Q3_K and IQ4_NL blocks are 2 mod 4 bytes; the shader keeps that offset)
//   fn bw(j: u32) -> u32       word j of the current block, for the word-aligned F16 / BF16 blocks
// This file provides:
//   var<private> vals          the 32 values decodePiece wrote
//   blockElems(), blockBytes() values and bytes of one block of FORMAT
//   decodePiece(pc)            values 32·pc .. 32·pc + 31 of the current block into vals
//                              (pc < blockElems() / 32)
//   b16(i), f16At(i), scaleMin(j): the byte readers decodePiece uses (a little-endian u16 at byte i, an f16 at
//                              byte i, K-quant sub-block j's 6-bit scale and min)

var<private> vals: array<f32, 32>;        // 32 decoded values

fn b16(i: u32) -> u32 { return bb(i) | (bb(i + 1u) << 8u); }
fn f16At(i: u32) -> f32 { return unpack2x16float(b16(i)).x; }

fn blockElems() -> u32 {
  switch FORMAT {
    case 1u, 2u, 3u, 10u, 11u, 13u: { return 256u; }
    default: { return 32u; }
  }
}

fn blockBytes() -> u32 {
  switch FORMAT {
    case 0u: { return 18u; }
    case 1u: { return 144u; }
    case 2u: { return 176u; }
    case 3u: { return 210u; }
    case 4u: { return 20u; }
    case 5u: { return 22u; }
    case 7u, 8u: { return 64u; }
    case 9u: { return 34u; }
    case 10u: { return 110u; }
    case 11u: { return 84u; }
    case 12u: { return 18u; }
    case 13u: { return 136u; }
    default: { return 24u; }
  }
}

// get_scale_min_k4: the 6-bit scale and min of K-quant sub-block j; the 12 scale bytes start at byte 4.
fn scaleMin(j: u32) -> vec2<f32> {
  if (j < 4u) { return vec2<f32>(f32(bb(4u + j) & 63u), f32(bb(8u + j) & 63u)); }
  let sc = (bb(8u + j) & 0xfu) | ((bb(j) >> 6u) << 4u);
  let m = (bb(8u + j) >> 4u) | ((bb(4u + j) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}

// Q3_K's 6-bit scale of sub-block j (before the − 32); the 12 scale bytes start at byte 96: low 4 bits in byte j
// (j < 8) or the high nibble of byte j − 8, high 2 bits at bit 2·(j / 4) of byte 8 + j % 4.
fn q3kScale(j: u32) -> i32 {
  let low = select(bb(96u + j) & 0xfu, bb(88u + j) >> 4u, j >= 8u);
  return i32(low | (((bb(104u + j % 4u) >> (2u * (j / 4u))) & 3u) << 4u)) - 32;
}

// kvalues_iq4nl (ggml-common.h): IQ4_NL's and IQ4_XS's 16 non-linear levels, indexed by a nibble.
fn iq4nl(i: u32) -> f32 {
  let t = array<f32, 16>(-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0, 13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);
  return t[i];
}

// Values 32·pc .. 32·pc + 31 of the block into `vals`, as ggml's dequantize_row_* computes them.
fn decodePiece(pc: u32) {
  switch FORMAT {
    case 0u: {   // Q4_0: f16 d, qs[16]; value j = low nibble of qs[j], value j + 16 its high nibble
      let d = f16At(0u);
      for (var j = 0u; j < 16u; j++) {
        let q = bb(2u + j);
        vals[j] = f32(i32(q & 0xfu) - 8) * d;
        vals[j + 16u] = f32(i32(q >> 4u) - 8) * d;
      }
    }
    case 1u, 2u: {   // Q4_K / Q5_K: f16 d, f16 dmin, scales[12], (Q5_K: qh[32]), qs[128]
      let dm = unpack2x16float(b16(0u) | (b16(2u) << 16u));
      let s = scaleMin(pc);
      let d1 = dm.x * s.x;
      let m1 = dm.y * s.y;
      let qs = select(16u, 48u, FORMAT == 2u) + 32u * (pc / 2u);   // 32 bytes per 64 values
      let shift = 4u * (pc % 2u);                                     // first 32: low nibbles
      for (var l = 0u; l < 32u; l++) {
        var q = (bb(qs + l) >> shift) & 0xfu;
        if (FORMAT == 2u) { q += ((bb(16u + l) >> pc) & 1u) << 4u; }  // qh[l] bit pc: the fifth bit
        vals[l] = d1 * f32(q) - m1;
      }
    }
    case 4u, 5u, 6u: {   // Q4_1: d, m, qs[16]; Q5_0: d, qh[4], qs[16]; Q5_1: d, m, qh[4], qs[16]
      let affine = FORMAT != 5u;
      var dm = vec2<f32>(f16At(0u), 0.0);
      if (affine) { dm = unpack2x16float(b16(0u) | (b16(2u) << 16u)); }
      let hOff = select(2u, 4u, affine);
      var qh = 0u;
      if (FORMAT != 4u) { qh = b16(hOff) | (b16(hOff + 2u) << 16u); }   // bit j: fifth bit of value j
      let qs = select(hOff + 4u, 4u, FORMAT == 4u);
      for (var j = 0u; j < 16u; j++) {
        let q = bb(qs + j);
        let q0 = (q & 0xfu) | (((qh >> j) & 1u) << 4u);
        let q1 = (q >> 4u) | (((qh >> (j + 16u)) & 1u) << 4u);
        if (affine) {
          vals[j] = f32(q0) * dm.x + dm.y;
          vals[j + 16u] = f32(q1) * dm.x + dm.y;
        } else {
          vals[j] = f32(i32(q0) - 16) * dm.x;
          vals[j + 16u] = f32(i32(q1) - 16) * dm.x;
        }
      }
    }
    case 10u: {   // Q3_K: hmask[32], qs[64], scales[12], f16 d; piece pc = 4h + j: qs[32h + l] bits 2j, hmask[l] bit pc
      let d = f16At(108u);
      let h = pc / 4u;
      let j = pc % 4u;
      let dl0 = d * f32(q3kScale(2u * pc));        // sub-block 8h + 2j = 2·pc: values l < 16
      let dl1 = d * f32(q3kScale(2u * pc + 1u));   // l ≥ 16
      for (var l = 0u; l < 32u; l++) {
        let q = i32((bb(32u + 32u * h + l) >> (2u * j)) & 3u) - select(4, 0, ((bb(l) >> pc) & 1u) == 1u);
        vals[l] = select(dl0, dl1, l >= 16u) * f32(q);
      }
    }
    case 11u: {   // Q2_K: scales[16], qs[64], f16 d, f16 dmin; piece pc = 4h + j: qs[32h + l] bits 2j
      let dm = unpack2x16float(b16(80u) | (b16(82u) << 16u));
      let h = pc / 4u;
      let j = pc % 4u;
      let s0 = bb(2u * pc);         // sub-block 8h + 2j = 2·pc: low nibble scale, high nibble min (values l < 16)
      let s1 = bb(2u * pc + 1u);    // l ≥ 16
      let d0 = dm.x * f32(s0 & 0xfu);
      let m0 = dm.y * f32(s0 >> 4u);
      let d1 = dm.x * f32(s1 & 0xfu);
      let m1 = dm.y * f32(s1 >> 4u);
      for (var l = 0u; l < 32u; l++) {
        let q = f32((bb(16u + 32u * h + l) >> (2u * j)) & 3u);
        if (l < 16u) { vals[l] = d0 * q - m0; } else { vals[l] = d1 * q - m1; }
      }
    }
    case 12u, 13u: {   // IQ4_NL: f16 d, qs[16]; IQ4_XS: f16 d, u16 scales_h, scales_l[4], qs[128] (16 bytes per piece)
      let d = f16At(0u);
      var dl = d;
      var qs = 2u;
      if (FORMAT == 13u) {
        let ls = ((bb(4u + pc / 2u) >> (4u * (pc % 2u))) & 0xfu) | (((b16(2u) >> (2u * pc)) & 3u) << 4u);
        dl = d * f32(i32(ls) - 32);
        qs = 8u + 16u * pc;
      }
      for (var j = 0u; j < 16u; j++) {
        let q = bb(qs + j);
        vals[j] = dl * iq4nl(q & 0xfu);
        vals[j + 16u] = dl * iq4nl(q >> 4u);
      }
    }
    case 9u: {   // Q8_0: f16 d, qs[32] int8; value j = qs[j]·d
      let d = f16At(0u);
      for (var j = 0u; j < 32u; j++) { vals[j] = f32(extractBits(i32(bb(2u + j)), 0u, 8u)) * d; }
    }
    case 7u, 8u: {   // F16 / BF16 as stored: 32 values of 2 bytes (16 words, always word-aligned), value 2j in the low half
      for (var j = 0u; j < 16u; j++) {
        let w = bw(j);
        if (FORMAT == 7u) {
          let v = unpack2x16float(w);
          vals[2u * j] = v.x;
          vals[2u * j + 1u] = v.y;
        } else {   // bf16: the top 16 bits of an f32
          vals[2u * j] = bitcast<f32>(w << 16u);
          vals[2u * j + 1u] = bitcast<f32>(w & 0xffff0000u);
        }
      }
    }
    default: {   // Q6_K: ql[128], qh[64], int8 scales[16], f16 d; per 128 values: 4 groups of 32
      let d = f16At(208u);
      let h = pc / 4u;
      let k = pc % 4u;
      let ql = 64u * h + 32u * (k % 2u);
      let shift = 4u * (k / 2u);
      let qh = 128u + 32u * h;
      let sc = 192u + 8u * h + 2u * k;
      for (var l = 0u; l < 32u; l++) {
        let q = i32(((bb(ql + l) >> shift) & 0xfu) | (((bb(qh + l) >> (2u * k)) & 3u) << 4u)) - 32;
        let s = f32(extractBits(i32(bb(sc + l / 16u)), 0u, 8u));
        vals[l] = (d * s) * f32(q);
      }
    }
  }
}
