// matmul_int8_unpacked: the same kernel as matmul_int8_dot4.wgsl for adapters without the WGSL
// language feature packed_4x8_integer_dot_product: each i8x4 word is unpacked with shifts and
// arithmetic sign extension (no dot4I8Packed, no unpack4xI8), four i32 multiply-adds per word.
// Kept beside the dot4 kernel as its fallback and baseline.
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
// previous one, side by side: Chromium 156 wall 78.1 → 24.9 ms (3.1x); Node/Dawn 121 → 36.4 ms (3.3x).

// The kernel itself (overrides, bindings, tiling, entry point) is written once, for both, in
// shaders/include/matmul_int8_tiled.wgsl; this file gives it its dot4.
// #include "matmul_int8_tiled.wgsl"

// Byte b of w, sign-extended: shift it to the top, then arithmetic-shift it back down.
fn byteI8(w: u32, b: u32) -> i32 {
  return bitcast<i32>(w << (24u - 8u * b)) >> 24u;
}

// Σ_b a_b · b_b over the four signed bytes (what dot4I8Packed computes).
fn dot4(a: u32, b: u32) -> i32 {
  return byteI8(a, 0u) * byteI8(b, 0u) + byteI8(a, 1u) * byteI8(b, 1u) +
         byteI8(a, 2u) * byteI8(b, 2u) + byteI8(a, 3u) * byteI8(b, 3u);
}
