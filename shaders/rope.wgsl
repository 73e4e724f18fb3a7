// rope: rotary position embedding ("rotate half", Hugging Face's Llama convention) of head-major
// vectors, written at a position offset into a larger buffer, which is how K reaches the KV cache:
//   Y[h, out0 + m, i]        = X[h, m, i] · cos − X[h, m, i + dh/2] · sin
//   Y[h, out0 + m, i + dh/2] = X[h, m, i + dh/2] · cos + X[h, m, i] · sin,  (cos, sin) = T[pos0 + m, i]
// (out0 = pos0 writes into a KV cache; out0 = 0 rotates Q of a decode step at position pos0.)
// With ROTATE = false it copies (V into the cache; GPT-2's K). The table is computed on the host in
// f64 (no GPU sin/cos of large angles).
// X: [H, M, DH] f32; T: [positions, DH/2, 2] f32; Y: [H, C, DH] f32 with C ≥ out0 + M.
// Tiling: one workgroup per (token m, head h), DH/2 invocations, one pair each. Global traffic per
// workgroup: 4·DH bytes of X (+ 4·DH of T when rotating), 4·DH stored.
// Measured: not yet timed on its own; its share of a decode step is in README "Running a real model".

override DH: u32 = 64;
override ROTATE: bool = true;
override INSTRUMENT: bool = false;

struct Params { M: u32, C: u32, pos0: u32, out0: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;         // [H, M, DH]
@group(0) @binding(1) var<storage, read> T: array<f32>;         // [positions, DH/2, 2]
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;   // [H, C, DH]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

@compute @workgroup_size(DH / 2u)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }
  var loaded = 0u;
  var stored = 0u;

  let m = wid.x;                          // grid = [M, H, 1]
  let h = wid.y;
  let half = DH / 2u;
  let pos = p.pos0 + m;
  let src = (h * p.M + m) * DH;           // X[h, m, 0]
  let dst = (h * p.C + p.out0 + m) * DH;  // Y[h, out0 + m, 0]
  let x1 = X[src + lid];
  let x2 = X[src + lid + half];
  loaded += 8u;
  if (ROTATE) {
    let c = T[(pos * half + lid) * 2u];
    let s = T[(pos * half + lid) * 2u + 1u];
    loaded += 8u;
    Y[dst + lid] = x1 * c - x2 * s;
    Y[dst + lid + half] = x2 * c + x1 * s;
  } else {
    Y[dst + lid] = x1;
    Y[dst + lid + half] = x2;
  }
  stored += 8u;

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == DH / 2u - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
