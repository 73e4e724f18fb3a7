// embed: token embedding lookup (plus GPT-2's learned position embedding):
//   X[m, :] = E[ids[m] - v0, :] (+ P[pos0 + m, :] when POS)
// ids: [M] u32; E: [V, D] row-major (the vocabulary, or with SPLIT the part of token ids v0..v0+V-1)
// stored as HALF says: 0 = f32 (one value per u32 word, bitcast), else matmul-gguf's FORMAT code of the
// 16-bit format, 7 = f16, 8 = bf16 (GGUF_FORMAT_CODE; two values per u32 word, value 2j in the low
// half: a model file's 16-bit embedding as stored; D even). f16 is
// widened through unpack2x16float, bf16 as the top half of an f32, so no shader-f16 is needed and X
// holds the file's values exactly. P: [positions, D] f32; X: [M, D] row-major f32.
// SPLIT (a vocabulary larger than one binding, one dispatch per part): a row whose id lies outside
// the part keeps its value in X. Every part reads one row of E for every token (the id clamped into
// the part) and the row of X, so its traffic does not depend on the ids.
// Tiling: one workgroup of WG invocations per token; invocation 0 reads the id into workgroup
// memory. f32: an invocation per value; 16-bit: an invocation per word (two values). Global traffic per
// token: 4 bytes of ids, 4·D of E (2·D when 16-bit) (+ 4·D of P) (+ 4·D of X with SPLIT), 4·D stored.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override WG: u32 = 64;
override POS: bool = false;
override SPLIT: bool = false;
override HALF: u32 = 0u;
override INSTRUMENT: bool = false;

struct Params { D: u32, V: u32, pos0: u32, v0: u32 }

@group(0) @binding(0) var<storage, read> ids: array<u32>;       // [M]
@group(0) @binding(1) var<storage, read> E: array<u32>;         // [V, D] f32 bits, or [V, D / 2] words of two f16 / bf16
@group(0) @binding(2) var<storage, read> P: array<f32>;         // [positions, D] (unread without POS)
@group(0) @binding(3) var<storage, read_write> X: array<f32>;   // [M, D]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> tok: u32;

/** The two values of a 16-bit word (value 2j in the low half). */
fn widen2(w: u32) -> vec2f {
  if (HALF == 7u) { return unpack2x16float(w); }
  return vec2f(bitcast<f32>(w << 16u), bitcast<f32>(w & 0xffff0000u));
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

  let m = wid.x;
  if (lid == 0u) { tok = ids[m]; loaded += 4u; }
  workgroupBarrier();
  let t = tok;
  let inPart = t >= p.v0 && t - p.v0 < p.V;
  let r = select(p.V - 1u, t - p.v0, inPart);   // an id outside the part (or the vocabulary) reads the last row, never past E
  if (HALF == 0u) {
    for (var d = lid; d < p.D; d += WG) {
      var v = bitcast<f32>(E[r * p.D + d]);
      loaded += 4u;
      if (POS) { v += P[(p.pos0 + m) * p.D + d]; loaded += 4u; }
      if (SPLIT) { v = select(X[m * p.D + d], v, inPart); loaded += 4u; }
      X[m * p.D + d] = v;
      stored += 4u;
    }
  } else {
    let W = p.D / 2u;
    for (var j = lid; j < W; j += WG) {
      var v = widen2(E[r * W + j]);
      loaded += 4u;
      let d = m * p.D + 2u * j;
      if (POS) { let q = (p.pos0 + m) * p.D + 2u * j; v += vec2f(P[q], P[q + 1u]); loaded += 8u; }
      if (SPLIT) { v = select(vec2f(X[d], X[d + 1u]), v, inPart); loaded += 8u; }
      X[d] = v.x;
      X[d + 1u] = v.y;
      stored += 8u;
    }
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == WG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
