// layernorm: Y[m, :] = (X[r0 + m, :] − mean) / sqrt(var + eps) · w + b  (GPT-2's LayerNorm).
// X: [rows, D] row-major f32 (rows ≥ r0 + M); w, b: [D] f32; Y: [M, D] row-major f32.
// Tiling: one workgroup of WG invocations per row; three strided passes over the row: the mean,
// the variance of (x − mean) (two passes, so a large mean does not cancel the variance), then the
// output; the mean is of x − x0, x0 the row's first value (see main). Tree reductions in workgroup
// memory. Global traffic per row: 12·D + 4 bytes of X, 8·D of
// w and b, 4·D stored.
// Overflow: (x − mean)² overflows f32 past |x − mean| ≈ 1.8e19 (and x − x0 itself near the f32 maximum), which made
// the outputs 0 or NaN. So the row is taken as x·2^-K, 2^K near its largest |x| (each invocation keeps its own
// exponent k in the mean pass and rescales its sum when k grows; the workgroup takes the largest k, x0's included),
// with eps·2^-2K: y is unchanged by the scale. Scaling by a power of two is exact, so rows that did not overflow give
// the same sums as before (rmsnorm.wgsl does the same).
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

// K's range and the exponent of a value: as in rmsnorm.wgsl (2^-K·x below 4 for every finite f32; ldexp's exponents
// ≥ -126; eps·2^-2K finite for eps ≤ 1).
const K_MIN = -63;
const K_MAX = 126;

fn scaleExp(v: f32) -> i32 {
  if (v == 0.0) { return K_MIN; }
  return clamp(frexp(v).exp, K_MIN, K_MAX);
}

fn reduceMax(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] = max(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier();   // every invocation has read part[0] before it is reused
  return total;
}

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
  var k = scaleExp(x0);   // this invocation's sum is of (x − x0)·2^-k
  var s1 = 0.0;
  for (var d = lid; d < p.D; d += WG) {
    let v = X[xRow + d];
    let e = scaleExp(v);
    if (e > k) { s1 = ldexp(s1, k - e); k = e; }
    s1 += ldexp(v, -k) - ldexp(x0, -k);
    loaded += 4u;
  }
  let K = i32(reduceMax(lid, f32(k)));
  let x0s = ldexp(x0, -K);
  let mean = reduceSum(lid, ldexp(s1, k - K)) / f32(p.D);   // of (x − x0)·2^-K
  var s2 = 0.0;
  for (var d = lid; d < p.D; d += WG) { let c = (ldexp(X[xRow + d], -K) - x0s) - mean; s2 = fma(c, c, s2); loaded += 4u; }
  let r = inverseSqrt(reduceSum(lid, s2) / f32(p.D) + ldexp(p.eps, -2 * K));
  for (var d = lid; d < p.D; d += WG) {
    Y[m * p.D + d] = fma(((ldexp(X[xRow + d], -K) - x0s) - mean) * r, w[d], b[d]);
    loaded += 12u;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
