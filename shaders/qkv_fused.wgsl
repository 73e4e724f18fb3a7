// qkv_fused: [Q | K | V] = X · [Wq | Wk | Wv] (+ bias) in one pass, written head-major for attention.
// X: [M, D] row-major f32; W: [D, N] row-major f32 with N = (Hq + 2·Hkv)·dh and columns ordered
// [Wq (Hq·dh) | Wk (Hkv·dh) | Wv (Hkv·dh)]; bias: [N]. Q: [Hq, M, dh]; K, V: [Hkv, M, dh] (head-major).
// Grouped-query attention only changes where the column boundaries lie (Hq = ratio·Hkv).
// Tiling: like matmul_tiled. A workgroup owns a BM x BN block of the concatenated output
// (BM tokens x BN columns of [q | k | v]; a block may straddle the q/k and k/v boundaries) and walks D
// in steps of BK, staging the X block [BM, BK] (read once for q, k and v) and the W block [BK, BN]
// in workgroup memory (X transposed, so a column of the block is contiguous); each invocation
// accumulates a TM x TN register tile held in named vec4 rows (as matmul_tiled: no dynamically
// indexed function arrays), reading one TN-row of W into registers per kk and reusing it for its TM
// rows. The epilogue adds the bias (staged once per workgroup) and scatters every column c to Q, K
// or V by which range holds it (an aligned group of four columns at a time when TN ≥ 4).
// Global traffic per tile: 4·(BM + BN)·D + 4·BN (bias) bytes loaded, 4·BM·BN stored.
// Measured: SwiftShader (2 shared CPU cores), 2026-11-22, M=64 D=512 Hq=8 Hkv=2 dh=64, this version
// (unrolled register tile, 8x8 default, vec4 epilogue) vs the previous one (array register tile, 4x4),
// side by side: Node/Dawn GPU timestamps 166 → 33 ms (median of 6 runs, 32-35; unfused at 8x8: 32 ms,
// 27-33, was 50 at 4x4); Chromium 156 wall 108 → 18.2 ms (unfused 19.2, was 36). Parity, not a win: at
// this shape X is read once per BN tile either way, so fusion saves only the scratch round trip.

// Written once elsewhere: the tiling (overrides BM, BN, BK, TM, TN, INSTRUMENT; the entry point) in
// shaders/include/tiled_f32.wgsl (L = X, R = W), shared with matmul_tiled; the output side (HAS_BIAS, Params,
// bindings 2-5 and 14, the bias block, the head-major scatter) in shaders/include/qkv_scatter.wgsl, shared
// with qkv_fused_w8. This file gives the operands.
// #include "tiled_f32.wgsl"
// #include "qkv_scatter.wgsl"

@group(0) @binding(0) var<storage, read> X: array<f32>;        // [M, D]
@group(0) @binding(1) var<storage, read> W: array<f32>;        // [D, N]

fn depth() -> u32 { return p.D; }

// One read of X serves q, k and v columns alike.
fn leftAt(r: u32, k: u32) -> f32 { return X[r * p.D + k]; }

// The bias block, read once and used after the D loop (whose barriers publish it).
fn stageOnce(lid: u32, threads: u32, col0: u32) -> u32 { return stageBias(lid, threads, col0); }

// W[k0 .. k0+BK, col0 .. col0+BN] into Rs.
fn stageRight(k0: u32, lid: u32, threads: u32, col0: u32) -> u32 {
  var loaded = 0u;
  for (var i = lid; i < BK * BN; i += threads) {
    let k = k0 + i / BN;
    let c = col0 + i % BN;
    var v = 0.0;
    if (k < p.D && c < p.N) { v = W[k * p.N + c]; loaded += 4u; }
    Rs[i] = v;
  }
  return loaded;
}

// f32 weights: no column scales.
fn scaleQuad(t: u32, v: vec4<f32>) -> vec4<f32> { return v; }
fn scaleOne(t: u32, v: f32) -> f32 { return v; }
