// attention_naive_pv: pass 3 of the naive three-pass attention baseline:
//   O[i, h·DH + d] = Σ_j P[h, i, j]·V[h / G, j, d] over the visible keys j (all, or causal j ≤ i + Skv − Sq).
// P (= scores after softmax): [H, Sq, Skv] f32; V: [H / G, Skv, DH] f32; O: [Sq, H·DH] f32 row-major
// (token-major; for decode Sq = 1 and H = B·Hq, so O is [B, Hq, DH]).
// Tiling: one invocation per output element; a 16 × 16 workgroup covers 16 rows × 16 of the DH
// columns of one head (grid = (cdiv(DH, 16), cdiv(Sq, 16), H)); each output reads n P values and
// n V values (8·n bytes).
// Measured: the three naive passes together, see attention_prefill_flash.wgsl (flash 2.5-3x faster on SwiftShader).

override WG_X: u32 = 16;
override WG_Y: u32 = 16;
override INSTRUMENT: bool = false;

struct Params { Sq: u32, Skv: u32, G: u32, DH: u32, causal: u32 }

@group(0) @binding(0) var<storage, read> P: array<f32>;         // [H, Sq, Skv]
@group(0) @binding(1) var<storage, read> V: array<f32>;         // [H / G, Skv, DH]
@group(0) @binding(2) var<storage, read_write> O: array<f32>;   // [Sq, H·DH]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u,
        @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let d = gid.x;
  let i = gid.y;
  let h = wid.z;
  let H = nwg.z;
  var loaded = 0u;
  var stored = 0u;
  if (i < p.Sq && d < p.DH) {
    var n = p.Skv;
    if (p.causal != 0u) { n = min(p.Skv, i + 1u + p.Skv - p.Sq); }  // the Sq queries end the Skv positions
    let pRow = (h * p.Sq + i) * p.Skv;         // P[h, i, 0]
    let vBase = (h / p.G) * p.Skv * p.DH + d;   // V[h / G, 0, d]
    var acc = 0.0;
    for (var j = 0u; j < n; j++) { acc = fma(P[pRow + j], V[vBase + j * p.DH], acc); }
    O[i * H * p.DH + h * p.DH + d] = acc;
    loaded = 8u * n;
    stored = 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG_X * WG_Y - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
