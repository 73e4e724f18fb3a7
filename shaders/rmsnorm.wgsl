// rmsnorm: Y[m, :] = X[r0 + m, :] · w / sqrt(mean(X[r0 + m, :]²) + eps)  (Llama's RMSNorm).
// X: [rows, D] row-major f32 (rows ≥ r0 + M); w: [D] f32; Y: [M, D] row-major f32.
// r0 lets the final norm read only the last token of a prefill.
// Tiling: one workgroup of WG invocations per row; pass 1 strides the row and sums squares (tree
// reduction in workgroup memory), pass 2 strides it again and scales. Global traffic per row:
// 8·D bytes of X (read twice), 4·D of w, 4·D stored.
// Overflow: x² overflows f32 past |x| ≈ 1.8e19 (the sum past 1.8e19 / sqrt(D)), which made every output 0. So the
// row is scaled by 2^-K before squaring, 2^K near its largest |x| (each invocation keeps its own exponent k while it
// sums and rescales its sum when k grows; the workgroup takes the largest k): y = (x·2^-K) · w / sqrt(mean((x·2^-K)²)
// + eps·2^-2K). Scaling by a power of two is exact, so rows that did not overflow give the same sums as before.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override INSTRUMENT: bool = false;

struct Params { D: u32, r0: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;         // [rows, D]
@group(0) @binding(1) var<storage, read> w: array<f32>;         // [D]
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;   // [M, D]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> part: array<f32, WG>;

// K's range: 2^-K·x stays below 4 for every finite f32 (|x| < 2^128) and ldexp's exponents stay ≥ -126 (WGSL lets
// ldexp(x, e) return 0 for e + 127 ≤ 0); K ≥ -63 keeps eps·2^-2K ≤ 2^126 finite for eps ≤ 1 while rows down to 2^-64
// are scaled up (their squares would underflow, which matters when eps is 0).
const K_MIN = -63;
const K_MAX = 126;

/** The exponent that brings v below 1 (|v| < 2^e), clamped to [K_MIN, K_MAX]; K_MIN for 0. */
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
  workgroupBarrier();
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

  let m = wid.x;                  // output row (grid = [M, 1, 1])
  let xRow = (p.r0 + m) * p.D;    // X[r0 + m, 0]
  var k = K_MIN;   // this invocation's sum is of (x·2^-k)²
  var ss = 0.0;
  for (var d = lid; d < p.D; d += WG) {
    let v = X[xRow + d];
    let e = scaleExp(v);
    if (e > k) { ss = ldexp(ss, 2 * (k - e)); k = e; }
    let t = ldexp(v, -k);
    ss = fma(t, t, ss);
    loaded += 4u;
  }
  let K = i32(reduceMax(lid, f32(k)));
  let total = reduceSum(lid, ldexp(ss, 2 * (k - K)));   // of (x·2^-K)²
  let r = inverseSqrt(total / f32(p.D) + ldexp(p.eps, -2 * K));
  for (var d = lid; d < p.D; d += WG) {
    Y[m * p.D + d] = ldexp(X[xRow + d], -K) * r * w[d];
    loaded += 8u;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
