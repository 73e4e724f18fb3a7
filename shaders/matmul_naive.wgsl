// matmul_naive: C = A · B, one invocation per output element, no data reuse.
// A: [M, K] row-major f32; B: [K, N] row-major f32; C: [M, N] row-major f32.
// Tiling: a workgroup of WG_X x WG_Y invocations covers a WG_Y x WG_X block of C; every
// invocation streams a whole row of A and column of B from global memory (8·K bytes per output).
// Kept as the algorithmic reference and baseline for matmul_tiled (llm.c's matmul_forward_naive).
// Measured: see README "Kernels" (SwiftShader, Node/Dawn).

override WG_X: u32 = 16;
override WG_Y: u32 = 16;
override INSTRUMENT: bool = false;

struct Params { M: u32, N: u32, K: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;        // [M, K]
@group(0) @binding(1) var<storage, read> B: array<f32>;        // [K, N]
@group(0) @binding(2) var<storage, read_write> C: array<f32>;  // [M, N]
@group(0) @binding(14) var<uniform> p: Params;
// Instrumentation (see src/gpu/runner.ts): [start, finish, -, -] then per workgroup
// [bytes loaded, bytes stored, start order, finish order, arrived, departed, -, -].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u,
        @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let row = gid.y;
  let col = gid.x;
  var loaded = 0u;
  var stored = 0u;
  if (row < p.M && col < p.N) {
    var acc = 0.0;
    for (var k = 0u; k < p.K; k++) {
      acc += A[row * p.K + k] * B[k * p.N + col];
    }
    C[row * p.N + col] = acc;
    loaded = 8u * p.K;
    stored = 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG_X * WG_Y - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
