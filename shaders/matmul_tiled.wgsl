// matmul_tiled: C = A · B with workgroup-memory tiles and a register tile per invocation.
// A: [M, K] row-major f32; B: [K, N] row-major f32; C: [M, N] row-major f32.
// Tiling: a workgroup owns a BM x BN block of C and walks K in steps of BK. Each step it copies
// the A block [BM, BK] and the B block [BK, BN] into workgroup memory (bounds-checked: outside
// the matrix it stores zeros and reads nothing), then each of its (BN/TN) x (BM/TM) invocations
// accumulates a TM x TN register tile. Global traffic per tile: (BM + BN)·K·4 bytes instead of
// the naive kernel's 8·K per output.
// Measured: SwiftShader (2 shared CPU cores), 2026-11-22, 256³, this version (8x8 default tiles) vs the
// previous one (array register tile, 4x4), side by side: Chromium 156 wall 85.4 → 14.8 ms (5.8x; 0.29x of
// TF.js and ORT-web MatMul, was 1.7x); Node/Dawn GPU timestamps 136 → 26.6 ms (5.1x; naive: 108 ms).

// The tiling itself (overrides BM, BN, BK, TM, TN, INSTRUMENT; the entry point) is written once, for this
// and the fused QKV kernels, in shaders/include/tiled_f32.wgsl (L = A, R = B); this file gives its operands
// and the plain row-major epilogue.
// #include "tiled_f32.wgsl"

struct Params { M: u32, N: u32, K: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;        // [M, K]
@group(0) @binding(1) var<storage, read> B: array<f32>;        // [K, N]
@group(0) @binding(2) var<storage, read_write> C: array<f32>;  // [M, N]
@group(0) @binding(14) var<uniform> p: Params;

fn depth() -> u32 { return p.K; }

fn leftAt(r: u32, k: u32) -> f32 { return A[r * p.K + k]; }

// Nothing to stage once per workgroup.
fn stageOnce(lid: u32, threads: u32, col0: u32) -> u32 { return 0u; }

// B[k0 .. k0+BK, col0 .. col0+BN] into Rs.
fn stageRight(k0: u32, lid: u32, threads: u32, col0: u32) -> u32 {
  var loaded = 0u;
  for (var i = lid; i < BK * BN; i += threads) {
    let k = k0 + i / BN;
    let c = col0 + i % BN;
    var v = 0.0;
    if (k < p.K && c < p.N) { v = B[k * p.N + c]; loaded += 4u; }
    Rs[i] = v;
  }
  return loaded;
}

// Writes the first TN values of (v0, v1) to C[r, col0 + tc ..] inside the matrix; returns the bytes stored.
fn storeRow(r: u32, col0: u32, tc: u32, v0: vec4<f32>, v1: vec4<f32>) -> u32 {
  let c = col0 + tc;
  var n = 0u;
  for (var j = 0u; j < TN; j++) {
    if (r < p.M && c + j < p.N) {
      if (j < 4u) { C[r * p.N + c + j] = v0[j]; } else { C[r * p.N + c + j] = v1[j - 4u]; }
      n += 4u;
    }
  }
  return n;
}
