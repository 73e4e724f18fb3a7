// qkv_gemv: [Q | K | V] = X · W (+ bias) for few tokens (decode), written head-major for attention:
// the matmul_gemv tiling (see there) with the fused QKV epilogue.
// X: [M, D] row-major f32; W: [D, N] row-major f32, N = (Hq + 2·Hkv)·dh, columns [query | key | value],
// read as vec4; bias: [N] (a 4-byte placeholder, never read, when !HAS_BIAS); Q: [Hq, M, dh],
// K, V: [Hkv, M, dh] head-major, written as vec4 (dh, Hq·dh and Hkv·dh are multiples of 4, so a lane's
// 4 columns never straddle a head or the q/k/v boundary).
// Tiling: a workgroup owns 4·TX columns of [q | k | v] and MR = min(M, 8) tokens; TY lane rows split D;
// X is staged KC columns at a time in workgroup memory; partial sums are added in workgroup memory.
// Every weight is read once for all M tokens (the fused tiled kernel computes a 64-token tile).
// Measured 2026-12-02 (SwiftShader, Node/Dawn, 2 shared CPU cores: ratios only, side by side): M=1, D=1024,
// Hq=8, Hkv=2, dh=64: gemv 1.08x faster than fused; no real-GPU figure yet.

override TX: u32 = 8;         // column lanes (each owns a vec4 of columns)
override TY: u32 = 32;        // D slices (a power of two)
override MR: u32 = 8;         // tokens per workgroup (≤ 8): min(M, 8)
override KC: u32 = 128;       // D values of X staged per step
override INSTRUMENT: bool = false;

const MAX_MR: u32 = 8u;

override HAS_BIAS: bool = false;

struct Params { M: u32, D: u32, N: u32, Nq: u32, Nkv: u32, dh: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;             // [M, D]
@group(0) @binding(1) var<storage, read> W: array<vec4<f32>>;       // [D, N / 4]
@group(0) @binding(2) var<storage, read> bias: array<f32>;          // [N]
@group(0) @binding(3) var<storage, read_write> Q: array<vec4<f32>>; // [Hq, M, dh / 4]
@group(0) @binding(4) var<storage, read_write> K: array<vec4<f32>>; // [Hkv, M, dh / 4]
@group(0) @binding(5) var<storage, read_write> V: array<vec4<f32>>; // [Hkv, M, dh / 4]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> As: array<f32, MR * KC>;        // [MR, KC] the current D chunk of X's rows
var<workgroup> Red: array<vec4<f32>, TX * TY>; // [TY, TX] partial sums of one output row

@compute @workgroup_size(TX, TY)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let N4 = p.N / 4u;
  let lx = lid3.x;
  let ty = lid3.y;
  let col4 = wid.x * TX + lx;     // this lane's vec4 column
  let colOk = col4 < N4;
  let row0 = wid.y * MR;
  var loaded = 0u;
  var stored = 0u;
  var acc: array<vec4<f32>, MAX_MR>;
  for (var m = 0u; m < MR; m++) { acc[m] = vec4<f32>(0.0); }

  for (var k0 = 0u; k0 < p.D; k0 += KC) {
    let kc = min(KC, p.D - k0);
    for (var i = lid; i < MR * KC; i += TX * TY) {
      let m = i / KC;
      let kk = i % KC;
      var v = 0.0;
      if (row0 + m < p.M && kk < kc) { v = X[(row0 + m) * p.D + k0 + kk]; loaded += 4u; }
      As[i] = v;
    }
    workgroupBarrier();
    if (colOk) {
      for (var kk = ty; kk < kc; kk += TY) {
        let b = W[(k0 + kk) * N4 + col4];
        loaded += 16u;
        for (var m = 0u; m < MR; m++) { acc[m] = fma(vec4<f32>(As[m * KC + kk]), b, acc[m]); }
      }
    }
    workgroupBarrier();
  }

  // This lane's 4 bias values, once for all rows.
  let n = col4 * 4u;                // first of the lane's 4 columns of [q | k | v]
  var bv = vec4<f32>(0.0);
  if (HAS_BIAS && ty == 0u && colOk) {
    bv = vec4(bias[n], bias[n + 1u], bias[n + 2u], bias[n + 3u]);
    loaded += 16u;
  }
  let dh4 = p.dh / 4u;

  // Sum the TY partials of each row (tree in workgroup memory); lane row 0 adds the bias and scatters.
  for (var m = 0u; m < MR; m++) {
    Red[ty * TX + lx] = acc[m];
    workgroupBarrier();
    for (var s = TY / 2u; s > 0u; s /= 2u) {
      if (ty < s) { Red[ty * TX + lx] += Red[(ty + s) * TX + lx]; }
      workgroupBarrier();
    }
    let t = row0 + m;                 // token
    if (ty == 0u && colOk && t < p.M) {
      let v = Red[lx] + bv;
      if (n < p.Nq) {
        Q[((n / p.dh) * p.M + t) * dh4 + (n % p.dh) / 4u] = v;
      } else if (n < p.Nq + p.Nkv) {
        let c = n - p.Nq;
        K[((c / p.dh) * p.M + t) * dh4 + (c % p.dh) / 4u] = v;
      } else {
        let c = n - p.Nq - p.Nkv;
        V[((c / p.dh) * p.M + t) * dh4 + (c % p.dh) / 4u] = v;
      }
      stored += 16u;
    }
    workgroupBarrier();
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == TX * TY - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
