// attention_naive_scores: pass 1 of the naive three-pass attention baseline. Materializes
//   scores[h, i, j] = scale · Σ_d Q[h, i, d]·K[h / G, j, d]
// for every visible pair (all pairs, or with causal only j ≤ i + Skv − Sq: the Sq queries end the Skv positions); masked entries are neither computed
// nor written (attention_naive_softmax never reads them).
// Q: [H, Sq, DH] f32; K: [H / G, Skv, DH] f32; scores: [H, Sq, Skv] f32. H is the number of query
// heads with any batch folded in (decode: H = B·Hq, KV head b·Hkv + h / G = (b·Hq + h) / G).
// Tiling: one invocation per score; a 16 × 16 workgroup covers 16 queries × 16 keys of one head
// (grid = (cdiv(Skv, 16), cdiv(Sq, 16), H)), reading a Q row and a K row per score (8·DH bytes).
// Measured: the three naive passes together, see attention_prefill_flash.wgsl (flash 2.5-3x faster on SwiftShader).

override WG_X: u32 = 16;
override WG_Y: u32 = 16;
override INSTRUMENT: bool = false;

struct Params { Sq: u32, Skv: u32, G: u32, DH: u32, causal: u32, scale: f32 }

@group(0) @binding(0) var<storage, read> Q: array<f32>;             // [H, Sq, DH]
@group(0) @binding(1) var<storage, read> K: array<f32>;             // [H / G, Skv, DH]
@group(0) @binding(2) var<storage, read_write> scores: array<f32>;  // [H, Sq, Skv]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u,
        @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let j = gid.x;          // key
  let i = gid.y;          // query
  let h = wid.z;          // query head
  var loaded = 0u;
  var stored = 0u;
  if (i < p.Sq && j < p.Skv && (p.causal == 0u || j <= i + p.Skv - p.Sq)) {
    let qBase = (h * p.Sq + i) * p.DH;          // Q[h, i, 0]
    let kBase = ((h / p.G) * p.Skv + j) * p.DH; // K[h / G, j, 0]
    var dot = 0.0;
    for (var d = 0u; d < p.DH; d++) { dot = fma(Q[qBase + d], K[kBase + d], dot); }
    scores[(h * p.Sq + i) * p.Skv + j] = dot * p.scale;
    loaded = 8u * p.DH;
    stored = 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG_X * WG_Y - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
