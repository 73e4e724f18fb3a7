// ---- The fused QKV kernels' output side: shaders/include/qkv_scatter.wgsl -------------------------------
// Included (a line `// #include "qkv_scatter.wgsl"`, resolved by src/gpu/wgsl-include.ts) by qkv_fused.wgsl
// and qkv_fused_w8.wgsl, after shaders/include/tiled_f32.wgsl, whose storeRow and (with stageBias) stageOnce
// this is: column c of the concatenated output [q | k | v] (N = Nq + 2·Nkv columns; Nq = Hq·dh, Nkv = Hkv·dh)
// goes to Q, K or V by the range that holds it, head-major ([h, r, d] with h = c' / dh, d = c' % dh), after
// the column's scale and bias; an aligned group of four columns at a time when TN ≥ 4 (dh, Nq and Nkv are
// multiples of 4, so four aligned columns lie in one tensor and one head).
//
// The including shader provides:
//   override TN (tiled_f32.wgsl), override BN (likewise)
//   fn scaleQuad(t: u32, v: vec4<f32>) -> vec4<f32>   block columns t .. t + 3's values v times their scales
//                                                     (the identity for f32 weights)
//   fn scaleOne(t: u32, v: f32) -> f32                block column t's value v times its scale (likewise)
// This file provides:
//   override HAS_BIAS; struct Params { M, D, N, Nq, Nkv, dh }; bindings @group(0): 2 bias, 3 Q, 4 K, 5 V,
//   14 p (uniform Params); var<workgroup> Bias (bias[col0 .. col0+BN])
//   fn stageBias(lid, threads, col0) -> u32   bias[col0 .. col0+BN] into Bias when HAS_BIAS; the bytes read
//   fn scatter, fn scatter4 (one column / four aligned columns to Q, K, V), fn storeQuad, fn storeRow

override HAS_BIAS: bool = false;

// N = Nq + 2·Nkv columns; Nq = Hq·dh, Nkv = Hkv·dh.
struct Params { M: u32, D: u32, N: u32, Nq: u32, Nkv: u32, dh: u32 }

@group(0) @binding(2) var<storage, read> bias: array<f32>;     // [N]; a 4-byte placeholder, never read, when !HAS_BIAS
@group(0) @binding(3) var<storage, read_write> Q: array<f32>;  // [Hq, M, dh]
@group(0) @binding(4) var<storage, read_write> K: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(5) var<storage, read_write> V: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(14) var<uniform> p: Params;

var<workgroup> Bias: array<f32, BN>;      // bias[col0 .. col0+BN]

// The bias block, read once per workgroup (before the depth loop, whose barriers publish it); the bytes read.
fn stageBias(lid: u32, threads: u32, col0: u32) -> u32 {
  var loaded = 0u;
  if (HAS_BIAS) {
    for (var i = lid; i < BN; i += threads) {
      let c = col0 + i;
      var b = 0.0;
      if (c < p.N) { b = bias[c]; loaded += 4u; }
      Bias[i] = b;
    }
  }
  return loaded;
}

// Column c of [q | k | v] -> (tensor, head h = c' / dh, lane d = c' % dh) -> [h, r, d].
fn scatter(r: u32, c: u32, v: f32) {
  if (c < p.Nq) {
    Q[((c / p.dh) * p.M + r) * p.dh + c % p.dh] = v;
  } else if (c < p.Nq + p.Nkv) {
    let ck = c - p.Nq;
    K[((ck / p.dh) * p.M + r) * p.dh + ck % p.dh] = v;
  } else {
    let cv = c - p.Nq - p.Nkv;
    V[((cv / p.dh) * p.M + r) * p.dh + cv % p.dh] = v;
  }
}

// Four columns c .. c+3 with c a multiple of 4: dh, Nq and Nkv are multiples of 4, so they lie in
// one tensor and one head, at consecutive lanes; one index computation serves all four.
fn scatter4(r: u32, c: u32, v: vec4<f32>) {
  if (c < p.Nq) {
    let i = ((c / p.dh) * p.M + r) * p.dh + c % p.dh;
    Q[i] = v.x; Q[i + 1u] = v.y; Q[i + 2u] = v.z; Q[i + 3u] = v.w;
  } else if (c < p.Nq + p.Nkv) {
    let ck = c - p.Nq;
    let i = ((ck / p.dh) * p.M + r) * p.dh + ck % p.dh;
    K[i] = v.x; K[i + 1u] = v.y; K[i + 2u] = v.z; K[i + 3u] = v.w;
  } else {
    let cv = c - p.Nq - p.Nkv;
    let i = ((cv / p.dh) * p.M + r) * p.dh + cv % p.dh;
    V[i] = v.x; V[i + 1u] = v.y; V[i + 2u] = v.z; V[i + 3u] = v.w;
  }
}

// Block columns t .. t + 3 of one register-tile row (t = tc or tc + 4, TN ≥ 4), scaled (+ bias), scattered
// when inside the matrix (N is a multiple of 4: all four or none). Returns the bytes stored.
fn storeQuad(r: u32, col0: u32, t: u32, v: vec4<f32>) -> u32 {
  let c = col0 + t;
  if (r >= p.M || c >= p.N) { return 0u; }
  var y = scaleQuad(t, v);
  if (HAS_BIAS) { y += vec4(Bias[t], Bias[t + 1u], Bias[t + 2u], Bias[t + 3u]); }
  scatter4(r, c, y);
  return 16u;
}

// Epilogue of one register-tile row: the first TN values of (v0, v1), scaled (+ bias), for
// token r, columns col0 + tc .. of [q | k | v], inside the matrix, scattered head-major. Returns the bytes stored.
fn storeRow(r: u32, col0: u32, tc: u32, v0: vec4<f32>, v1: vec4<f32>) -> u32 {
  if (TN >= 4u) {   // col0 + tc is a multiple of 4
    var n = storeQuad(r, col0, tc, v0);
    if (TN > 4u) { n += storeQuad(r, col0, tc + 4u, v1); }
    return n;
  }
  var n = 0u;
  for (var j = 0u; j < TN; j++) {
    let c = col0 + tc + j;
    if (r < p.M && c < p.N) {
      var v: f32;
      if (j < 4u) { v = v0[j]; } else { v = v1[j - 4u]; }
      v = scaleOne(tc + j, v);
      if (HAS_BIAS) { v += Bias[tc + j]; }
      scatter(r, c, v);
      n += 4u;
    }
  }
  return n;
}
