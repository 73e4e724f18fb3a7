// ---- The int8 GEMVs' common part: shaders/include/int8_gemv.wgsl ----------------------------------------
// Included (a line `// #include "int8_gemv.wgsl"`, resolved by src/gpu/wgsl-include.ts) by matmul_int8_gemv.wgsl
// (per-column weight scales) and matmul_int8_gemv_group.wgsl (per-group scales), below their
// `requires packed_4x8_integer_dot_product;`: their tensors, tile overrides and the staging of Xq, written once
// (their headers describe the tiling; they differ in how a lane walks a column and when it scales).
//
// The including shader provides:
//   `requires packed_4x8_integer_dot_product;` (dot16 uses dot4I8Packed)
//   its own overrides (OUTPUT_ACC, or GW4), var<workgroup> Red (its lane sums) and the entry point main,
//   @workgroup_size(TK, NC), which stages Xq with stageXq
// This file provides:
//   overrides TK, NC, MR (≤ MAX_MR = 8), XC, INSTRUMENT; struct Params { M, N, K, KW, GW }
//   bindings @group(0): 0 Xq, 1 Wq, 2 xScale, 3 wScale, 4 Y, 14 p (uniform Params), 15 stats
//   var<workgroup> Xs: [MR, XC] staged vec4 words of Xq
//   fn dot16(a, b) -> i32                 Σ of the 16 int8 products of two vec4<u32> words
//   fn stageXq(c0, lid, row0) -> u32      Xq's rows row0 .. row0+MR, vec4 words c0 .. c0+XC, into Xs (zeros
//                                         outside the matrix); the bytes read

override TK: u32 = 32;        // lanes per output column (a power of two)
override NC: u32 = 8;         // output columns per workgroup
override MR: u32 = 8;         // rows per workgroup (≤ 8): min(M, 8)
override XC: u32 = 64;        // vec4 words of each Xq row staged per step (gemv_group: a multiple of GW4)
override INSTRUMENT: bool = false;

const MAX_MR: u32 = 8u;

struct Params { M: u32, N: u32, K: u32, KW: u32, GW: u32 }

@group(0) @binding(0) var<storage, read> Xq: array<vec4<u32>>;    // [M, KW / 4]
@group(0) @binding(1) var<storage, read> Wq: array<vec4<u32>>;    // [N, KW / 4]
@group(0) @binding(2) var<storage, read> xScale: array<f32>;      // [M]
@group(0) @binding(3) var<storage, read> wScale: array<f32>;      // [N] per column, or [NG, N] per group
@group(0) @binding(4) var<storage, read_write> Y: array<u32>;     // [M, N] f32 bits (or, OUTPUT_ACC, i32 bits)
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<vec4<u32>, MR * XC>;   // [MR, XC] staged words of Xq

fn dot16(a: vec4<u32>, b: vec4<u32>) -> i32 {
  return dot4I8Packed(a.x, b.x) + dot4I8Packed(a.y, b.y) + dot4I8Packed(a.z, b.z) + dot4I8Packed(a.w, b.w);
}

fn stageXq(c0: u32, lid: u32, row0: u32) -> u32 {
  let KW4 = p.KW / 4u;
  var loaded = 0u;
  for (var i = lid; i < MR * XC; i += TK * NC) {
    let m = i / XC;
    let c = c0 + i % XC;
    var v = vec4<u32>(0u);
    if (row0 + m < p.M && c < KW4) { v = Xq[(row0 + m) * KW4 + c]; loaded += 16u; }
    Xs[i] = v;
  }
  return loaded;
}
