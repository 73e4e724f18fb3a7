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

// The tiling (overrides TX, TY, MR, KC, INSTRUMENT; the entry point) is written once, for this and
// matmul_gemv, in shaders/include/gemv_f32.wgsl (L = X, R = W); this file gives the operands, the bias and
// the head-major store.
// #include "gemv_f32.wgsl"

override HAS_BIAS: bool = false;

struct Params { M: u32, D: u32, N: u32, Nq: u32, Nkv: u32, dh: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;             // [M, D]
@group(0) @binding(1) var<storage, read> W: array<vec4<f32>>;       // [D, N / 4]
@group(0) @binding(2) var<storage, read> bias: array<f32>;          // [N]
@group(0) @binding(3) var<storage, read_write> Q: array<vec4<f32>>; // [Hq, M, dh / 4]
@group(0) @binding(4) var<storage, read_write> K: array<vec4<f32>>; // [Hkv, M, dh / 4]
@group(0) @binding(5) var<storage, read_write> V: array<vec4<f32>>; // [Hkv, M, dh / 4]
@group(0) @binding(14) var<uniform> p: Params;

fn depth() -> u32 { return p.D; }
fn leftAt(r: u32, k: u32) -> f32 { return X[r * p.D + k]; }
fn rightAt(k: u32, col4: u32) -> vec4<f32> { return W[k * (p.N / 4u) + col4]; }

// This lane's 4 bias values (zeros without a bias), read once for all rows by the lane that stores.
fn laneExtra(col4: u32, lead: bool) -> vec4<f32> {
  let n = col4 * 4u;                // first of the lane's 4 columns of [q | k | v]
  var bv = vec4<f32>(0.0);
  if (HAS_BIAS && lead) { bv = vec4(bias[n], bias[n + 1u], bias[n + 2u], bias[n + 3u]); }
  return bv;
}
fn laneExtraBytes(lead: bool) -> u32 { return select(0u, 16u, HAS_BIAS && lead); }

// Token t's columns 4·col4 .. + 3 (+ bias) to Q, K or V, head-major: dh, Nq and Nkv are multiples of 4, so
// the four lie in one tensor and one head.
fn storeOut(t: u32, col4: u32, v: vec4<f32>, extra: vec4<f32>) {
  let n = col4 * 4u;
  let dh4 = p.dh / 4u;
  let y = v + extra;
  if (n < p.Nq) {
    Q[((n / p.dh) * p.M + t) * dh4 + (n % p.dh) / 4u] = y;
  } else if (n < p.Nq + p.Nkv) {
    let c = n - p.Nq;
    K[((c / p.dh) * p.M + t) * dh4 + (c % p.dh) / 4u] = y;
  } else {
    let c = n - p.Nq - p.Nkv;
    V[((c / p.dh) * p.M + t) * dh4 + (c % p.dh) / 4u] = y;
  }
}
