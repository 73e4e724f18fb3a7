// attention_prefill_flash: O = softmax(scale · Q·Kᵀ [+ causal mask]) · V, flash-style (FlashAttention-2
// forward): K/V blocks are streamed through workgroup memory and every query row keeps an online
// softmax (running max m, running sum l, unnormalized output o), so the S×S score matrix never exists.
// Q: [Hq, S, DH] f32 (head-major); K, V: [Hkv, C, DH] f32 (C ≥ L: a KV cache read in place), L ≥ S; O: [S, Hq·DH] f32 row-major (token-major).
// The S queries are the last S of L positions (a cached prefix of L − S keys: chunked prefill, multi-turn):
// with CAUSAL, query i sees keys 0..L−S+i. GQA: query head h reads KV head h / G, G = Hq / Hkv.
// Tiling: grid = (cdiv(S, BR), G, Hkv); workgroup (qb, g, kvh) owns query rows [qb·BR, qb·BR + BR)
// of head h = kvh·G + g, one invocation per row. q (pre-scaled) and o are held as DH/4 vec4s, and Q, K,
// V, O and the K/V blocks are read as vec4 (DH is a multiple of 4, at most MAX_DH = 256): SwiftShader keeps loop-indexed
// function arrays in memory, so 4x fewer (vector) accesses to them pay off. It walks KV blocks of BC keys:
// all cdiv(L, BC) of them, or with CAUSAL only those holding a key ≤ its last row + L − S (fully masked
// blocks are neither loaded nor computed). Sliding window (p.W > 0, with CAUSAL): row t = i + L − S sees
// keys t − W + 1..t; blocks before the one holding the workgroup's first row's oldest key are skipped
// too. Inside a block, keys past L, after the row (causal) or before its window are skipped. Stable for large logits: every exp has a non-positive argument (s − running max).
// Global traffic per workgroup: Q rows once, each visited K and V block once, O rows once.
// Measured 2026-11 (SwiftShader 5.0, 2 shared CPU cores; ratios only, side by side): S=256, Hq=4, Hkv=1, dh=64,
// Br=32, Bc=16, causal: scalar q/o arrays -> vec4 q/o arrays: Node/Dawn 73 -> 59 ms (gpu-ts); Chromium 156
// 46-47 -> 39-45 ms wall vs onnxruntime-web GroupQueryAttention ~40 ms (ours/peer 1.30x -> 1.09x under load).
// 2026-12-02 (same setup): over a cached prefix S=64, L=256, Hq=4, Hkv=1, dh=64, causal: flash 1.25x faster
// than naive; dh=256 (Gemma), S=64, Hq=2, Hkv=1, Bc=8 (auto, 16 KiB): 1.60x.
// Tried and dropped: dh split over dh/16 lanes per row (partial q·k sums reduced through workgroup memory,
// q/o in named vec4s): no faster in Node (an extra barrier per block, softmax repeated per lane).

override BR: u32 = 32;        // query rows per workgroup = invocations per workgroup
override BC: u32 = 16;        // keys per streamed K/V block (≤ MAX_BC)
override DH: u32 = 64;        // head dimension (≤ MAX_DH)
override CAUSAL: bool = true;
override INSTRUMENT: bool = false;

const MAX_DH: u32 = 256u;
const MAX_BC: u32 = 64u;
const NEG_BIG: f32 = -3.0e38;  // "minus infinity" for the running max; exp(NEG_BIG - m) == 0

// C: keys per head the K/V buffers hold (≥ L); W: sliding window in keys (0 = none)
struct Params { S: u32, L: u32, Hq: u32, Hkv: u32, scale: f32, C: u32, W: u32 }

@group(0) @binding(0) var<storage, read> Q: array<vec4<f32>>;        // [Hq, S, DH]
@group(0) @binding(1) var<storage, read> K: array<vec4<f32>>;        // [Hkv, C, DH], the first L keys used
@group(0) @binding(2) var<storage, read> V: array<vec4<f32>>;        // [Hkv, C, DH], as K
@group(0) @binding(3) var<storage, read_write> O: array<vec4<f32>>;  // [S, Hq·DH]
@group(0) @binding(14) var<uniform> p: Params;
// Instrumentation (see src/gpu/runner.ts): per workgroup [loaded, stored, start, finish, arrived, departed].
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Ks: array<vec4<f32>, BC * DH / 4u>;   // [BC, DH] current K block
var<workgroup> Vs: array<vec4<f32>, BC * DH / 4u>;   // [BC, DH] current V block

@compute @workgroup_size(BR)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let S = p.S;
  let L = p.L;
  let off = L - S;                    // cached keys before the first new query
  let kvh = wid.z;
  let h = kvh * nwg.y + wid.y;        // query head: kvh·G + g
  let qi = wid.x * BR + lid;          // this invocation's query row
  let valid = qi < S;
  var loaded = 0u;
  var stored = 0u;

  let DV = DH / 4u;
  var q: array<vec4<f32>, MAX_DH / 4u>;
  var o: array<vec4<f32>, MAX_DH / 4u>;
  var s: array<f32, MAX_BC>;
  if (valid) {
    for (var d = 0u; d < DV; d++) { q[d] = Q[(h * S + qi) * DV + d] * p.scale; o[d] = vec4<f32>(0.0); }
    loaded += 4u * DH;
  }
  var m = NEG_BIG;
  var l = 0.0;

  // Blocks visited: all, or (causal) up to the one holding the last key the workgroup's last row sees,
  // and (window) from the one holding the first row's oldest visible key. Uniform per workgroup.
  let lastRow = min(S, (wid.x + 1u) * BR) - 1u;
  var nBlocks = (L + BC - 1u) / BC;
  if (CAUSAL) { nBlocks = min(nBlocks, (lastRow + off) / BC + 1u); }
  let W = p.W;
  let windowed = CAUSAL && W > 0u;
  let firstRow = wid.x * BR;
  var j0 = 0u;
  if (windowed && firstRow + off + 1u > W) { j0 = (firstRow + off + 1u - W) / BC; }
  // this row's oldest visible key (window), as an index ≥ 0
  var lo = 0u;
  if (windowed && qi + off + 1u > W) { lo = qi + off + 1u - W; }
  let kvBase = kvh * p.C * DV;        // K[kvh, 0, 0]

  for (var j = j0; j < nBlocks; j++) {
    let kv0 = j * BC;
    let c = min(BC, L - kv0);         // keys in this block (ragged last block)
    for (var i = lid; i < BC * DV; i += BR) {
      let r = i / DV;                 // key row inside the block
      var kv = vec4<f32>(0.0);
      var vv = vec4<f32>(0.0);
      if (r < c) {
        kv = K[kvBase + kv0 * DV + i];
        vv = V[kvBase + kv0 * DV + i];
        loaded += 32u;
      }
      Ks[i] = kv;
      Vs[i] = vv;
    }
    workgroupBarrier();

    // Keys of this block the row sees: [c0, nvis) of the block: all c, or (causal) those with index
    // ≤ qi + off, and (window) ≥ lo.
    var nvis = 0u;
    var c0 = 0u;
    if (valid) {
      nvis = c;
      if (CAUSAL) { nvis = select(0u, min(c, qi + off + 1u - kv0), qi + off >= kv0); }
      if (lo > kv0) { c0 = min(lo - kv0, nvis); }
    }
    if (nvis > c0) {
      var mx = NEG_BIG;
      for (var cc = c0; cc < nvis; cc++) {
        var acc = 0.0;
        for (var d = 0u; d < DV; d++) { acc += dot(q[d], Ks[cc * DV + d]); }
        s[cc] = acc;
        mx = max(mx, s[cc]);
      }
      let mNew = max(m, mx);
      let corr = exp(m - mNew);       // rescales what earlier blocks accumulated
      l *= corr;
      for (var d = 0u; d < DV; d++) { o[d] *= corr; }
      for (var cc = c0; cc < nvis; cc++) {
        let pr = exp(s[cc] - mNew);
        l += pr;
        for (var d = 0u; d < DV; d++) { o[d] = fma(vec4<f32>(pr), Vs[cc * DV + d], o[d]); }
      }
      m = mNew;
    }
    workgroupBarrier();
  }

  if (valid) {
    let inv = 1.0 / l;                // l ≥ 1: the row's max term contributes exp(0)
    let rowBase = (qi * p.Hq + h) * DV;   // O[qi, h·DH]
    for (var d = 0u; d < DV; d++) { O[rowBase + d] = o[d] * inv; }
    stored += 4u * DH;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == BR - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
