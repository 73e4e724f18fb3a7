// residual_add: the residual stream update after attention and after the MLP, with the output
// projection's bias folded in (GPT-2; Llama has none):
//   Z[m, d] = X[m, d] + Y[m, d] (+ b[d] when BIAS)
// X: [M, D] row-major f32 (the stream); Y: [M, D] row-major f32; b: [D] f32; Z: [M, D] row-major f32.
// Out of place (WebGPU forbids binding one buffer as read and read_write): the decode loop
// alternates two residual buffers.
// Tiling: grid (ceil(D/WG), M); one invocation per element. Global traffic per element: 8 bytes
// loaded (12 with the bias), 4 stored.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override BIAS: bool = false;
override INSTRUMENT: bool = false;

struct Params { D: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;         // [M, D]
@group(0) @binding(1) var<storage, read> Y: array<f32>;         // [M, D]
@group(0) @binding(2) var<storage, read> b: array<f32>;         // [D] (bound but unread without BIAS)
@group(0) @binding(3) var<storage, read_write> Z: array<f32>;   // [M, D]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }
  var loaded = 0u;
  var stored = 0u;

  let m = wid.y;
  let d = wid.x * WG + lid;
  if (d < p.D) {
    var v = X[m * p.D + d] + Y[m * p.D + d];
    loaded += 8u;
    if (BIAS) { v += b[d]; loaded += 4u; }
    Z[m * p.D + d] = v;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
