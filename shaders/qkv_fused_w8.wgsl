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

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
override TM: u32 = 8;
override TN: u32 = 8;
override HAS_BIAS: bool = false;
override INSTRUMENT: bool = false;

// N = Nq + 2·Nkv columns; Nq = Hq·dh, Nkv = Hkv·dh.
struct Params { M: u32, D: u32, N: u32, Nq: u32, Nkv: u32, dh: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;        // [M, D]
@group(0) @binding(1) var<storage, read> Wq: array<u32>;       // [N, ceil(D/4)], 4 int8 along D per word
@group(0) @binding(2) var<storage, read> bias: array<f32>;     // [N]; a 4-byte placeholder, never read, when !HAS_BIAS
@group(0) @binding(3) var<storage, read_write> Q: array<f32>;  // [Hq, M, dh]
@group(0) @binding(4) var<storage, read_write> K: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(5) var<storage, read_write> V: array<f32>;  // [Hkv, M, dh]
@group(0) @binding(6) var<storage, read> wScale: array<f32>;   // [N]
@group(0) @binding(14) var<uniform> p: Params;
// Instrumentation (see src/gpu/runner.ts): [start, finish, -, -] then per workgroup
// [bytes loaded, bytes stored, start order, finish order, arrived, departed, -, -].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<f32, BK * BM>;   // [BK, BM]: the X block transposed, so a column is contiguous
var<workgroup> Ws: array<f32, BK * BN>;   // [BK, BN], the int8 weights as exact f32 integers
var<workgroup> Bs: array<f32, BN>;        // bias[col0 .. col0+BN]
var<workgroup> Ss: array<f32, BN>;        // wScale[col0 .. col0+BN]

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

// Columns tc + t .. tc + t + 3 of one register-tile row (t = 0 or 4, TN ≥ 4) times the column scales
// (+ bias), scattered when inside the matrix (N is a multiple of 4: all four or none). Returns the bytes stored.
fn storeQuad(r: u32, col0: u32, t: u32, v: vec4<f32>) -> u32 {
  let c = col0 + t;
  if (r >= p.M || c >= p.N) { return 0u; }
  var y = v * vec4(Ss[t], Ss[t + 1u], Ss[t + 2u], Ss[t + 3u]);
  if (HAS_BIAS) { y += vec4(Bs[t], Bs[t + 1u], Bs[t + 2u], Bs[t + 3u]); }
  scatter4(r, c, y);
  return 16u;
}

// Epilogue of one register-tile row: the first TN values of (v0, v1) times the column scales (+ bias) for
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
      v = v * Ss[tc + j];
      if (HAS_BIAS) { v += Bs[tc + j]; }
      scatter(r, c, v);
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
  let row0 = wid.y * BM;          // first token of the block
  let col0 = wid.x * BN;          // first column of [q | k | v]
  let tr = lid3.y * TM;           // this invocation's first row inside the block
  let tc = lid3.x * TN;
  // The TM x TN register tile, unrolled by hand into named vectors (row i: ci a = columns 0-3,
  // ci b = columns 4-7): a function-scope array indexed in loops stays in memory on compilers
  // that do not unroll, and SwiftShader does not. Rows >= TM and columns >= TN are never stored.
  var c0a = vec4<f32>(0.0); var c0b = vec4<f32>(0.0);
  var c1a = vec4<f32>(0.0); var c1b = vec4<f32>(0.0);
  var c2a = vec4<f32>(0.0); var c2b = vec4<f32>(0.0);
  var c3a = vec4<f32>(0.0); var c3b = vec4<f32>(0.0);
  var c4a = vec4<f32>(0.0); var c4b = vec4<f32>(0.0);
  var c5a = vec4<f32>(0.0); var c5b = vec4<f32>(0.0);
  var c6a = vec4<f32>(0.0); var c6b = vec4<f32>(0.0);
  var c7a = vec4<f32>(0.0); var c7b = vec4<f32>(0.0);
  var loaded = 0u;

  let KW = BK / 4u;                 // words of Wq per column per D step
  let Dw = (p.D + 3u) / 4u;         // words per row of Wq

  // Scales and bias are read once here and used after the D loop (whose barriers publish them).
  for (var i = lid; i < BN; i += threads) {
    let c = col0 + i;
    var s = 0.0;
    if (c < p.N) { s = wScale[c]; loaded += 4u; }
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
    // X[row0 .. row0+BM, k0 .. k0+BK] into Xs (transposed): one read serves q, k and v columns alike.
    for (var i = lid; i < BM * BK; i += threads) {
      let r = row0 + i / BK;
      let k = k0 + i % BK;
      var v = 0.0;
      if (r < p.M && k < p.D) { v = X[r * p.D + k]; loaded += 4u; }
      Xs[(i % BK) * BM + i / BK] = v;
    }
    // Wq[col0 .. col0+BN, k0/4 .. (k0+BK)/4] words, unpacked into Ws[k, n] (k0 is a multiple of 4).
    for (var i = lid; i < BN * KW; i += threads) {
      let n = i / KW;
      let w = i % KW;
      let c = col0 + n;
      let kw = k0 / 4u + w;
      var packed = 0u;
      if (c < p.N && kw < Dw) { packed = Wq[c * Dw + kw]; loaded += 4u; }
      for (var j = 0u; j < 4u; j++) {
        // Move byte j to the top, then an arithmetic shift sign-extends it.
        Ws[(4u * w + j) * BN + n] = f32(bitcast<i32>(packed << (24u - 8u * j)) >> 24u);
      }
    }
    workgroupBarrier();
    // Per kk: a TN-row of the unpacked weights into registers, then each of the TM values of the X column times it.
    // (For TN < 4 the unused lanes read neighbours' values, which are never stored.)
    for (var kk = 0u; kk < BK; kk++) {
      let xb = kk * BM + tr;
      let wb = kk * BN + tc;
      let b0 = vec4(Ws[wb], Ws[wb + 1u], Ws[wb + 2u], Ws[wb + 3u]);
      var b1 = vec4<f32>(0.0);
      if (TN > 4u) { b1 = vec4(Ws[wb + 4u], Ws[wb + 5u], Ws[wb + 6u], Ws[wb + 7u]); }
      { let a = vec4(Xs[xb + 0u]); c0a = fma(a, b0, c0a); if (TN > 4u) { c0b = fma(a, b1, c0b); } }
      if (TM > 1u) { let a = vec4(Xs[xb + 1u]); c1a = fma(a, b0, c1a); if (TN > 4u) { c1b = fma(a, b1, c1b); } }
      if (TM > 2u) { let a = vec4(Xs[xb + 2u]); c2a = fma(a, b0, c2a); if (TN > 4u) { c2b = fma(a, b1, c2b); } }
      if (TM > 3u) { let a = vec4(Xs[xb + 3u]); c3a = fma(a, b0, c3a); if (TN > 4u) { c3b = fma(a, b1, c3b); } }
      if (TM > 4u) { let a = vec4(Xs[xb + 4u]); c4a = fma(a, b0, c4a); if (TN > 4u) { c4b = fma(a, b1, c4b); } }
      if (TM > 5u) { let a = vec4(Xs[xb + 5u]); c5a = fma(a, b0, c5a); if (TN > 4u) { c5b = fma(a, b1, c5b); } }
      if (TM > 6u) { let a = vec4(Xs[xb + 6u]); c6a = fma(a, b0, c6a); if (TN > 4u) { c6b = fma(a, b1, c6b); } }
      if (TM > 7u) { let a = vec4(Xs[xb + 7u]); c7a = fma(a, b0, c7a); if (TN > 4u) { c7b = fma(a, b1, c7b); } }
    }
    workgroupBarrier();
  }

  var stored = 0u;
  { stored += storeRow(row0 + tr + 0u, col0, tc, c0a, c0b); }
  if (TM > 1u) { stored += storeRow(row0 + tr + 1u, col0, tc, c1a, c1b); }
  if (TM > 2u) { stored += storeRow(row0 + tr + 2u, col0, tc, c2a, c2b); }
  if (TM > 3u) { stored += storeRow(row0 + tr + 3u, col0, tc, c3a, c3b); }
  if (TM > 4u) { stored += storeRow(row0 + tr + 4u, col0, tc, c4a, c4b); }
  if (TM > 5u) { stored += storeRow(row0 + tr + 5u, col0, tc, c5a, c5b); }
  if (TM > 6u) { stored += storeRow(row0 + tr + 6u, col0, tc, c6a, c6b); }
  if (TM > 7u) { stored += storeRow(row0 + tr + 7u, col0, tc, c7a, c7b); }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == (BN / TN) * (BM / TM) - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
