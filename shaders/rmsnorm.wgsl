// rmsnorm: Y[m, :] = X[r0 + m, :] · w / sqrt(mean(X[r0 + m, :]²) + eps)  (Llama's RMSNorm).
// X: [rows, D] row-major f32 (rows ≥ r0 + M); w: [D] f32; Y: [M, D] row-major f32.
// r0 lets the final norm read only the last token of a prefill.
// Tiling: one workgroup of WG invocations per row; pass 1 strides the row and sums squares (tree
// reduction in workgroup memory), pass 2 strides it again and scales. Global traffic per row:
// 8·D bytes of X (read twice), 4·D of w, 4·D stored.
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
  var ss = 0.0;
  for (var d = lid; d < p.D; d += WG) {
    let v = X[xRow + d];
    ss = fma(v, v, ss);
    loaded += 4u;
  }
  part[lid] = ss;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  let r = inverseSqrt(part[0] / f32(p.D) + p.eps);
  for (var d = lid; d < p.D; d += WG) {
    Y[m * p.D + d] = X[xRow + d] * r * w[d];
    loaded += 8u;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
