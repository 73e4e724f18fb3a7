// matmul_int8_gemv: Y = dequant(Xq · Wq) for few rows (decode), a weight-streaming int8 GEMV.
// Needs packed_4x8_integer_dot_product (dot4I8Packed). Same tensors as matmul_int8_dot4.wgsl:
// Xq: [M, KW] u32 i8x4 and xScale: [M] f32 (from quantize_int8.wgsl); Wq: [N, KW] u32 i8x4, K-major per
// output column; wScale: [N] f32, one scale per output column (group 0: per-group scales run in
// matmul_int8_gemv_group.wgsl); Y: [M, N] f32 bits of f32(acc)·wScale[n]·xScale[m], or with OUTPUT_ACC the i32 bits
// of acc = Σ_k Xq·Wq. KW is a multiple of 4 (K of 16), so Xq and Wq rows are read as vec4<u32>: 16 int8
// per load.
// Tiling: a workgroup owns NC output columns and MR = min(M, 8) rows; TK lanes share a column and
// walk its KW/4 vec4 words interleaved (lane l takes words l, l + TK, ...: TK·16 = 512 contiguous bytes
// of the column per step), so each weight is read from memory once for all MR rows. Xq's rows are
// staged XC vec4 words at a time in workgroup memory. Each lane keeps an i32 sum per row; the TK lane
// sums are added exactly in i32 in workgroup memory, then rescaled once, as the tiled kernels do (one
// rounding per output, the same bound). Per-group scales: matmul_int8_gemv_group.wgsl, where a lane owns
// whole groups instead of interleaved words.
// Measured 2026-12-02 (SwiftShader 5.0.0, Node/Dawn webgpu@0.6.2, 2 CPU cores shared with other jobs: ratios only,
// side by side, alternating): M=1, N=K=1024, median of 15 GPU-timestamp samples: gemv 891 and 823 ms vs dot4 859 and
// 856 ms, p10-p90 ranges overlapping: no clear difference on a CPU emulator that emulates dot4I8Packed and has two
// cores for all workgroups. Whether streaming Wq once per column pays needs a GPU (the llama3-8b-decode suite times it
// beside dot4).
requires packed_4x8_integer_dot_product;

// The tensors, tile overrides (TK, NC, MR, XC, INSTRUMENT) and Xq's staging are written once, for this and
// matmul_int8_gemv_group, in shaders/include/int8_gemv.wgsl.
// #include "int8_gemv.wgsl"

override OUTPUT_ACC: bool = false;

var<workgroup> Red: array<i32, TK * NC>;        // [NC, TK] lane sums

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
  var ai: array<i32, MAX_MR>;     // this lane's i32 sums, one per row
  for (var m = 0u; m < MR; m++) { ai[m] = 0; }

  for (var c0 = 0u; c0 < KW4; c0 += XC) {
    loaded += stageXq(c0, lid, row0);
    workgroupBarrier();
    if (colOk) {
      for (var c = c0 + lk; c < min(c0 + XC, KW4); c += TK) {
        let w = Wq[n * KW4 + c];
        loaded += 16u;
        for (var m = 0u; m < MR; m++) { ai[m] += dot16(Xs[m * XC + c - c0], w); }
      }
    }
    workgroupBarrier();
  }
  var ws = 0.0;                     // the column's weight scale, read once by lane 0
  if (!OUTPUT_ACC && lk == 0u && colOk) { ws = wScale[n]; loaded += 4u; }

  // Add the TK lane sums of each row exactly (tree in workgroup memory); lane 0 of the column writes.
  let r = col * TK;
  for (var m = 0u; m < MR; m++) {
    Red[r + lk] = ai[m];
    workgroupBarrier();
    for (var s = TK / 2u; s > 0u; s /= 2u) {
      if (lk < s) { Red[r + lk] += Red[r + lk + s]; }
      workgroupBarrier();
    }
    let row = row0 + m;
    if (lk == 0u && colOk && row < p.M) {
      if (OUTPUT_ACC) {
        Y[row * p.N + n] = bitcast<u32>(Red[r]);
      } else {
        Y[row * p.N + n] = bitcast<u32>(f32(Red[r]) * ws * xScale[row]);
        loaded += 4u;
      }
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
