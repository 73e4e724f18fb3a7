// qkv_fused_w8: [Q | K | V] = X · dequant(W8) (+ bias) in one pass, int8 weights and f32 activations
// (weight-only int8, "W8A32"), written head-major for attention.
// X: [M, D] row-major f32. W8: [N, ceil(D/4)] u32, row n = output column n of [Wq | Wk | Wv] (N =
// (Hq + 2·Hkv)·dh), 4 int8 per word along D, byte j of word w = d = 4w + j (little-endian), zero padded
// past D. Wscale: [N] f32, symmetric per-output-column scales: W[d, n] = W8[n, d] · Wscale[n].
// bias: [N]. Q: [Hq, M, dh]; K, V: [Hkv, M, dh] (head-major).
// Tiling: as qkv_fused (BM tokens x BN columns of [q | k | v], D in steps of BK; BK is a multiple of 4).
// Each step stages the X block [BM, BK] and the W8 block [BN, BK/4] words, unpacked with shifts
// (no dot4 or unpack4xI8, so it runs on every adapter) into f32 integers in workgroup memory.
// Invocations accumulate sum_d X·W8 exactly as the f32 kernel does and rescale once at the end
// (llama2.c runq style), then add bias and scatter each column to Q, K or V.
// Global traffic per tile: 4·BM·D + 4·BN·ceil(D/4) + 4·BN (scales) + 4·BN (bias) bytes, vs the f32
// kernel's 4·BN·D for weights: weight bytes / 4.
// Measured: see README "Kernels" (SwiftShader, Node/Dawn).

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
override TM: u32 = 4;
override TN: u32 = 4;
override HAS_BIAS: bool = false;
override INSTRUMENT: bool = false;

const MAX_REG: u32 = 64u;   // TM·TN ≤ 64, checked by the plan

// N = Nq + 2·Nkv columns; Nq = Hq·dh, Nkv = Hkv·dh.
struct Params { M: u32, D: u32, N: u32, Nq: u32, Nkv: u32, dh: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;        // [M, D]
@group(0) @binding(1) var<storage, read> W8: array<u32>;       // [N, ceil(D/4)], 4 int8 along D per word
@group(0) @binding(2) var<storage, read> bias: array<f32>;     // [N]; a 4-byte placeholder, never read, when !HAS_BIAS
@group(0) @binding(3) var<storage, read_write> Q: array<f32>;  // [Hq, M, dh]
@group(0) @binding(4) var<storage, read_write> K: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(5) var<storage, read_write> V: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(6) var<storage, read> Wscale: array<f32>;   // [N]
@group(0) @binding(14) var<uniform> p: Params;
// Instrumentation (see src/gpu/runner.ts): [start, finish, -, -] then per workgroup
// [bytes loaded, bytes stored, start order, finish order, arrived, departed, -, -].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<f32, BM * BK>;   // [BM, BK]
var<workgroup> Ws: array<f32, BK * BN>;   // [BK, BN], the int8 weights as exact f32 integers
var<workgroup> Bs: array<f32, BN>;        // bias[col0 .. col0+BN]
var<workgroup> Ss: array<f32, BN>;        // Wscale[col0 .. col0+BN]

@compute @workgroup_size(BN / TN, BM / TM)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let threads = (BN / TN) * (BM / TM);
  let row0 = wid.y * BM;          // first token of the block
  let col0 = wid.x * BN;          // first column of [q | k | v]
  let tr = lid3.y * TM;           // this invocation's first row inside the block
  let tc = lid3.x * TN;
  var acc: array<f32, MAX_REG>;   // [TM, TN], row-major
  var loaded = 0u;

  let KW = BK / 4u;                 // words of W8 per column per D step
  let Dw = (p.D + 3u) / 4u;         // words per row of W8

  // Scales and bias are read once here and used after the D loop (whose barriers publish them).
  for (var i = lid; i < BN; i += threads) {
    let c = col0 + i;
    var s = 0.0;
    if (c < p.N) { s = Wscale[c]; loaded += 4u; }
    Ss[i] = s;
  }
  if (HAS_BIAS) {
    for (var i = lid; i < BN; i += threads) {
      let c = col0 + i;
      var b = 0.0;
      if (c < p.N) { b = bias[c]; loaded += 4u; }
      Bs[i] = b;
    }
  }

  for (var k0 = 0u; k0 < p.D; k0 += BK) {
    // X[row0 .. row0+BM, k0 .. k0+BK] into Xs: one read serves q, k and v columns alike.
    for (var i = lid; i < BM * BK; i += threads) {
      let r = row0 + i / BK;
      let k = k0 + i % BK;
      var v = 0.0;
      if (r < p.M && k < p.D) { v = X[r * p.D + k]; loaded += 4u; }
      Xs[i] = v;
    }
    // W8[col0 .. col0+BN, k0/4 .. (k0+BK)/4] words, unpacked into Ws[k, n] (k0 is a multiple of 4).
    for (var i = lid; i < BN * KW; i += threads) {
      let n = i / KW;
      let w = i % KW;
      let c = col0 + n;
      let kw = k0 / 4u + w;
      var packed = 0u;
      if (c < p.N && kw < Dw) { packed = W8[c * Dw + kw]; loaded += 4u; }
      for (var j = 0u; j < 4u; j++) {
        // Move byte j to the top, then an arithmetic shift sign-extends it.
        Ws[(4u * w + j) * BN + n] = f32(bitcast<i32>(packed << (24u - 8u * j)) >> 24u);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      for (var i = 0u; i < TM; i++) {
        let a = Xs[(tr + i) * BK + kk];
        for (var j = 0u; j < TN; j++) {
          acc[i * TN + j] = fma(a, Ws[kk * BN + tc + j], acc[i * TN + j]);
        }
      }
    }
    workgroupBarrier();
  }

  var stored = 0u;
  for (var i = 0u; i < TM; i++) {
    let r = row0 + tr + i;
    for (var j = 0u; j < TN; j++) {
      let c = col0 + tc + j;
      if (r < p.M && c < p.N) {
        var v = acc[i * TN + j] * Ss[tc + j];
        if (HAS_BIAS) { v += Bs[tc + j]; }
        // Column c of [q | k | v] -> (tensor, head h = c' / dh, lane d = c' % dh) -> [h, r, d].
        if (c < p.Nq) {
          Q[((c / p.dh) * p.M + r) * p.dh + c % p.dh] = v;
        } else if (c < p.Nq + p.Nkv) {
          let ck = c - p.Nq;
          K[((ck / p.dh) * p.M + r) * p.dh + ck % p.dh] = v;
        } else {
          let cv = c - p.Nq - p.Nkv;
          V[((cv / p.dh) * p.M + r) * p.dh + cv % p.dh] = v;
        }
        stored += 4u;
      }
    }
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == (BN / TN) * (BM / TM) - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
