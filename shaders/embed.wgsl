// embed: token embedding lookup (plus GPT-2's learned position embedding):
//   X[m, :] = SCALE · E[ids[m] - v0, :] (+ P[pos0 + m, :] when POS); SCALE 1 but for Gemma 3 (sqrt(D))
// ids: [M] u32; E: [V, D] (the vocabulary, or with SPLIT the part of token ids v0..v0+V-1) as F32 / FORMAT say:
//   F32: f32 row-major, one value per u32 word (bitcast);
//   else a model file's table as stored, FORMAT matmul-gguf's numbering (GGUF_FORMAT_CODE):
//   7 = f16, 8 = bf16: two values per u32 word, value 2j in the low half (D even); f16 widened through
//     unpack2x16float, bf16 as the top half of an f32;
//   0..6, 9..13 = ggml blocks (Q4_0, Q4_K, Q5_K, Q6_K, Q4_1, Q5_0, Q5_1, Q8_0, Q3_K, Q2_K, IQ4_NL, IQ4_XS): row r = D / blockElems whole blocks at byte
//     r·rowBytes (rowBytes = D / blockElems · blockBytes), rows back to back, decoded by the text
//     matmul_gguf_gemv.wgsl / matmul_gguf_tiled.wgsl decode with (shaders/include/ggml_dequant.wgsl).
//   No shader-f16 is needed, and X holds the values ggml's dequantize_row_* gives exactly.
// P: [positions, D] f32; X: [M, D] row-major f32.
// SPLIT (a vocabulary larger than one binding, one dispatch per part): a row whose id lies outside
// the part keeps its value in X. Every part reads one row of E for every token (the id clamped into
// the part) and the row of X, so its traffic does not depend on the ids.
// Tiling: one workgroup of WG invocations per token; invocation 0 reads the id into workgroup
// memory. f32: an invocation per value; 16-bit: an invocation per word (two values); ggml: an invocation per
// block (blocks lid, lid + WG, ...: its WPB words read once into registers, decoded 32 values at a time).
// Global traffic per token: 4 bytes of ids, 4·D of E (2·D when 16-bit; ggml: 4·WPB per block, WPB =
// (blockBytes + blockBytes % 4) / 4, the block's bytes plus 2 of a neighbour's for 2 mod 4 blocks)
// (+ 4·D of P) (+ 4·D of X with SPLIT), 4·D stored.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override POS: bool = false;
override SPLIT: bool = false;
override F32: bool = true;     // E f32; else stored as FORMAT
override SCALE: f32 = 1.0;    // each gathered value times this (set only where it is not 1)
override FORMAT: u32 = 0u;     // 0 Q4_0, 1 Q4_K, 2 Q5_K, 3 Q6_K, 4 Q4_1, 5 Q5_0, 6 Q5_1, 7 F16, 8 BF16, 9 Q8_0, 10 Q3_K, 11 Q2_K, 12 IQ4_NL, 13 IQ4_XS (unread with F32)
override INSTRUMENT: bool = false;

const MAX_WPB: u32 = 53u;      // Q6_K: 210 B -> 53 words

struct Params { D: u32, V: u32, pos0: u32, v0: u32 }

@group(0) @binding(0) var<storage, read> ids: array<u32>;       // [M]
@group(0) @binding(1) var<storage, read> E: array<u32>;         // [V, D] f32 bits, [V, D / 2] words of two f16 / bf16, or [V] rows of ggml blocks
@group(0) @binding(2) var<storage, read> P: array<f32>;         // [positions, D] (unread without POS)
@group(0) @binding(3) var<storage, read_write> X: array<f32>;   // [M, D]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> tok: u32;

var<private> blk: array<u32, MAX_WPB>;    // the current block's words
var<private> sh: u32;                     // its byte offset in blk[0] (0 or 2)

/** The two values of a 16-bit word (value 2j in the low half). */
fn widen2(w: u32) -> vec2f {
  if (FORMAT == 7u) { return unpack2x16float(w); }
  return vec2f(bitcast<f32>(w << 16u), bitcast<f32>(w & 0xffff0000u));
}

fn bb(i: u32) -> u32 {
  let j = i + sh;
  return (blk[j >> 2u] >> (8u * (j & 3u))) & 0xffu;
}

// Word j of the current block (F16 / BF16 blocks; this kernel reads those two per word instead).
fn bw(j: u32) -> u32 { return blk[j]; }

// ggml block decoding for FORMAT from bb / bw above: vals, blockElems, blockBytes, decodePiece
// #include "ggml_dequant.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }
  var loaded = 0u;
  var stored = 0u;

  let m = wid.x;
  if (lid == 0u) { tok = ids[m]; loaded += 4u; }
  workgroupBarrier();
  let t = tok;
  let inPart = t >= p.v0 && t - p.v0 < p.V;
  let r = select(p.V - 1u, t - p.v0, inPart);   // an id outside the part (or the vocabulary) reads the last row, never past E
  if (F32) {
    for (var d = lid; d < p.D; d += WG) {
      var v = bitcast<f32>(E[r * p.D + d]) * SCALE;
      loaded += 4u;
      if (POS) { v += P[(p.pos0 + m) * p.D + d]; loaded += 4u; }
      if (SPLIT) { v = select(X[m * p.D + d], v, inPart); loaded += 4u; }
      X[m * p.D + d] = v;
      stored += 4u;
    }
  } else if (FORMAT == 7u || FORMAT == 8u) {
    let W = p.D / 2u;
    for (var j = lid; j < W; j += WG) {
      var v = widen2(E[r * W + j]) * SCALE;
      loaded += 4u;
      let d = m * p.D + 2u * j;
      if (POS) { let q = (p.pos0 + m) * p.D + 2u * j; v += vec2f(P[q], P[q + 1u]); loaded += 8u; }
      if (SPLIT) { v = select(vec2f(X[d], X[d + 1u]), v, inPart); loaded += 8u; }
      X[d] = v.x;
      X[d + 1u] = v.y;
      stored += 8u;
    }
  } else {
    let QK = blockElems();
    let BB = blockBytes();
    let WPB = (BB + BB % 4u) / 4u;
    let nb = p.D / QK;                  // blocks per row
    for (var b = lid; b < nb; b += WG) {
      let o = (r * nb + b) * BB;        // the block's first byte in E
      let w0 = o >> 2u;
      sh = o & 3u;
      for (var i = 0u; i < WPB; i++) { blk[i] = E[w0 + i]; }
      loaded += 4u * WPB;
      for (var pc = 0u; pc < QK / 32u; pc++) {
        decodePiece(pc);
        let d0 = b * QK + 32u * pc;     // value d0 + l of the row
        for (var l = 0u; l < 32u; l++) {
          let d = m * p.D + d0 + l;
          var v = vals[l] * SCALE;
          if (POS) { v += P[(p.pos0 + m) * p.D + d0 + l]; loaded += 4u; }
          if (SPLIT) { v = select(X[d], v, inPart); loaded += 4u; }
          X[d] = v;
          stored += 4u;
        }
      }
    }
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
