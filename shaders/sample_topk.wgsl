// sample_topk: picks the next token on the GPU, so a decode step reads back 4 bytes, not the logits.
// K rounds of a workgroup arg-max, each over the logits strictly after the previous pick in
// (value descending, index ascending) order, give the top-K candidates; invocation 0 then takes
// softmax at temperature T over them (f32) and returns the first candidate whose running sum exceeds
// u · total (u: the host's seeded uniform draw). K = 1 is greedy. Same rule as src/llm/sample.ts.
// logits: [V] f32; out: [1 + K] u32 = (token, candidates best first).
// Tiling: one workgroup of WG invocations; each round strides all V logits. Global traffic: 4·V·K
// bytes loaded, 4·(1 + K) stored. A real GPU would use a one-pass per-invocation heap for large K;
// K ≤ 64 rounds keep the kernel simple and exact.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override INSTRUMENT: bool = false;

struct Params { V: u32, K: u32, invT: f32, u: f32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;    // [V]
@group(0) @binding(1) var<storage, read_write> out: array<u32>; // [1 + K]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

const MAXK: u32 = 64u;
var<workgroup> bestV: array<f32, WG>;
var<workgroup> bestI: array<u32, WG>;
var<workgroup> candV: array<f32, MAXK>;
var<workgroup> candI: array<u32, MAXK>;

// a is better than b in (value desc, index asc) order
fn better(av: f32, ai: u32, bv: f32, bi: u32) -> bool {
  return ai != 0xffffffffu && (bi == 0xffffffffu || av > bv || (av == bv && ai < bi));
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

  var prevV = 3.4e38;
  var prevI = 0xffffffffu;   // nothing picked yet: every logit is "after" it
  for (var r = 0u; r < p.K; r++) {
    var bv = 0.0;
    var bi = 0xffffffffu;
    for (var i = lid; i < p.V; i += WG) {
      let v = logits[i];
      loaded += 4u;
      let after = prevI == 0xffffffffu || v < prevV || (v == prevV && i > prevI);
      if (after && better(v, i, bv, bi)) { bv = v; bi = i; }
    }
    bestV[lid] = bv;
    bestI[lid] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
      if (lid < s && better(bestV[lid + s], bestI[lid + s], bestV[lid], bestI[lid])) {
        bestV[lid] = bestV[lid + s];
        bestI[lid] = bestI[lid + s];
      }
      workgroupBarrier();
    }
    prevV = bestV[0];
    prevI = bestI[0];
    if (lid == 0u) { candV[r] = prevV; candI[r] = prevI; }
    workgroupBarrier();
  }

  if (lid == 0u) {
    var pick = candI[0];
    if (p.K > 1u) {
      var total = 0.0;
      for (var j = 0u; j < p.K; j++) { total += exp((candV[j] - candV[0]) * p.invT); }
      let goal = p.u * total;
      var run = 0.0;
      var found = false;
      for (var j = 0u; j < p.K; j++) {
        run += exp((candV[j] - candV[0]) * p.invT);
        if (!found && run > goal) { pick = candI[j]; found = true; }
      }
      if (!found) { pick = candI[p.K - 1u]; }
    }
    out[0] = pick;
    for (var j = 0u; j < p.K; j++) { out[1u + j] = candI[j]; }
    stored += 4u * (1u + p.K);
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
