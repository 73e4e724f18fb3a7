// qkv_gemv_w8: [Q | K | V] = X · dequant(Wq) (+ bias) for few tokens (decode) with int8 weights and f32
// activations (weight-only int8, "W8A32"), written head-major for attention: the gemv form of qkv_fused_w8
// (same tensors), tiled like matmul_int8_gemv (every weight read once for all the tokens).
// X: [M, D] row-major f32, read as vec4; Wq: [N, D/4] u32, row n = output column n of [query | key | value]
// (N = (Hq + 2·Hkv)·dh), 4 int8 per word along D, byte j of word w = d = 4w + j; wScale: [N] f32 per-column
// scales, W[d, n] = Wq[n, d]·wScale[n]; bias: [N] (a 4-byte placeholder, never read, when !HAS_BIAS);
// Q: [Hq, M, dh]; K, V: [Hkv, M, dh] (head-major). D is a multiple of 16, so Wq rows are read as vec4<u32>
// (16 int8 per load) and X rows as vec4<f32>.
// Tiling: a workgroup owns NC columns of [q | k | v] and MR = min(M, 8) tokens; TK lanes share a column and
// walk its D/16 vec4 words interleaved (lane l takes words l, l + TK, ...). X's rows are staged 16·XC values at
// a time in workgroup memory. Weights are unpacked with shifts (no dot4 or unpack4xI8: every adapter) into
// exact f32 integers; each lane keeps an f32 sum of x·q per token (the fused-w8 kernel's arithmetic, another
// order); the TK lane sums are added in workgroup memory, then the column's lane 0 scales once by wScale
// (llama2.c runq style), adds the bias and scatters to Q, K or V.
// Global traffic at M ≤ 8: 4·N·D/4 bytes of Wq once, 4·N scales, X once per workgroup column (4·M·D·N/NC).
// Measured 2026-12-02 (SwiftShader 5.0.0, Node/Dawn webgpu@0.6.2, 2 CPU cores shared with other jobs: ratios only,
// side by side, `npm run bench -- --suite smoke --kernel matmul-int8,qkv --samples 15`): M=1, D=1024, Hq=8, Hkv=2,
// dh=64, median of 15 GPU-timestamp samples: gemv-w8 329 ms (p10-p90 219-415) vs fused-w8 434 ms (367-539): 1.32x
// faster, ranges overlapping; no real-GPU figure yet (the llama3-8b-decode suite times it beside fused-w8).

override TK: u32 = 16;        // lanes per output column (a power of two)
override NC: u32 = 16;        // columns of [q | k | v] per workgroup
override MR: u32 = 8;         // tokens per workgroup (≤ 8): min(M, 8)
override XC: u32 = 16;        // vec4<u32> words of Wq (16 D values each) per staged X step
override HAS_BIAS: bool = false;
override INSTRUMENT: bool = false;

const MAX_MR: u32 = 8u;

struct Params { M: u32, D: u32, N: u32, Nq: u32, Nkv: u32, dh: u32 }

@group(0) @binding(0) var<storage, read> X: array<vec4<f32>>;   // [M, D / 4]
@group(0) @binding(1) var<storage, read> Wq: array<vec4<u32>>;  // [N, D / 16]
@group(0) @binding(2) var<storage, read> bias: array<f32>;      // [N]
@group(0) @binding(3) var<storage, read_write> Q: array<f32>;   // [Hq, M, dh]
@group(0) @binding(4) var<storage, read_write> K: array<f32>;   // [Hkv, M, dh]
@group(0) @binding(5) var<storage, read_write> V: array<f32>;   // [Hkv, M, dh]
@group(0) @binding(6) var<storage, read> wScale: array<f32>;    // [N]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Xs: array<vec4<f32>, MR * XC * 4>;    // [MR, 16·XC] staged values of X's rows
var<workgroup> Red: array<f32, TK * NC>;             // [NC, TK] lane sums

// The four int8 of a word (byte j = element j), sign-extended by an arithmetic shift, as exact f32.
fn unpack4(w: u32) -> vec4<f32> {
  return vec4<f32>(f32(bitcast<i32>(w << 24u) >> 24u), f32(bitcast<i32>(w << 16u) >> 24u),
                   f32(bitcast<i32>(w << 8u) >> 24u), f32(bitcast<i32>(w) >> 24u));
}

// Column c of [q | k | v] -> (tensor, head h = c' / dh, lane d = c' % dh) -> [h, r, d].
fn scatter(r: u32, c: u32, v: f32) {
  if (c < p.Nq) {
    Q[((c / p.dh) * p.M + r) * p.dh + c % p.dh] = v;
  } else if (c < p.Nq + p.Nkv) {
    let ck = c - p.Nq;
    K[((ck / p.dh) * p.M + r) * p.dh + ck % p.dh] = v;
  } else {
    let cv = c - p.Nq - p.Nkv;
    V[((cv / p.dh) * p.M + r) * p.dh + cv % p.dh] = v;
  }
}

@compute @workgroup_size(TK, NC)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let lk = lid3.x;
  let col = lid3.y;
  let n = wid.x * NC + col;
  let colOk = n < p.N;
  let row0 = wid.y * MR;
  let D4 = p.D / 4u;
  let Dw4 = p.D / 16u;
  let XS = XC * 4u;               // vec4<f32> of X per row per step
  var loaded = 0u;
  var stored = 0u;
  var acc: array<f32, MAX_MR>;    // this lane's sums of x·q, one per token
  for (var m = 0u; m < MR; m++) { acc[m] = 0.0; }

  for (var c0 = 0u; c0 < Dw4; c0 += XC) {
    for (var i = lid; i < MR * XS; i += TK * NC) {
      let m = i / XS;
      let j = c0 * 4u + i % XS;
      var v = vec4<f32>(0.0);
      if (row0 + m < p.M && j < D4) { v = X[(row0 + m) * D4 + j]; loaded += 16u; }
      Xs[i] = v;
    }
    workgroupBarrier();
    if (colOk) {
      for (var c = c0 + lk; c < min(c0 + XC, Dw4); c += TK) {
        let w = Wq[n * Dw4 + c];
        loaded += 16u;
        let w0 = unpack4(w.x);
        let w1 = unpack4(w.y);
        let w2 = unpack4(w.z);
        let w3 = unpack4(w.w);
        let b = (c - c0) * 4u;
        for (var m = 0u; m < MR; m++) {
          let xb = m * XS + b;
          acc[m] += dot(Xs[xb], w0) + dot(Xs[xb + 1u], w1) + dot(Xs[xb + 2u], w2) + dot(Xs[xb + 3u], w3);
        }
      }
    }
    workgroupBarrier();
  }

  // The column's scale and bias, read once by lane 0.
  var ws = 0.0;
  var bv = 0.0;
  if (lk == 0u && colOk) {
    ws = wScale[n];
    loaded += 4u;
    if (HAS_BIAS) { bv = bias[n]; loaded += 4u; }
  }

  // Add the TK lane sums of each token (tree in workgroup memory); lane 0 of the column scales and scatters.
  let r = col * TK;
  for (var m = 0u; m < MR; m++) {
    Red[r + lk] = acc[m];
    workgroupBarrier();
    for (var s = TK / 2u; s > 0u; s /= 2u) {
      if (lk < s) { Red[r + lk] += Red[r + lk + s]; }
      workgroupBarrier();
    }
    let t = row0 + m;
    if (lk == 0u && colOk && t < p.M) {
      scatter(t, n, Red[r] * ws + bv);
      stored += 4u;
    }
    workgroupBarrier();
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == TK * NC - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
