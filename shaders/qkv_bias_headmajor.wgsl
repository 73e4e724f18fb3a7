// qkv_bias_headmajor: the unfused QKV path's epilogue. dst[h, m, d] = src[m, h·dh + d] (+ bias[off + h·dh + d]).
// src: [M, H·dh] row-major f32 (one of the three matmul outputs); bias: [N] the concatenated
// [q | k | v] bias, this projection's part starting at column `biasOffset`; dst: [H, M, dh] head-major.
// Dispatched once per projection (Q, K, V). Tiling: a workgroup of WG invocations covers WG
// consecutive columns of one token row (grid: [ceil(H·dh / WG), M]); one element per invocation.
// Global traffic per element: 4 bytes of src (+ 4 of bias) loaded, 4 stored; the fused kernel has
// none of this extra round trip through global memory.
// Measured: see README "Kernels" (SwiftShader, Node/Dawn).

override WG: u32 = 64;
override HAS_BIAS: bool = false;
override INSTRUMENT: bool = false;

// cols = H·dh
struct Params { M: u32, cols: u32, dh: u32, biasOffset: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;        // [M, H·dh]
@group(0) @binding(1) var<storage, read> bias: array<f32>;       // [N]; a 4-byte placeholder, never read, when !HAS_BIAS
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;  // [H, M, dh]
@group(0) @binding(14) var<uniform> p: Params;
// Instrumentation (see src/gpu/runner.ts): [start, finish, -, -] then per workgroup
// [bytes loaded, bytes stored, start order, finish order, arrived, departed, -, -].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let r = wid.y;                  // token
  let c = wid.x * WG + lid;       // column of [M, H·dh]
  var loaded = 0u;
  var stored = 0u;
  if (c < p.cols) {
    var v = src[r * p.cols + c];
    loaded += 4u;
    if (HAS_BIAS) { v += bias[p.biasOffset + c]; loaded += 4u; }
    // column c = h·dh + d  ->  dst[h, r, d]
    dst[((c / p.dh) * p.M + r) * p.dh + c % p.dh] = v;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
