// layernorm: Y[m, :] = (X[r0 + m, :] − mean) / sqrt(var + eps) · w + b  (GPT-2's LayerNorm).
// X: [rows, D] row-major f32 (rows ≥ r0 + M); w, b: [D] f32; Y: [M, D] row-major f32.
// Tiling: one workgroup of WG invocations per row; three strided passes over the row: the mean,
// the variance of (x − mean) (two passes, so a large mean does not cancel the variance), then the
// output; the mean is of x − x0, x0 the row's first value (see main). Tree reductions in workgroup
// memory. Global traffic per row: 12·D + 4 bytes of X, 8·D of
// w and b, 4·D stored.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override INSTRUMENT: bool = false;

struct Params { D: u32, r0: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;         // [rows, D]
@group(0) @binding(1) var<storage, read> w: array<f32>;         // [D]
@group(0) @binding(2) var<storage, read> b: array<f32>;         // [D]
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;   // [M, D]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> part: array<f32, WG>;
var<workgroup> pivot: f32;

fn reduceSum(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier();   // every invocation has read part[0] before it is reused
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }
  var loaded = 0u;
  var stored = 0u;

  let m = wid.x;
  let xRow = (p.r0 + m) * p.D;
  // Shifted data: the row's first value is subtracted before the mean. A row far from 0 with a small spread
  // (mean 100, std 0.01) would otherwise lose the spread to the f32 mean's rounding (an ulp of 100 is 8e-6, 1e-3
  // of the std; measured 0.3 % output error at D = 1000, bench/kernel-holdout.py); x − x0 of values near each
  // other is exact, and the mean of the differences rounds relative to the spread.
  if (lid == 0u) { pivot = X[xRow]; loaded += 4u; }
  workgroupBarrier();
  let x0 = pivot;
  var s1 = 0.0;
  for (var d = lid; d < p.D; d += WG) { s1 += X[xRow + d] - x0; loaded += 4u; }
  let mean = reduceSum(lid, s1) / f32(p.D);   // of x − x0
  var s2 = 0.0;
  for (var d = lid; d < p.D; d += WG) { let c = (X[xRow + d] - x0) - mean; s2 = fma(c, c, s2); loaded += 4u; }
  let r = inverseSqrt(reduceSum(lid, s2) / f32(p.D) + p.eps);
  for (var d = lid; d < p.D; d += WG) {
    Y[m * p.D + d] = fma(((X[xRow + d] - x0) - mean) * r, w[d], b[d]);
    loaded += 12u;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
