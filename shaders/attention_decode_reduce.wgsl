// attention_decode_reduce: pass 2 of split-K decode attention. Combines the per-split partial softmax
// states written by attention_decode_split.wgsl with log-sum-exp rescaling:
//   M = max_s m_s,  o = Σ_s exp(m_s − M)·o_s / Σ_s exp(m_s − M)·l_s.
// partial: [B, Hq, nSplit, DH + 2] f32 (m, l, o[DH]); o: [B, Hq, DH] f32.
// Tiling: grid = (Hq, B); one workgroup per (batch, query head), one invocation per output element d.
// Splits are taken DH at a time: their (m, l) pairs are loaded once into workgroup memory, then
// every invocation folds them into a running (M, Σl, acc) with the same online rescaling as pass 1.
// Measured: together with pass 1, see attention_decode_split.wgsl.

override DH: u32 = 64;        // head dimension = invocations per workgroup
override INSTRUMENT: bool = false;

const NEG_BIG: f32 = -3.0e38;

struct Params { nSplit: u32 }

@group(0) @binding(0) var<storage, read> partial: array<f32>;  // [B, Hq, nSplit, DH + 2]
@group(0) @binding(1) var<storage, read_write> o: array<f32>;  // [B, Hq, DH]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Mw: array<f32, DH>;   // m of up to DH splits
var<workgroup> Lw: array<f32, DH>;   // l of the same splits

@compute @workgroup_size(DH)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let h = wid.y * nwg.x + wid.x;      // batch-flattened query head b·Hq + h
  let rec = DH + 2u;
  let head0 = h * p.nSplit * rec;     // partial[b, h, 0, 0]
  var loaded = 0u;
  var stored = 0u;

  var M = NEG_BIG;
  var lsum = 0.0;
  var acc = 0.0;
  for (var s0 = 0u; s0 < p.nSplit; s0 += DH) {
    let n = min(DH, p.nSplit - s0);
    if (lid < n) {
      Mw[lid] = partial[head0 + (s0 + lid) * rec];
      Lw[lid] = partial[head0 + (s0 + lid) * rec + 1u];
      loaded += 8u;
    }
    workgroupBarrier();
    var mx = NEG_BIG;
    for (var t = 0u; t < n; t++) { mx = max(mx, Mw[t]); }
    let mNew = max(M, mx);
    let corr = exp(M - mNew);
    acc *= corr;
    lsum *= corr;
    for (var t = 0u; t < n; t++) {
      let w = exp(Mw[t] - mNew);
      lsum = fma(w, Lw[t], lsum);
      acc = fma(w, partial[head0 + (s0 + t) * rec + 2u + lid], acc);
      loaded += 4u;
    }
    M = mNew;
    workgroupBarrier();
  }
  o[h * DH + lid] = acc / lsum;
  stored += 4u;

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == DH - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
