// silu_mul: the gate of a gated MLP. GU is the fused [gate | up] projection:
//   H[m, f] = act(GU[m, f]) · GU[m, F + f],  act = silu(x) = x / (1 + e^−x) (SwiGLU, Llama), or with GELU
//   gelu(x) = x/2 · (1 + tanh(sqrt(2/π) · (x + 0.044715·x³))) (GeGLU, Gemma 3: gelu_pytorch_tanh), as gelu.wgsl computes it
// GU: [M, 2F] row-major f32; H: [M, F] row-major f32.
// Tiling: grid (ceil(F/WG), M); one invocation per output. Global traffic per output: 8 bytes
// loaded, 4 stored.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override GELU: bool = false;   // GeGLU: gelu in place of silu
override INSTRUMENT: bool = false;

struct Params { F: u32 }

const K0: f32 = 0.7978845608028654;   // sqrt(2/π)

fn act(x: f32) -> f32 {
  if (GELU) {
    // tanh via exp, clamped, as gelu.wgsl
    let t = clamp(K0 * (x + 0.044715 * x * x * x), -15.0, 15.0);
    let e = exp(2.0 * t);
    return 0.5 * x * (1.0 + (e - 1.0) / (e + 1.0));
  }
  return x / (1.0 + exp(-x));
}

@group(0) @binding(0) var<storage, read> GU: array<f32>;        // [M, 2F]
@group(0) @binding(1) var<storage, read_write> H: array<f32>;   // [M, F]
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
  let f = wid.x * WG + lid;
  if (f < p.F) {
    let g = GU[m * 2u * p.F + f];
    let u = GU[m * 2u * p.F + p.F + f];
    H[m * p.F + f] = act(g) * u;
    loaded += 8u;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
