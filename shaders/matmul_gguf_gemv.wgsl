// matmul_gguf_gemv: Y = X · Wᵀ for few rows (decode) with W [N, K] in ggml blocks exactly as a GGUF file
// stores them (FORMAT 0 = Q4_0: 18 B per 32 values; 1 = Q4_K: 144 B per 256; 2 = Q5_K: 176 B; 3 = Q6_K:
// 210 B; 4 = Q4_1: 20 B per 32; 5 = Q5_0: 22 B; 6 = Q5_1: 24 B; 7 = F16, 8 = BF16: 16-bit floats as
// stored, read as blocks of 32 values = 64 B with no scale; 9 = Q8_0: 34 B per 32; 10 = Q3_K: 110 B per 256; 11 = Q2_K: 84 B per 256; 12 = IQ4_NL: 18 B per 32; 13 = IQ4_XS: 136 B per 256), a weight-streaming GEMV. matmul_gguf_tiled.wgsl is the prefill form. Plan: src/kernels/matmul-gguf.ts.
// X: [M, K] f32; W: the blocks as u32 words, row n (output feature n) at byte n·rowBytes, rowBytes =
// K / blockElems · blockBytes; Y: [M, N] f32 bits. No shader-f16: f16 scales go through unpack2x16float.
// Tiling: a workgroup owns NC output columns and MR = min(M, 8) rows; TK lanes share a column. X's rows are
// staged XC values (whole blocks) at a time in workgroup memory; lane l of a column takes blocks l, l + TK, ...
// of the chunk: it loads the block's WPB words once into registers (a block at an even byte offset; Q4_0, Q5_0
// and Q6_K blocks are 2 mod 4 bytes, so half of them start at byte 2 of a word, and a reader fetches 2 bytes of a
// neighbour), decodes 32 values at a time exactly as ggml (the products are exact in f32, the K-quants' one
// subtraction rounds as ggml's does), and adds their dot with each staged row to an f32 sum per row. The TK
// lane sums of a column are added in workgroup memory; lane 0 writes Y.

override FORMAT: u32 = 1u;   // 0 Q4_0, 1 Q4_K, 2 Q5_K, 3 Q6_K, 4 Q4_1, 5 Q5_0, 6 Q5_1, 7 F16, 8 BF16, 9 Q8_0, 10 Q3_K, 11 Q2_K, 12 IQ4_NL, 13 IQ4_XS
override TK: u32 = 8;        // lanes per output column (a power of two)
override NC: u32 = 8;        // output columns per workgroup
override MR: u32 = 8;        // rows per workgroup (≤ 8): min(M, 8)
override XC: u32 = 256;      // values of each X row staged per step (whole blocks)
override WPB: u32 = 36;      // u32 words a block spans: (blockBytes + blockBytes % 4) / 4
override DH: u32 = 0u;       // 0: Y [M, N] row-major; else Y [N/DH, M, DH] head-major
override INSTRUMENT: bool = false;

const MAX_MR: u32 = 8u;
const MAX_WPB: u32 = 53u;    // Q6_K: 210 B -> 53 words

struct Params { M: u32, N: u32, K: u32, rowBytes: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;           // [M, K]
@group(0) @binding(1) var<storage, read> W: array<u32>;           // [N, K] ggml blocks, rows of rowBytes
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;     // [M, N] f32 bits, or [N/DH, M, DH]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<f32, MR * XC>;   // [MR, XC] staged values of X
var<workgroup> Red: array<f32, TK * NC>;  // [NC, TK] lane sums

var<private> blk: array<u32, MAX_WPB>;    // the current block's words
var<private> sh: u32;                     // its byte offset in blk[0]

// Where Y[row, col] goes: row-major, or head-major (head col / DH) when DH > 0.
fn yIndex(row: u32, col: u32) -> u32 {
  if (DH == 0u) { return row * p.N + col; }
  let dh = max(DH, 1u);   // a constant divisor of 0 would not compile even in the branch not taken
  return ((col / dh) * p.M + row) * dh + col % dh;
}

fn bb(i: u32) -> u32 {
  let j = i + sh;
  return (blk[j >> 2u] >> (8u * (j & 3u))) & 0xffu;
}

// Word j of the current block, for blocks that start on a word (sh == 0: F16 / BF16, 64-byte blocks in rows of 2K bytes).
fn bw(j: u32) -> u32 { return blk[j]; }

// ggml block decoding for FORMAT from bb / bw above: vals, blockElems, blockBytes, decodePiece
// #include "ggml_dequant.wgsl"

@compute @workgroup_size(TK, NC)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let lk = lid3.x;
  let col = lid3.y;
  let n = wid.x * NC + col;
  let colOk = n < p.N;
  let row0 = wid.y * MR;
  let QK = blockElems();
  let BB = blockBytes();
  var loaded = 0u;
  var stored = 0u;
  var acc: array<f32, MAX_MR>;   // this lane's sums, one per row
  for (var m = 0u; m < MR; m++) { acc[m] = 0.0; }

  for (var c0 = 0u; c0 < p.K; c0 += XC) {
    let cLen = min(XC, p.K - c0);
    for (var i = lid; i < MR * XC; i += TK * NC) {
      let m = i / XC;
      let k = i % XC;
      var v = 0.0;
      if (row0 + m < p.M && k < cLen) { v = X[(row0 + m) * p.K + c0 + k]; loaded += 4u; }
      Xs[i] = v;
    }
    workgroupBarrier();
    if (colOk) {
      for (var b = lk; b < cLen / QK; b += TK) {
        let o = n * p.rowBytes + (c0 / QK + b) * BB;
        let w0 = o >> 2u;
        sh = o & 3u;
        for (var i = 0u; i < WPB; i++) { blk[i] = W[w0 + i]; }
        loaded += 4u * WPB;
        for (var pc = 0u; pc < QK / 32u; pc++) {
          decodePiece(pc);
          let x0 = b * QK + 32u * pc;
          for (var m = 0u; m < MR; m++) {
            var s = 0.0;
            for (var l = 0u; l < 32u; l++) { s += vals[l] * Xs[m * XC + x0 + l]; }
            acc[m] += s;
          }
        }
      }
    }
    workgroupBarrier();
  }

  // Add the TK lane sums of each row (tree in workgroup memory); lane 0 of the column writes.
  let r = col * TK;
  for (var m = 0u; m < MR; m++) {
    Red[r + lk] = acc[m];
    workgroupBarrier();
    for (var s = TK / 2u; s > 0u; s /= 2u) {
      if (lk < s) { Red[r + lk] += Red[r + lk + s]; }
      workgroupBarrier();
    }
    let row = row0 + m;
    if (lk == 0u && colOk && row < p.M) {
      Y[yIndex(row, n)] = bitcast<u32>(Red[r]);
      stored += 4u;
    }
    workgroupBarrier();
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == TK * NC - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
