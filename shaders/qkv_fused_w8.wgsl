// qkv_fused_w8: [Q | K | V] = X · dequant(Wq) (+ bias) in one pass, int8 weights and f32 activations
// (weight-only int8, "W8A32"), written head-major for attention.
// X: [M, D] row-major f32. Wq: [N, ceil(D/4)] u32, row n = output column n of [query | key | value] (N =
// (Hq + 2·Hkv)·dh), 4 int8 per word along D, byte j of word w = d = 4w + j (little-endian), zero padded
// past D. wScale: [N] f32, symmetric per-output-column scales: W[d, n] = Wq[n, d] · wScale[n].
// bias: [N]. Q: [Hq, M, dh]; K, V: [Hkv, M, dh] (head-major).
// Tiling: as qkv_fused (BM tokens x BN columns of [q | k | v], D in steps of BK; BK is a multiple of 4).
// Each step stages the X block [BM, BK] and the Wq block [BN, BK/4] words, unpacked with shifts
// (no dot4 or unpack4xI8, so it runs on every adapter) into f32 integers in workgroup memory.
// Invocations accumulate sum_d X·Wq exactly as the f32 kernel does (X block transposed, register
// tile in named vec4 rows, one TN-row of unpacked weights read into registers per kk and reused for
// all TM rows) and rescale once at the end (llama2.c runq style), then add bias and scatter each
// column to Q, K or V.
// Global traffic per tile: 4·BM·D + 4·BN·ceil(D/4) + 4·BN (scales) + 4·BN (bias) bytes, vs the f32
// kernel's 4·BN·D for weights: weight bytes / 4.
// Measured: SwiftShader (2 shared CPU cores), 2026-11-22, M=64 D=512 Hq=8 Hkv=2 dh=64, this version
// (unrolled register tile, 8x8 default, vec4 epilogue) vs the previous one (array register tile, 4x4),
// side by side: Node/Dawn GPU timestamps 181 → 32 ms (median of 6 runs, 31-34; f32 fused 33, unfused
// 32); Chromium 156 wall 132 → 18.0 ms (f32 fused 18.2, unfused 19.2).

// Written once elsewhere: the tiling (overrides BM, BN, BK, TM, TN, INSTRUMENT; the entry point) in
// shaders/include/tiled_f32.wgsl (L = X, R = the unpacked weights), shared with matmul_tiled; the output
// side (HAS_BIAS, Params, bindings 2-5 and 14, the bias block, the head-major scatter) in
// shaders/include/qkv_scatter.wgsl, shared with qkv_fused. This file gives the operands and the scales.
// #include "tiled_f32.wgsl"
// #include "qkv_scatter.wgsl"

@group(0) @binding(0) var<storage, read> X: array<f32>;        // [M, D]
@group(0) @binding(1) var<storage, read> Wq: array<u32>;       // [N, ceil(D/4)], 4 int8 along D per word
@group(0) @binding(6) var<storage, read> wScale: array<f32>;   // [N]

var<workgroup> Ss: array<f32, BN>;        // wScale[col0 .. col0+BN]

fn depth() -> u32 { return p.D; }

// One read of X serves q, k and v columns alike.
fn leftAt(r: u32, k: u32) -> f32 { return X[r * p.D + k]; }

// Scales and bias, read once and used after the D loop (whose barriers publish them).
fn stageOnce(lid: u32, threads: u32, col0: u32) -> u32 {
  var loaded = 0u;
  for (var i = lid; i < BN; i += threads) {
    let c = col0 + i;
    var s = 0.0;
    if (c < p.N) { s = wScale[c]; loaded += 4u; }
    Ss[i] = s;
  }
  return loaded + stageBias(lid, threads, col0);
}

// Wq[col0 .. col0+BN, k0/4 .. (k0+BK)/4] words, unpacked into Rs[k, n] as exact f32 integers (k0 is a
// multiple of 4).
fn stageRight(k0: u32, lid: u32, threads: u32, col0: u32) -> u32 {
  let KW = BK / 4u;                 // words of Wq per column per D step
  let Dw = (p.D + 3u) / 4u;         // words per row of Wq
  var loaded = 0u;
  for (var i = lid; i < BN * KW; i += threads) {
    let n = i / KW;
    let w = i % KW;
    let c = col0 + n;
    let kw = k0 / 4u + w;
    var packed = 0u;
    if (c < p.N && kw < Dw) { packed = Wq[c * Dw + kw]; loaded += 4u; }
    for (var j = 0u; j < 4u; j++) {
      // Move byte j to the top, then an arithmetic shift sign-extends it.
      Rs[(4u * w + j) * BN + n] = f32(bitcast<i32>(packed << (24u - 8u * j)) >> 24u);
    }
  }
  return loaded;
}

// The per-column scales (llama2.c runq style: the integer sums are rescaled once, at the end).
fn scaleQuad(t: u32, v: vec4<f32>) -> vec4<f32> { return v * vec4(Ss[t], Ss[t + 1u], Ss[t + 2u], Ss[t + 3u]); }
fn scaleOne(t: u32, v: f32) -> f32 { return v * Ss[t]; }
