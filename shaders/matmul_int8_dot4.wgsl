// matmul_int8_dot4: Y = dequant(Xq · Wq) with int32 accumulation by dot4I8Packed.
// Needs the WGSL language feature packed_4x8_integer_dot_product (matmul_int8_unpacked.wgsl is
// the same kernel without it).
// Xq: [M, KW] u32 i8x4 (KW = ceil(K/4); from quantize_int8.wgsl), xScale: [M] f32;
// Wq: [N, KW] u32 i8x4, K-major per output column, so a dot4 walks K contiguously in both;
// wScale: [NG, N] f32, one scale per group of GW words (4·GW values) along K (NG = ceil(KW/GW);
// per column: GW = KW, NG = 1). Padding bytes past K are 0 in Xq and Wq.
// Y: [M, N], f32 bits of Y[m, n] = Σ_g (acc_g[m, n] · wScale[g, n]) · xScale[m], or, when
// OUTPUT_ACC, the i32 bits of the raw accumulator Σ_k Xq[m, k] · Wq[k, n] (no scale is read).
// Tiling: a workgroup owns a BM x BN block of Y and walks KW in steps of BKW words (4·BKW values),
// copying Xq [BM, BKW] and Wq [BN, BKW] words into workgroup memory (zeros outside the matrix);
// each of its (BN/TN) x (BM/TM) invocations accumulates a TM x TN register tile in i32. A group
// holds whole K-steps (GW is a multiple of BKW, checked by the plan), so at the last step of a group
// the i32 tile is rescaled by the group's weight scales into an f32 tile and reset.
// |acc| ≤ K·128·128 ≤ 2^30 for K ≤ 65536: no i32 overflow.
// Measured: SwiftShader (2 shared CPU cores), 2026-11-22, 256³, this version (8x8 default tiles) vs the
// previous one (array register tile, 4x4), side by side: Chromium 156 wall 49.4 → 31.7 ms (1.56x; ORT-web
// MatMulNBits DP4A: 25.1 ms, ours/ORT 1.99x → 1.26x); Node/Dawn GPU timestamps 85.0 → 46.7 ms (1.8x).
// On SwiftShader dot4I8Packed is slower than the shift-and-multiply fallback (unpacked: 24.9 / 36.4 ms).
requires packed_4x8_integer_dot_product;

// The kernel itself (overrides, bindings, tiling, entry point) is written once, for both, in
// shaders/include/matmul_int8_tiled.wgsl; this file gives it its dot4.
// #include "matmul_int8_tiled.wgsl"

fn dot4(a: u32, b: u32) -> i32 {
  return dot4I8Packed(a, b);
}
