// attention_naive_softmax: pass 2 of the naive three-pass attention baseline. Row-wise stable softmax
// in place: scores[h, i, j] ← exp(s_ij − max_j s_ij) / Σ_j exp(s_ij − max_j s_ij) over the visible
// keys j (all Skv, or with causal j ≤ i + Skv − Sq). Three sweeps over the row: max, sum, write.
// scores: [H, Sq, Skv] f32 (H = query heads with any batch folded in).
// Tiling: one invocation per row; WG rows of one head per workgroup (grid = (cdiv(Sq, WG), H)).
// Global traffic per row of n visible keys: 3·4·n bytes read, 4·n written.
// Measured: the three naive passes together, see attention_prefill_flash.wgsl (flash 2.5-3x faster on SwiftShader).

override WG: u32 = 64;
override INSTRUMENT: bool = false;

struct Params { Sq: u32, Skv: u32, causal: u32 }

@group(0) @binding(0) var<storage, read_write> scores: array<f32>;  // [H, Sq, Skv]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let i = wid.x * WG + lid;   // query row
  let h = wid.y;
  var loaded = 0u;
  var stored = 0u;
  if (i < p.Sq) {
    var n = p.Skv;                            // visible keys of this row
    if (p.causal != 0u) { n = min(p.Skv, i + 1u + p.Skv - p.Sq); }  // the Sq queries end the Skv positions
    let row = (h * p.Sq + i) * p.Skv;         // scores[h, i, 0]
    var mx = scores[row];
    for (var j = 1u; j < n; j++) { mx = max(mx, scores[row + j]); }
    var sum = 0.0;
    for (var j = 0u; j < n; j++) { sum += exp(scores[row + j] - mx); }
    let inv = 1.0 / sum;
    for (var j = 0u; j < n; j++) { scores[row + j] = exp(scores[row + j] - mx) * inv; }
    loaded = 12u * n;
    stored = 4u * n;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
