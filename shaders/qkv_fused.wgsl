// qkv_fused: [Q | K | V] = X · [Wq | Wk | Wv] (+ bias) in one pass, written head-major for attention.
// X: [M, D] row-major f32; W: [D, N] row-major f32 with N = (Hq + 2·Hkv)·dh and columns ordered
// [Wq (Hq·dh) | Wk (Hkv·dh) | Wv (Hkv·dh)]; bias: [N]. Q: [Hq, M, dh]; K, V: [Hkv, M, dh] (head-major).
// Grouped-query attention only changes where the column boundaries lie (Hq = ratio·Hkv).
// Tiling: like matmul_tiled. A workgroup owns a BM x BN block of the concatenated output
// (BM tokens x BN columns of [q | k | v]; a block may straddle the q/k and k/v boundaries) and walks D
// in steps of BK, staging the X block [BM, BK] (read once for q, k and v) and the W block [BK, BN]
// in workgroup memory; each invocation accumulates a TM x TN register tile. The epilogue adds the
// bias (staged once per workgroup) and scatters every column c to Q, K or V by which range holds it.
// Global traffic per tile: 4·(BM + BN)·D + 4·BN (bias) bytes loaded, 4·BM·BN stored.
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
@group(0) @binding(1) var<storage, read> W: array<f32>;        // [D, N]
@group(0) @binding(2) var<storage, read> bias: array<f32>;     // [N]; a 4-byte placeholder, never read, when !HAS_BIAS
@group(0) @binding(3) var<storage, read_write> Q: array<f32>;  // [Hq, M, dh]
@group(0) @binding(4) var<storage, read_write> K: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(5) var<storage, read_write> V: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(14) var<uniform> p: Params;
// Instrumentation (see src/gpu/runner.ts): [start, finish, -, -] then per workgroup
// [bytes loaded, bytes stored, start order, finish order, arrived, departed, -, -].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<f32, BM * BK>;   // [BM, BK]
var<workgroup> Ws: array<f32, BK * BN>;   // [BK, BN]
var<workgroup> Bs: array<f32, BN>;        // bias[col0 .. col0+BN]

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

  // The bias block is read once here and used after the D loop (whose barriers publish it).
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
    // W[k0 .. k0+BK, col0 .. col0+BN] into Ws.
    for (var i = lid; i < BK * BN; i += threads) {
      let k = k0 + i / BN;
      let c = col0 + i % BN;
      var v = 0.0;
      if (k < p.D && c < p.N) { v = W[k * p.N + c]; loaded += 4u; }
      Ws[i] = v;
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
        var v = acc[i * TN + j];
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
