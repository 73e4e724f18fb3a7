// attention_decode_split: pass 1 of split-K decode attention ("flash-decoding"). One new token per
// sequence attends to a KV cache of L keys; the cache is cut into splits of SPLIT keys and each
// workgroup reduces one split to a partial softmax state (m, l, o[DH]) per query head, which
// attention_decode_reduce.wgsl combines with log-sum-exp rescaling.
// q: [B, Hq, DH] f32; K, V caches: [B, Hkv, C, DH] f32 (C ≥ L: a decode loop's allocated capacity); partial: [B, Hq, nSplit, DH + 2] f32 holding
// (m = max score, l = Σ exp(s − m), o[DH] = Σ exp(s − m)·v) for the split, o unnormalized.
// The splits cover keys [k0, L): k0 = 0, or with a sliding window W the last min(L, W) keys
// (k0 = L − W); older keys are never read.
// GQA: one workgroup serves the whole group of GQ = Hq / Hkv query heads that share a KV head, so each
// K/V element is read once per group (not once per query head). When the group's q/o rows do not fit
// workgroup memory (large DH·GQ, e.g. Gemma's dh = 256), G < GQ heads per workgroup (a divisor of GQ)
// and the GQ/G workgroups of a group each read the K/V split.
// Tiling: grid = (nSplit, Hkv·GQ/G, B); WG invocations; the split's keys are staged BC at a time in
// workgroup memory (K and V blocks), scores for the G heads × BC keys go to workgroup memory, one
// invocation per head updates that head's running (m, l), then all invocations rescale and
// accumulate the G × DH outputs (each output element owned by one invocation).
// Measured 2026-11 (SwiftShader 5.0, Node/Dawn, 2 shared CPU cores; noisy): L=2048, Hq=8, Hkv=2, dh=64, split=128,
// Bc=16, both passes: 31 ms vs naive 26 ms; on a CPU emulator the barrier-heavy split kernel does not win.
// 2026-12-02, same setup, splits from the rule (split = 0: L=2048 -> 32 splits of 64 keys; dh=256 GQA 8 ->
// 4 workgroups of 2 heads): L=2048, Hq=8, Hkv=2, dh=64: split 0.46x of naive's speed; L=512, Hq=8, Hkv=1,
// dh=256: 0.43x. SwiftShader runs workgroups on 2 cores, so the rule's parallelism buys nothing there;
// the rule targets a real GPU (enough workgroups to fill it). No real-GPU figure yet.

override WG: u32 = 64;        // invocations per workgroup (≥ G)
override BC: u32 = 16;        // keys staged per step
override DH: u32 = 64;        // head dimension
override G: u32 = 4;          // query heads per workgroup: the KV head's group, or a divisor of it (workgroup memory)
override GQ: u32 = 4;         // query heads per KV head (Hq / Hkv)
override INSTRUMENT: bool = false;

const NEG_BIG: f32 = -3.0e38;  // "minus infinity" for the running max; exp(NEG_BIG - m) == 0

// C: keys per head the cache holds (≥ L); k0: first key read (sliding window), 0 without one
struct Params { L: u32, split: u32, nSplit: u32, scale: f32, C: u32, k0: u32 }

@group(0) @binding(0) var<storage, read> q: array<f32>;              // [B, Hq, DH]
@group(0) @binding(1) var<storage, read> Kc: array<f32>;             // [B, Hkv, C, DH]
@group(0) @binding(2) var<storage, read> Vc: array<f32>;             // [B, Hkv, C, DH]
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;  // [B, Hq, nSplit, DH + 2]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Qs: array<f32, G * DH>;    // [G, DH] the group's query vectors
var<workgroup> Ks: array<f32, BC * DH>;   // [BC, DH]
var<workgroup> Vs: array<f32, BC * DH>;   // [BC, DH]
var<workgroup> Ss: array<f32, G * BC>;    // [G, BC] scores, then probabilities
var<workgroup> Os: array<f32, G * DH>;    // [G, DH] unnormalized outputs
var<workgroup> Ms: array<f32, G>;         // running max per head
var<workgroup> Ls: array<f32, G>;         // running sum per head
var<workgroup> Cs: array<f32, G>;         // this step's rescale factor per head

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  // wid.y = kvh·(GQ/G) + chunk, so u·G = b·Hq + kvh·GQ + chunk·G: the first batch-flattened query head
  // of this workgroup; its KV head (batch-flattened, b·Hkv + kvh) is h0 / GQ.
  let u = wid.z * nwg.y + wid.y;
  let h0 = u * G;
  let kvh = h0 / GQ;
  let k0 = p.k0 + wid.x * p.split;    // first key of this split
  let kEnd = min(p.L, k0 + p.split);
  let cacheBase = kvh * p.C * DH;     // K[b, kvh, 0, 0] of a [B, Hkv, C, DH] cache
  var loaded = 0u;
  var stored = 0u;

  for (var i = lid; i < G * DH; i += WG) {
    Qs[i] = q[h0 * DH + i];           // q[b, kvh·G + i / DH, i % DH]
    Os[i] = 0.0;
    loaded += 4u;
  }
  for (var g = lid; g < G; g += WG) { Ms[g] = NEG_BIG; Ls[g] = 0.0; }
  workgroupBarrier();

  for (var kv0 = k0; kv0 < kEnd; kv0 += BC) {
    let c = min(BC, kEnd - kv0);      // keys in this step
    for (var i = lid; i < BC * DH; i += WG) {
      var kv = 0.0;
      var vv = 0.0;
      if (i / DH < c) {
        kv = Kc[cacheBase + kv0 * DH + i];
        vv = Vc[cacheBase + kv0 * DH + i];
        loaded += 8u;
      }
      Ks[i] = kv;
      Vs[i] = vv;
    }
    workgroupBarrier();
    for (var i = lid; i < G * BC; i += WG) {
      let g = i / BC;
      let cc = i % BC;
      if (cc < c) {
        var dot = 0.0;
        for (var d = 0u; d < DH; d++) { dot = fma(Qs[g * DH + d], Ks[cc * DH + d], dot); }
        Ss[i] = dot * p.scale;
      }
    }
    workgroupBarrier();
    if (lid < G) {
      let g = lid;
      var mx = NEG_BIG;
      for (var cc = 0u; cc < c; cc++) { mx = max(mx, Ss[g * BC + cc]); }
      let mOld = Ms[g];
      let mNew = max(mOld, mx);
      let corr = exp(mOld - mNew);
      var sum = 0.0;
      for (var cc = 0u; cc < c; cc++) {
        let pr = exp(Ss[g * BC + cc] - mNew);
        Ss[g * BC + cc] = pr;
        sum += pr;
      }
      Ls[g] = Ls[g] * corr + sum;
      Ms[g] = mNew;
      Cs[g] = corr;
    }
    workgroupBarrier();
    for (var i = lid; i < G * DH; i += WG) {
      let g = i / DH;
      let d = i % DH;
      var acc = Os[i] * Cs[g];
      for (var cc = 0u; cc < c; cc++) { acc = fma(Ss[g * BC + cc], Vs[cc * DH + d], acc); }
      Os[i] = acc;
    }
    workgroupBarrier();
  }

  // partial[b, kvh·G + g, split, :] = (m, l, o[0..DH))
  let rec = DH + 2u;
  for (var i = lid; i < G * rec; i += WG) {
    let g = i / rec;
    let e = i % rec;
    var v = 0.0;
    if (e == 0u) { v = Ms[g]; } else if (e == 1u) { v = Ls[g]; } else { v = Os[g * DH + e - 2u]; }
    partial[((h0 + g) * p.nSplit + wid.x) * rec + e] = v;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
