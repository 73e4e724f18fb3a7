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
// Measured: see README "Kernels" (SwiftShader, Node/Dawn).
requires packed_4x8_integer_dot_product;

override BM: u32 = 64;
override BN: u32 = 64;
override BKW: u32 = 8;
override TM: u32 = 4;
override TN: u32 = 4;
override OUTPUT_ACC: bool = false;
override INSTRUMENT: bool = false;

const MAX_REG: u32 = 64u;   // TM·TN ≤ 64, checked by the plan

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

fn dot4(a: u32, b: u32) -> i32 {
  return dot4I8Packed(a, b);
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
  var acc: array<i32, MAX_REG>;   // [TM, TN] int32 accumulators of the current group
  var accf: array<f32, MAX_REG>;  // [TM, TN] Σ over finished groups of acc · wScale
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
    for (var kk = 0u; kk < BKW; kk++) {
      for (var i = 0u; i < TM; i++) {
        let a = Xs[(tr + i) * BKW + kk];
        for (var j = 0u; j < TN; j++) {
          acc[i * TN + j] += dot4(a, Ws[(tc + j) * BKW + kk]);
        }
      }
    }
    if (!OUTPUT_ACC && ((k0 + BKW) % p.GW == 0u || k0 + BKW >= p.KW)) {   // last step of a group
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) {
          accf[i * TN + j] += f32(acc[i * TN + j]) * Ss[tc + j];
          acc[i * TN + j] = 0i;
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
        if (OUTPUT_ACC) {
          Y[r * p.N + c] = bitcast<u32>(acc[i * TN + j]);
        } else {
          Y[r * p.N + c] = bitcast<u32>(accf[i * TN + j] * Rs[tr + i]);
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
