// ---- The f32 tiled matmul core: shaders/include/tiled_f32.wgsl -----------------------------------------
// Included (a line `// #include "tiled_f32.wgsl"`, resolved by src/gpu/wgsl-include.ts) by matmul_tiled.wgsl,
// qkv_fused.wgsl and qkv_fused_w8.wgsl: the register blocking of an f32 product L · R, written once.
// A workgroup owns a BM x BN block of the output (rows row0 .., columns col0 ..) and walks the depth in steps
// of BK, staging the L block [BM, BK] (transposed, so a column is contiguous) and the R block [BK, BN] in
// workgroup memory (zeros outside the matrix); each of its (BN/TN) x (BM/TM) invocations accumulates a
// TM x TN register tile in named vec4 rows (row i: ci a = columns 0-3, ci b = columns 4-7): a function-scope
// array indexed in loops stays in memory on compilers that do not unroll, and SwiftShader does not. Per kk
// one TN-row of Rs goes into registers and is reused for the TM values of the Ls column (fma, f32).
// Rows >= TM and columns >= TN are never stored. Instrumented (INSTRUMENT) like every kernel: see
// src/gpu/runner.ts for the stats layout.
//
// The including shader provides:
//   p                                         its uniform parameters (binding 14), with a field M: rows of the output
//   fn depth() -> u32                         the inner dimension (the K the loop walks)
//   fn leftAt(r: u32, k: u32) -> f32          L[r, k], read only for r < p.M and k < depth()
//   fn stageRight(k0: u32, lid: u32, threads: u32, col0: u32) -> u32
//                                             R[k0 .. k0+BK, col0 .. col0+BN] into Rs[k * BN + n] (zeros outside
//                                             the matrix); returns the bytes it read from global memory
//   fn stageOnce(lid: u32, threads: u32, col0: u32) -> u32
//                                             what the epilogue needs once per workgroup (bias, scales) into
//                                             workgroup memory, published by the loop's barriers; returns the
//                                             bytes read (0 and nothing when there is nothing)
//   fn storeRow(r: u32, col0: u32, tc: u32, v0: vec4<f32>, v1: vec4<f32>) -> u32
//                                             the epilogue of one register-tile row: output row r, columns
//                                             col0 + tc .. col0 + tc + TN - 1 = the first TN values of (v0, v1),
//                                             inside the matrix; returns the bytes stored
// This file provides:
//   overrides BM, BN, BK, TM, TN, INSTRUMENT; binding 15 stats
//   workgroup vars Ls: [BK, BM] (the L block transposed), Rs: [BK, BN]; the entry point main

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
override TM: u32 = 8;
override TN: u32 = 8;
override INSTRUMENT: bool = false;

// Instrumentation (see src/gpu/runner.ts): [start, finish, -, -] then per workgroup
// [bytes loaded, bytes stored, start order, finish order, arrived, departed, -, -].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Ls: array<f32, BK * BM>;   // [BK, BM]: the L block transposed, so a column is contiguous
var<workgroup> Rs: array<f32, BK * BN>;   // [BK, BN]

@compute @workgroup_size(BN / TN, BM / TM)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let threads = (BN / TN) * (BM / TM);
  let row0 = wid.y * BM;          // first row of the output owned by this workgroup
  let col0 = wid.x * BN;          // first column
  let tr = lid3.y * TM;           // this invocation's first row inside the block
  let tc = lid3.x * TN;
  var c0a = vec4<f32>(0.0); var c0b = vec4<f32>(0.0);
  var c1a = vec4<f32>(0.0); var c1b = vec4<f32>(0.0);
  var c2a = vec4<f32>(0.0); var c2b = vec4<f32>(0.0);
  var c3a = vec4<f32>(0.0); var c3b = vec4<f32>(0.0);
  var c4a = vec4<f32>(0.0); var c4b = vec4<f32>(0.0);
  var c5a = vec4<f32>(0.0); var c5b = vec4<f32>(0.0);
  var c6a = vec4<f32>(0.0); var c6b = vec4<f32>(0.0);
  var c7a = vec4<f32>(0.0); var c7b = vec4<f32>(0.0);
  var loaded = stageOnce(lid, threads, col0);

  for (var k0 = 0u; k0 < depth(); k0 += BK) {
    // L[row0 .. row0+BM, k0 .. k0+BK] into Ls (transposed).
    for (var i = lid; i < BM * BK; i += threads) {
      let r = row0 + i / BK;
      let k = k0 + i % BK;
      var v = 0.0;
      if (r < p.M && k < depth()) { v = leftAt(r, k); loaded += 4u; }
      Ls[(i % BK) * BM + i / BK] = v;
    }
    loaded += stageRight(k0, lid, threads, col0);
    workgroupBarrier();
    // Per kk: a TN-row of Rs into registers, then each of the TM values of the Ls column times it.
    // (For TN < 4 the unused lanes read neighbours' values, which are never stored.)
    for (var kk = 0u; kk < BK; kk++) {
      let lb = kk * BM + tr;
      let rb = kk * BN + tc;
      let b0 = vec4(Rs[rb], Rs[rb + 1u], Rs[rb + 2u], Rs[rb + 3u]);
      var b1 = vec4<f32>(0.0);
      if (TN > 4u) { b1 = vec4(Rs[rb + 4u], Rs[rb + 5u], Rs[rb + 6u], Rs[rb + 7u]); }
      { let a = vec4(Ls[lb + 0u]); c0a = fma(a, b0, c0a); if (TN > 4u) { c0b = fma(a, b1, c0b); } }
      if (TM > 1u) { let a = vec4(Ls[lb + 1u]); c1a = fma(a, b0, c1a); if (TN > 4u) { c1b = fma(a, b1, c1b); } }
      if (TM > 2u) { let a = vec4(Ls[lb + 2u]); c2a = fma(a, b0, c2a); if (TN > 4u) { c2b = fma(a, b1, c2b); } }
      if (TM > 3u) { let a = vec4(Ls[lb + 3u]); c3a = fma(a, b0, c3a); if (TN > 4u) { c3b = fma(a, b1, c3b); } }
      if (TM > 4u) { let a = vec4(Ls[lb + 4u]); c4a = fma(a, b0, c4a); if (TN > 4u) { c4b = fma(a, b1, c4b); } }
      if (TM > 5u) { let a = vec4(Ls[lb + 5u]); c5a = fma(a, b0, c5a); if (TN > 4u) { c5b = fma(a, b1, c5b); } }
      if (TM > 6u) { let a = vec4(Ls[lb + 6u]); c6a = fma(a, b0, c6a); if (TN > 4u) { c6b = fma(a, b1, c6b); } }
      if (TM > 7u) { let a = vec4(Ls[lb + 7u]); c7a = fma(a, b0, c7a); if (TN > 4u) { c7b = fma(a, b1, c7b); } }
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
