// ---- The tiled int8 matmul: shaders/include/matmul_int8_tiled.wgsl ------------------------------------
// Included (a line `// #include "matmul_int8_tiled.wgsl"`, resolved by src/gpu/wgsl-include.ts) by
// matmul_int8_dot4.wgsl and matmul_int8_unpacked.wgsl: the whole kernel (its contract is in their headers:
// Y = dequant(Xq · Wq), i32 accumulation, BM x BN blocks walking KW in BKW-word steps, TM x TN register
// tiles, group rescaling, INSTRUMENT traffic), written once; the two differ only in how one word pair is
// multiplied.
//
// The including shader provides:
//   fn dot4(a: u32, b: u32) -> i32   Σ_b a_b · b_b over the four signed bytes of a and b (i8x4 words):
//                                    dot4I8Packed (with `requires packed_4x8_integer_dot_product;`
//                                    above the include) or the shift-and-multiply fallback
// This file provides (everything else of the shader):
//   overrides BM, BN, BKW, TM, TN, OUTPUT_ACC, INSTRUMENT; struct Params { M, N, K, KW, GW }
//   bindings @group(0): 0 Xq, 1 Wq, 2 xScale, 3 wScale, 4 Y, 14 p (uniform Params), 15 stats
//   workgroup vars Xs, Ws, Ss, Rs; fn dot4x4, fn storeRow; the entry point main

override BM: u32 = 64;
override BN: u32 = 64;
override BKW: u32 = 8;
override TM: u32 = 8;
override TN: u32 = 8;
override OUTPUT_ACC: bool = false;
override INSTRUMENT: bool = false;

struct Params { M: u32, N: u32, K: u32, KW: u32, GW: u32 }

@group(0) @binding(0) var<storage, read> Xq: array<u32>;          // [M, KW] i8x4
@group(0) @binding(1) var<storage, read> Wq: array<u32>;          // [N, KW] i8x4
@group(0) @binding(2) var<storage, read> xScale: array<f32>;      // [M]
@group(0) @binding(3) var<storage, read> wScale: array<f32>;      // [NG, N]
@group(0) @binding(4) var<storage, read_write> Y: array<u32>;     // [M, N] f32 bits (or i32 bits)
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<u32, BM * BKW>;   // [BM, BKW] words
var<workgroup> Ws: array<u32, BN * BKW>;   // [BN, BKW] words
var<workgroup> Ss: array<f32, BN>;         // wScale[g, col0 .. col0+BN] of the current group
var<workgroup> Rs: array<f32, BM>;         // xScale[row0 .. row0+BM]

// (dot4(a, w.x), .., dot4(a, w.w)).
fn dot4x4(a: u32, w: vec4<u32>) -> vec4<i32> {
  return vec4(dot4(a, w.x), dot4(a, w.y), dot4(a, w.z), dot4(a, w.w));
}

// Writes the first TN values of row r from column c on, inside the matrix: the raw accumulators
// (i0, i1) when OUTPUT_ACC, else the scaled (y0, y1). Returns the bytes stored.
fn storeRow(r: u32, c: u32, i0: vec4<i32>, i1: vec4<i32>, y0: vec4<f32>, y1: vec4<f32>) -> u32 {
  var n = 0u;
  for (var j = 0u; j < TN; j++) {
    if (r < p.M && c + j < p.N) {
      var v: u32;
      if (OUTPUT_ACC) {
        if (j < 4u) { v = bitcast<u32>(i0[j]); } else { v = bitcast<u32>(i1[j - 4u]); }
      } else {
        if (j < 4u) { v = bitcast<u32>(y0[j]); } else { v = bitcast<u32>(y1[j - 4u]); }
      }
      Y[r * p.N + c + j] = v;
      n += 4u;
    }
  }
  return n;
}

@compute @workgroup_size(BN / TN, BM / TM)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let threads = (BN / TN) * (BM / TM);
  let row0 = wid.y * BM;          // first row of Y owned by this workgroup
  let col0 = wid.x * BN;          // first column
  let tr = lid3.y * TM;           // this invocation's first row inside the block
  let tc = lid3.x * TN;
  // The TM x TN register tiles, unrolled by hand into named vectors (row i: ci a = columns 0-3,
  // ci b = columns 4-7): a function-scope array indexed in loops stays in memory on compilers
  // that do not unroll, and SwiftShader does not. Rows >= TM and columns >= TN are never stored.
  var c0a = vec4<i32>(0); var c0b = vec4<i32>(0); var f0a = vec4<f32>(0.0); var f0b = vec4<f32>(0.0);
  var c1a = vec4<i32>(0); var c1b = vec4<i32>(0); var f1a = vec4<f32>(0.0); var f1b = vec4<f32>(0.0);
  var c2a = vec4<i32>(0); var c2b = vec4<i32>(0); var f2a = vec4<f32>(0.0); var f2b = vec4<f32>(0.0);
  var c3a = vec4<i32>(0); var c3b = vec4<i32>(0); var f3a = vec4<f32>(0.0); var f3b = vec4<f32>(0.0);
  var c4a = vec4<i32>(0); var c4b = vec4<i32>(0); var f4a = vec4<f32>(0.0); var f4b = vec4<f32>(0.0);
  var c5a = vec4<i32>(0); var c5b = vec4<i32>(0); var f5a = vec4<f32>(0.0); var f5b = vec4<f32>(0.0);
  var c6a = vec4<i32>(0); var c6b = vec4<i32>(0); var f6a = vec4<f32>(0.0); var f6b = vec4<f32>(0.0);
  var c7a = vec4<i32>(0); var c7b = vec4<i32>(0); var f7a = vec4<f32>(0.0); var f7b = vec4<f32>(0.0);
  var loaded = 0u;
  for (var k0 = 0u; k0 < p.KW; k0 += BKW) {
    // Xq[row0 .. row0+BM, k0 .. k0+BKW] into Xs.
    for (var i = lid; i < BM * BKW; i += threads) {
      let r = row0 + i / BKW;
      let k = k0 + i % BKW;
      var v = 0u;
      if (r < p.M && k < p.KW) { v = Xq[r * p.KW + k]; loaded += 4u; }
      Xs[i] = v;
    }
    // Wq[col0 .. col0+BN, k0 .. k0+BKW] into Ws (contiguous along K per column).
    for (var i = lid; i < BN * BKW; i += threads) {
      let c = col0 + i / BKW;
      let k = k0 + i % BKW;
      var v = 0u;
      if (c < p.N && k < p.KW) { v = Wq[c * p.KW + k]; loaded += 4u; }
      Ws[i] = v;
    }
    if (!OUTPUT_ACC) {
      if (k0 == 0u) {
        for (var i = lid; i < BM; i += threads) {
          var v = 0.0;
          if (row0 + i < p.M) { v = xScale[row0 + i]; loaded += 4u; }
          Rs[i] = v;
        }
      }
      if (k0 % p.GW == 0u) {   // first step of a group: its weight scales
        let g = k0 / p.GW;
        for (var i = lid; i < BN; i += threads) {
          var v = 0.0;
          if (col0 + i < p.N) { v = wScale[g * p.N + col0 + i]; loaded += 4u; }
          Ss[i] = v;
        }
      }
    }
    workgroupBarrier();
    // Per kk: the TN weight words of this invocation's columns into registers, then each of its TM
    // activation words against them. (For TN < 4 the unused lanes read neighbours' words, never stored.)
    for (var kk = 0u; kk < BKW; kk++) {
      let wb = tc * BKW + kk;
      let b0 = vec4(Ws[wb], Ws[wb + BKW], Ws[wb + 2u * BKW], Ws[wb + 3u * BKW]);
      var b1 = vec4<u32>(0u);
      if (TN > 4u) { b1 = vec4(Ws[wb + 4u * BKW], Ws[wb + 5u * BKW], Ws[wb + 6u * BKW], Ws[wb + 7u * BKW]); }
      { let a = Xs[(tr + 0u) * BKW + kk]; c0a += dot4x4(a, b0); if (TN > 4u) { c0b += dot4x4(a, b1); } }
      if (TM > 1u) { let a = Xs[(tr + 1u) * BKW + kk]; c1a += dot4x4(a, b0); if (TN > 4u) { c1b += dot4x4(a, b1); } }
      if (TM > 2u) { let a = Xs[(tr + 2u) * BKW + kk]; c2a += dot4x4(a, b0); if (TN > 4u) { c2b += dot4x4(a, b1); } }
      if (TM > 3u) { let a = Xs[(tr + 3u) * BKW + kk]; c3a += dot4x4(a, b0); if (TN > 4u) { c3b += dot4x4(a, b1); } }
      if (TM > 4u) { let a = Xs[(tr + 4u) * BKW + kk]; c4a += dot4x4(a, b0); if (TN > 4u) { c4b += dot4x4(a, b1); } }
      if (TM > 5u) { let a = Xs[(tr + 5u) * BKW + kk]; c5a += dot4x4(a, b0); if (TN > 4u) { c5b += dot4x4(a, b1); } }
      if (TM > 6u) { let a = Xs[(tr + 6u) * BKW + kk]; c6a += dot4x4(a, b0); if (TN > 4u) { c6b += dot4x4(a, b1); } }
      if (TM > 7u) { let a = Xs[(tr + 7u) * BKW + kk]; c7a += dot4x4(a, b0); if (TN > 4u) { c7b += dot4x4(a, b1); } }
    }
    if (!OUTPUT_ACC && ((k0 + BKW) % p.GW == 0u || k0 + BKW >= p.KW)) {   // last step of a group
      let s0 = vec4(Ss[tc], Ss[tc + 1u], Ss[tc + 2u], Ss[tc + 3u]);
      var s1 = vec4<f32>(0.0);
      if (TN > 4u) { s1 = vec4(Ss[tc + 4u], Ss[tc + 5u], Ss[tc + 6u], Ss[tc + 7u]); }
      { f0a += vec4<f32>(c0a) * s0; c0a = vec4<i32>(0); if (TN > 4u) { f0b += vec4<f32>(c0b) * s1; c0b = vec4<i32>(0); } }
      if (TM > 1u) { f1a += vec4<f32>(c1a) * s0; c1a = vec4<i32>(0); if (TN > 4u) { f1b += vec4<f32>(c1b) * s1; c1b = vec4<i32>(0); } }
      if (TM > 2u) { f2a += vec4<f32>(c2a) * s0; c2a = vec4<i32>(0); if (TN > 4u) { f2b += vec4<f32>(c2b) * s1; c2b = vec4<i32>(0); } }
      if (TM > 3u) { f3a += vec4<f32>(c3a) * s0; c3a = vec4<i32>(0); if (TN > 4u) { f3b += vec4<f32>(c3b) * s1; c3b = vec4<i32>(0); } }
      if (TM > 4u) { f4a += vec4<f32>(c4a) * s0; c4a = vec4<i32>(0); if (TN > 4u) { f4b += vec4<f32>(c4b) * s1; c4b = vec4<i32>(0); } }
      if (TM > 5u) { f5a += vec4<f32>(c5a) * s0; c5a = vec4<i32>(0); if (TN > 4u) { f5b += vec4<f32>(c5b) * s1; c5b = vec4<i32>(0); } }
      if (TM > 6u) { f6a += vec4<f32>(c6a) * s0; c6a = vec4<i32>(0); if (TN > 4u) { f6b += vec4<f32>(c6b) * s1; c6b = vec4<i32>(0); } }
      if (TM > 7u) { f7a += vec4<f32>(c7a) * s0; c7a = vec4<i32>(0); if (TN > 4u) { f7b += vec4<f32>(c7b) * s1; c7b = vec4<i32>(0); } }
    }
    workgroupBarrier();
  }

  var stored = 0u;
  { stored += storeRow(row0 + tr + 0u, col0 + tc, c0a, c0b, f0a * Rs[tr + 0u], f0b * Rs[tr + 0u]); }
  if (TM > 1u) { stored += storeRow(row0 + tr + 1u, col0 + tc, c1a, c1b, f1a * Rs[tr + 1u], f1b * Rs[tr + 1u]); }
  if (TM > 2u) { stored += storeRow(row0 + tr + 2u, col0 + tc, c2a, c2b, f2a * Rs[tr + 2u], f2b * Rs[tr + 2u]); }
  if (TM > 3u) { stored += storeRow(row0 + tr + 3u, col0 + tc, c3a, c3b, f3a * Rs[tr + 3u], f3b * Rs[tr + 3u]); }
  if (TM > 4u) { stored += storeRow(row0 + tr + 4u, col0 + tc, c4a, c4b, f4a * Rs[tr + 4u], f4b * Rs[tr + 4u]); }
  if (TM > 5u) { stored += storeRow(row0 + tr + 5u, col0 + tc, c5a, c5b, f5a * Rs[tr + 5u], f5b * Rs[tr + 5u]); }
  if (TM > 6u) { stored += storeRow(row0 + tr + 6u, col0 + tc, c6a, c6b, f6a * Rs[tr + 6u], f6b * Rs[tr + 6u]); }
  if (TM > 7u) { stored += storeRow(row0 + tr + 7u, col0 + tc, c7a, c7b, f7a * Rs[tr + 7u], f7b * Rs[tr + 7u]); }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == (BN / TN) * (BM / TM) - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
