// matmul_gguf_tiled: Y = X · Wᵀ (prefill) with W [N, K] in ggml blocks exactly as a GGUF file stores them
// (FORMAT 0 = Q4_0: 18 B per 32 values; 1 = Q4_K: 144 B per 256; 2 = Q5_K: 176 B; 3 = Q6_K: 210 B;
// 4 = Q4_1: 20 B per 32; 5 = Q5_0: 22 B; 6 = Q5_1: 24 B; 7 = F16, 8 = BF16: 16-bit floats as
// stored, read as blocks of 32 values = 64 B with no scale; 9 = Q8_0: 34 B per 32; 10 = Q3_K: 110 B per 256; 11 = Q2_K: 84 B per 256; 12 = IQ4_NL: 18 B per 32; 13 = IQ4_XS: 136 B per 256).
// matmul_gguf_gemv.wgsl is the decode form. Plan: src/kernels/matmul-gguf.ts.
// X: [M, K] f32; W: the blocks as u32 words, row n (output feature n) at byte n·rowBytes; Y: [M, N] f32 bits.
// No shader-f16: f16 scales go through unpack2x16float.
// Tiling: a workgroup owns a BM×BN block of Y, (BN/TN)·(BM/TM) invocations, each a TM×TN register tile.
// Per block along K: the BN columns' blocks (WPB words each; a Q4_0 / Q5_0 / Q6_K block may start at byte 2 of its
// first word, so a reader fetches 2 bytes of a neighbour) are staged in workgroup memory (Ws, offsets in
// Sh). Per 32 values of the block: X's BM rows are staged (As), one invocation per column decodes its 32
// values exactly as ggml does into Bs, and every invocation runs 32 f32 FMA steps on its register tile.

override FORMAT: u32 = 1u;   // 0 Q4_0, 1 Q4_K, 2 Q5_K, 3 Q6_K, 4 Q4_1, 5 Q5_0, 6 Q5_1, 7 F16, 8 BF16, 9 Q8_0, 10 Q3_K, 11 Q2_K, 12 IQ4_NL, 13 IQ4_XS
override BM: u32 = 32;       // rows of Y per workgroup
override BN: u32 = 32;       // columns of Y per workgroup
override TM: u32 = 4;        // register tile rows
override TN: u32 = 4;        // register tile columns
override WPB: u32 = 36;      // u32 words a block spans: (blockBytes + blockBytes % 4) / 4
override DH: u32 = 0u;       // 0: Y [M, N] row-major; else Y [N/DH, M, DH] head-major
override INSTRUMENT: bool = false;

const P: u32 = 32u;          // values decoded per step
const MAX_T: u32 = 64u;      // TM·TN ≤ 64

struct Params { M: u32, N: u32, K: u32, rowBytes: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;           // [M, K]
@group(0) @binding(1) var<storage, read> W: array<u32>;           // [N, K] ggml blocks, rows of rowBytes
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;     // [M, N] f32 bits, or [N/DH, M, DH]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Ws: array<u32, BN * WPB>;  // [BN, WPB] the columns' current block
var<workgroup> Sh: array<u32, BN>;        // byte offset of each column's block in its first word
var<workgroup> As: array<f32, BM * P>;    // [BM, 32] staged X
var<workgroup> Bs: array<f32, BN * P>;    // [BN, 32] decoded weights

var<private> wbase: u32;                  // the current column's first word in Ws
var<private> sh: u32;                     // its block's byte offset in that word

// Where Y[row, col] goes: row-major, or head-major (head col / DH) when DH > 0.
fn yIndex(row: u32, col: u32) -> u32 {
  if (DH == 0u) { return row * p.N + col; }
  let dh = max(DH, 1u);   // a constant divisor of 0 would not compile even in the branch not taken
  return ((col / dh) * p.M + row) * dh + col % dh;
}

fn bb(i: u32) -> u32 {
  let j = i + sh;
  return (Ws[wbase + (j >> 2u)] >> (8u * (j & 3u))) & 0xffu;
}

// Word j of the current block, for blocks that start on a word (sh == 0: F16 / BF16, 64-byte blocks in rows of 2K bytes).
fn bw(j: u32) -> u32 { return Ws[wbase + j]; }

// ggml block decoding for FORMAT from bb / bw above: vals, blockElems, blockBytes, decodePiece
// #include "ggml_dequant.wgsl"

@compute @workgroup_size(BN / TN, BM / TM)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let T = (BN / TN) * (BM / TM);
  let tx = lid3.x;
  let ty = lid3.y;
  let n0 = wid.x * BN;
  let m0 = wid.y * BM;
  let QK = blockElems();
  let BB = blockBytes();
  var loaded = 0u;
  var stored = 0u;
  var acc: array<f32, MAX_T>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  var a: array<f32, 8>;
  var b: array<f32, 8>;

  for (var kb = 0u; kb < p.K / QK; kb++) {
    for (var i = lid; i < BN * WPB; i += T) {
      let c = i / WPB;
      let w = i % WPB;
      var v = 0u;
      if (n0 + c < p.N) {
        let o = (n0 + c) * p.rowBytes + kb * BB;
        v = W[(o >> 2u) + w];
        loaded += 4u;
        if (w == 0u) { Sh[c] = o & 3u; }
      }
      Ws[i] = v;
    }
    workgroupBarrier();
    for (var pc = 0u; pc < QK / P; pc++) {
      for (var i = lid; i < BM * P; i += T) {
        let r = i / P;
        var v = 0.0;
        if (m0 + r < p.M) { v = X[(m0 + r) * p.K + kb * QK + pc * P + i % P]; loaded += 4u; }
        As[i] = v;
      }
      for (var c = lid; c < BN; c += T) {
        if (n0 + c < p.N) {
          wbase = c * WPB;
          sh = Sh[c];
          decodePiece(pc);
          for (var l = 0u; l < P; l++) { Bs[c * P + l] = vals[l]; }
        } else {
          for (var l = 0u; l < P; l++) { Bs[c * P + l] = 0.0; }
        }
      }
      workgroupBarrier();
      for (var k = 0u; k < P; k++) {
        for (var i = 0u; i < TM; i++) { a[i] = As[(ty * TM + i) * P + k]; }
        for (var j = 0u; j < TN; j++) { b[j] = Bs[(tx * TN + j) * P + k]; }
        for (var i = 0u; i < TM; i++) {
          for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]); }
        }
      }
      workgroupBarrier();
    }
  }

  for (var i = 0u; i < TM; i++) {
    let row = m0 + ty * TM + i;
    for (var j = 0u; j < TN; j++) {
      let col = n0 + tx * TN + j;
      if (row < p.M && col < p.N) {
        Y[yIndex(row, col)] = bitcast<u32>(acc[i * TN + j]);
        stored += 4u;
      }
    }
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == T - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
