// ---- The f32 weight-streaming GEMV: shaders/include/gemv_f32.wgsl ---------------------------------------
// Included (a line `// #include "gemv_f32.wgsl"`, resolved by src/gpu/wgsl-include.ts) by matmul_gemv.wgsl
// and qkv_gemv.wgsl: the tiling of matmul_gemv.wgsl (described there), written once. A workgroup owns 4·TX
// output columns (TX lanes, each a vec4 of 4 adjacent columns) and MR rows; its TY lane rows split the
// depth; the left operand is staged KC values at a time in workgroup memory; the TY partial sums of each
// output are added in workgroup memory (a tree over TY, a power of two), and lane row 0 stores.
//
// The including shader provides:
//   p                                     its uniform parameters (binding 14), with fields M (rows) and N (columns,
//                                         a multiple of 4)
//   fn depth() -> u32                     the inner dimension
//   fn leftAt(r: u32, k: u32) -> f32      L[r, k] (read for r < p.M, k < depth())
//   fn rightAt(k: u32, col4: u32) -> vec4<f32>   columns 4·col4 .. 4·col4 + 3 of the right operand's row k
//   fn laneExtra(col4: u32, lead: bool) -> vec4<f32>   what is added to vec4 column col4 of every row (a bias),
//                                         read once per lane before the reduction; lead: this lane stores
//   fn laneExtraBytes(lead: bool) -> u32  the bytes laneExtra read from global memory
//   fn storeOut(r: u32, col4: u32, v: vec4<f32>, extra: vec4<f32>)   writes row r's vec4 column col4: the sum v
//                                         (with extra added, where the shader adds one; 16 bytes)
// This file provides:
//   overrides TX, TY, MR (≤ MAX_MR = 8), KC, INSTRUMENT; binding 15 stats
//   workgroup vars As [MR, KC], Red [TY, TX]; the entry point main

override TX: u32 = 8;         // column lanes (each owns a vec4 of columns)
override TY: u32 = 32;        // depth slices (a power of two)
override MR: u32 = 8;         // rows of the output per workgroup (≤ 8): min(M, 8)
override KC: u32 = 128;       // depth values of the left operand staged per step
override INSTRUMENT: bool = false;

const MAX_MR: u32 = 8u;

@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> As: array<f32, MR * KC>;        // [MR, KC] the current depth chunk of the left operand's rows
var<workgroup> Red: array<vec4<f32>, TX * TY>; // [TY, TX] partial sums of one output row

@compute @workgroup_size(TX, TY)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let N4 = p.N / 4u;
  let lx = lid3.x;
  let ty = lid3.y;
  let col4 = wid.x * TX + lx;     // this lane's vec4 column
  let colOk = col4 < N4;
  let row0 = wid.y * MR;
  var loaded = 0u;
  var stored = 0u;
  var acc: array<vec4<f32>, MAX_MR>;
  for (var m = 0u; m < MR; m++) { acc[m] = vec4<f32>(0.0); }

  for (var k0 = 0u; k0 < depth(); k0 += KC) {
    let kc = min(KC, depth() - k0);
    for (var i = lid; i < MR * KC; i += TX * TY) {
      let m = i / KC;
      let kk = i % KC;
      var v = 0.0;
      if (row0 + m < p.M && kk < kc) { v = leftAt(row0 + m, k0 + kk); loaded += 4u; }
      As[i] = v;
    }
    workgroupBarrier();
    if (colOk) {
      for (var kk = ty; kk < kc; kk += TY) {
        let b = rightAt(k0 + kk, col4);
        loaded += 16u;
        for (var m = 0u; m < MR; m++) { acc[m] = fma(vec4<f32>(As[m * KC + kk]), b, acc[m]); }
      }
    }
    workgroupBarrier();
  }

  // What lane row 0 adds to each of its outputs (a bias), once for all rows.
  let lead = ty == 0u && colOk;
  let extra = laneExtra(col4, lead);
  loaded += laneExtraBytes(lead);

  // Sum the TY partials of each row (tree in workgroup memory), lane row 0 writes.
  for (var m = 0u; m < MR; m++) {
    Red[ty * TX + lx] = acc[m];
    workgroupBarrier();
    for (var s = TY / 2u; s > 0u; s /= 2u) {
      if (ty < s) { Red[ty * TX + lx] += Red[(ty + s) * TX + lx]; }
      workgroupBarrier();
    }
    if (lead && row0 + m < p.M) {
      storeOut(row0 + m, col4, Red[lx], extra);
      stored += 16u;
    }
    workgroupBarrier();
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == TX * TY - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
