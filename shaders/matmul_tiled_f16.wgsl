enable f16;

// matmul_tiled_f16: C = A · B, f16 storage and workgroup tiles, f32 accumulation.
// Needs the adapter feature shader-f16 (the plan declares it; the runtime refuses without it).
// A: [M, K] row-major f16; B: [K, N] row-major f16; C: [M, N] row-major f16.
// Same tiling as matmul_tiled.wgsl; half the bytes per element.
// Tiling: a workgroup owns a BM x BN block of C and walks K in steps of BK. Each step it copies
// the A block [BM, BK] and the B block [BK, BN] into workgroup memory (bounds-checked: outside
// the matrix it stores zeros and reads nothing), then each of its (BN/TN) x (BM/TM) invocations
// accumulates a TM x TN register tile. Global traffic per tile: (BM + BN)·K·4 bytes instead of
// the naive kernel's 8·K per output.
// Measured: see README "Kernels" (SwiftShader, Node/Dawn).

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
override TM: u32 = 4;
override TN: u32 = 4;
override INSTRUMENT: bool = false;

const MAX_REG: u32 = 64u;   // TM·TN ≤ 64, checked by the plan

struct Params { M: u32, N: u32, K: u32 }

@group(0) @binding(0) var<storage, read> A: array<f16>;        // [M, K]
@group(0) @binding(1) var<storage, read> B: array<f16>;        // [K, N]
@group(0) @binding(2) var<storage, read_write> C: array<f16>;  // [M, N]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> As: array<f16, BM * BK>;   // [BM, BK]
var<workgroup> Bs: array<f16, BK * BN>;   // [BK, BN]

@compute @workgroup_size(BN / TN, BM / TM)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let threads = (BN / TN) * (BM / TM);
  let row0 = wid.y * BM;          // first row of C owned by this workgroup
  let col0 = wid.x * BN;          // first column
  let tr = lid3.y * TM;           // this invocation's first row inside the block
  let tc = lid3.x * TN;
  var acc: array<f32, MAX_REG>;   // [TM, TN], row-major
  var loaded = 0u;

  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    // Cooperative copy of A[row0 .. row0+BM, k0 .. k0+BK] into As.
    for (var i = lid; i < BM * BK; i += threads) {
      let r = row0 + i / BK;
      let k = k0 + i % BK;
      var v = 0.0h;
      if (r < p.M && k < p.K) { v = A[r * p.K + k]; loaded += 2u; }
      As[i] = v;
    }
    // B[k0 .. k0+BK, col0 .. col0+BN] into Bs.
    for (var i = lid; i < BK * BN; i += threads) {
      let k = k0 + i / BN;
      let c = col0 + i % BN;
      var v = 0.0h;
      if (k < p.K && c < p.N) { v = B[k * p.N + c]; loaded += 2u; }
      Bs[i] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      for (var i = 0u; i < TM; i++) {
        let a = f32(As[(tr + i) * BK + kk]);
        for (var j = 0u; j < TN; j++) {
          acc[i * TN + j] = fma(a, f32(Bs[kk * BN + tc + j]), acc[i * TN + j]);
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
      if (r < p.M && c < p.N) { C[r * p.N + c] = f16(acc[i * TN + j]); stored += 2u; }
    }
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == (BN / TN) * (BM / TM) - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
