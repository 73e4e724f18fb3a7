// matmul_int8_gemv_group: Y = dequant(Xq · Wq) for few rows (decode) with per-group weight scales (GGUF
// Q8_0: one scale per 32 values along K), a weight-streaming int8 GEMV. matmul_int8_gemv.wgsl is the
// per-column form (one scale per output column). Needs packed_4x8_integer_dot_product (dot4I8Packed).
// Xq: [M, KW] u32 i8x4 and xScale: [M] f32 (from quantize_int8.wgsl); Wq: [N, KW] u32 i8x4, K-major per
// output column; wScale: [NG, N] f32, one scale per group of GW words (4·GW = group values) along K;
// Y: [M, N] f32 bits of (Σ_g f32(acc_g)·wScale[g, n])·xScale[m], acc_g = Σ_{k in group g} Xq·Wq, the
// dequantization of the tiled kernels. KW is a multiple of 4 (K of 16) and a group is GW4 = GW/4 whole vec4
// words (group a multiple of 16, at most 1024), so rows are read as vec4<u32>: 16 int8 per load.
// Tiling: a workgroup owns NC output columns and MR = min(M, 8) rows; TK lanes share a column. Unlike the
// per-column form (lane l takes words l, l + TK, ...), lane l takes whole groups l, l + TK, ...: the GW4
// words of a group are read by one lane, which adds their dot4s exactly in i32 (|acc_g| ≤ 1024·127·128 <
// 2^24, so f32(acc_g) is exact too) and only then scales by the group's weight scale in f32. Scaling
// partial sums of a group instead would round each part, an error that grows with Σ|part·scale|, which
// cancellation inside a group can make far larger than |acc_g·scale| (the bound the tests hold the kernel
// to: one rounding per group, the f32 sum of the groups, the row scale). Xq's rows are staged XC vec4 words
// at a time in workgroup memory (XC a multiple of GW4, so a chunk holds whole groups); each lane keeps an
// f32 sum per row; the TK lane sums are added in workgroup memory and scaled once by xScale.
// TK lanes x GW4 words = TK·GW4·16 contiguous bytes of the column per step (1 KiB for group 32).
// Measured 2026-12-02 (SwiftShader 5.0.0, Node/Dawn webgpu@0.6.2, 2 CPU cores shared with other jobs: ratios only,
// side by side, `npm run bench -- --suite smoke --kernel matmul-int8,qkv --samples 15`): M=1, N=K=1024, group 32,
// median of 15 GPU-timestamp samples: gemv 684 ms (p10-p90 532-982) vs dot4 443 ms (300-986): ranges overlapping,
// no clear difference on a CPU emulator that emulates dot4I8Packed. The llama3-8b-decode suite times it beside
// dot4 at Llama-3-8B shapes for a real GPU.
requires packed_4x8_integer_dot_product;

// The tensors, tile overrides (TK, NC, MR, XC, INSTRUMENT) and Xq's staging are written once, for this and
// matmul_int8_gemv, in shaders/include/int8_gemv.wgsl.
// #include "int8_gemv.wgsl"

override GW4: u32 = 2;        // vec4 words per scale group (group / 16)

var<workgroup> Red: array<f32, TK * NC>;        // [NC, TK] lane sums

@compute @workgroup_size(TK, NC)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let lk = lid3.x;
  let col = lid3.y;
  let n = wid.x * NC + col;
  let colOk = n < p.N;
  let row0 = wid.y * MR;
  let KW4 = p.KW / 4u;
  var loaded = 0u;
  var stored = 0u;
  var af: array<f32, MAX_MR>;     // this lane's f32 sums of scaled groups, one per row
  for (var m = 0u; m < MR; m++) { af[m] = 0.0; }

  for (var c0 = 0u; c0 < KW4; c0 += XC) {
    loaded += stageXq(c0, lid, row0);
    workgroupBarrier();
    if (colOk) {
      let cEnd = min(c0 + XC, KW4);
      for (var g0 = c0 + lk * GW4; g0 < cEnd; g0 += TK * GW4) {
        let gEnd = min(g0 + GW4, cEnd);   // the last group is ragged when the group does not divide K
        var ai: array<i32, MAX_MR>;       // the group's exact i32 dot, one per row
        for (var m = 0u; m < MR; m++) { ai[m] = 0; }
        for (var c = g0; c < gEnd; c++) {
          let w = Wq[n * KW4 + c];
          loaded += 16u;
          for (var m = 0u; m < MR; m++) { ai[m] += dot16(Xs[m * XC + c - c0], w); }
        }
        let s = wScale[(g0 / GW4) * p.N + n];
        loaded += 4u;
        for (var m = 0u; m < MR; m++) { af[m] += f32(ai[m]) * s; }
      }
    }
    workgroupBarrier();
  }

  // Add the TK lane sums of each row (tree in workgroup memory); lane 0 of the column scales and writes.
  let r = col * TK;
  for (var m = 0u; m < MR; m++) {
    Red[r + lk] = af[m];
    workgroupBarrier();
    for (var s = TK / 2u; s > 0u; s /= 2u) {
      if (lk < s) { Red[r + lk] += Red[r + lk + s]; }
      workgroupBarrier();
    }
    let row = row0 + m;
    if (lk == 0u && colOk && row < p.M) {
      Y[row * p.N + n] = bitcast<u32>(Red[r] * xScale[row]);
      loaded += 4u;
      stored += 4u;
    }
    workgroupBarrier();
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == TK * NC - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
