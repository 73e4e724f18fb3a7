// matmul_gguf_tiled: Y = X · Wᵀ (prefill) with W [N, K] in ggml blocks exactly as a GGUF file stores them
// (FORMAT 0 = Q4_0: 18 B per 32 values; 1 = Q4_K: 144 B per 256; 2 = Q5_K: 176 B; 3 = Q6_K: 210 B;
// 4 = Q4_1: 20 B per 32; 5 = Q5_0: 22 B; 6 = Q5_1: 24 B; 7 = F16, 8 = BF16: 16-bit floats as
// stored, read as blocks of 32 values = 64 B with no scale; 9 = Q8_0: 34 B per 32).
// matmul_gguf_gemv.wgsl is the decode form. Plan: src/kernels/matmul-gguf.ts.
// X: [M, K] f32; W: the blocks as u32 words, row n (output feature n) at byte n·rowBytes; Y: [M, N] f32 bits.
// No shader-f16: f16 scales go through unpack2x16float.
// Tiling: a workgroup owns a BM×BN block of Y, (BN/TN)·(BM/TM) invocations, each a TM×TN register tile.
// Per block along K: the BN columns' blocks (WPB words each; a Q4_0 / Q5_0 / Q6_K block may start at byte 2 of its
// first word, so a reader fetches 2 bytes of a neighbour) are staged in workgroup memory (Ws, offsets in
// Sh). Per 32 values of the block: X's BM rows are staged (As), one invocation per column decodes its 32
// values exactly as ggml does into Bs, and every invocation runs 32 f32 FMA steps on its register tile.

override FORMAT: u32 = 1u;   // 0 Q4_0, 1 Q4_K, 2 Q5_K, 3 Q6_K, 4 Q4_1, 5 Q5_0, 6 Q5_1, 7 F16, 8 BF16, 9 Q8_0
override BM: u32 = 32;       // rows of Y per workgroup
override BN: u32 = 32;       // columns of Y per workgroup
override TM: u32 = 4;        // register tile rows
override TN: u32 = 4;        // register tile columns
override WPB: u32 = 36;      // u32 words a block spans: (blockBytes + blockBytes % 4) / 4
override DH: u32 = 0u;       // 0: Y [M, N] row-major; else Y [N/DH, M, DH] head-major
override INSTRUMENT: bool = false;

const P: u32 = 32u;          // values decoded per step
const MAX_T: u32 = 64u;      // TM·TN ≤ 64

struct Params { M: u32, N: u32, K: u32, rowBytes: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;           // [M, K]
@group(0) @binding(1) var<storage, read> W: array<u32>;           // [N, K] ggml blocks, rows of rowBytes
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;     // [M, N] f32 bits, or [N/DH, M, DH]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> Ws: array<u32, BN * WPB>;  // [BN, WPB] the columns' current block
var<workgroup> Sh: array<u32, BN>;        // byte offset of each column's block in its first word
var<workgroup> As: array<f32, BM * P>;    // [BM, 32] staged X
var<workgroup> Bs: array<f32, BN * P>;    // [BN, 32] decoded weights

var<private> wbase: u32;                  // the current column's first word in Ws
var<private> sh: u32;                     // its block's byte offset in that word
var<private> vals: array<f32, 32>;        // 32 decoded values

// Where Y[row, col] goes: row-major, or head-major (head col / DH) when DH > 0.
fn yIndex(row: u32, col: u32) -> u32 {
  if (DH == 0u) { return row * p.N + col; }
  let dh = max(DH, 1u);   // a constant divisor of 0 would not compile even in the branch not taken
  return ((col / dh) * p.M + row) * dh + col % dh;
}

fn bb(i: u32) -> u32 {
  let j = i + sh;
  return (Ws[wbase + (j >> 2u)] >> (8u * (j & 3u))) & 0xffu;
}

// Word j of the current block, for blocks that start on a word (sh == 0: F16 / BF16, 64-byte blocks in rows of 2K bytes).
fn bw(j: u32) -> u32 { return Ws[wbase + j]; }

// ---- ggml block decoding (the same text in matmul_gguf_gemv.wgsl and matmul_gguf_tiled.wgsl) ----------
// bb(i): byte i of the current block; the caller sets the block's words (gemv: blk, tiled: Ws) and `sh`, the
// block's byte offset in its first word (0 or 2).
fn b16(i: u32) -> u32 { return bb(i) | (bb(i + 1u) << 8u); }
fn f16At(i: u32) -> f32 { return unpack2x16float(b16(i)).x; }

fn blockElems() -> u32 { return select(256u, 32u, FORMAT == 0u || FORMAT >= 4u); }

fn blockBytes() -> u32 {
  switch FORMAT {
    case 0u: { return 18u; }
    case 1u: { return 144u; }
    case 2u: { return 176u; }
    case 3u: { return 210u; }
    case 4u: { return 20u; }
    case 5u: { return 22u; }
    case 7u, 8u: { return 64u; }
    case 9u: { return 34u; }
    default: { return 24u; }
  }
}

// get_scale_min_k4: the 6-bit scale and min of K-quant sub-block j; the 12 scale bytes start at byte 4.
fn scaleMin(j: u32) -> vec2<f32> {
  if (j < 4u) { return vec2<f32>(f32(bb(4u + j) & 63u), f32(bb(8u + j) & 63u)); }
  let sc = (bb(8u + j) & 0xfu) | ((bb(j) >> 6u) << 4u);
  let m = (bb(8u + j) >> 4u) | ((bb(4u + j) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}

// Values 32·pc .. 32·pc + 31 of the block into `vals`, as ggml's dequantize_row_* computes them.
fn decodePiece(pc: u32) {
  switch FORMAT {
    case 0u: {   // Q4_0: f16 d, qs[16]; value j = low nibble of qs[j], value j + 16 its high nibble
      let d = f16At(0u);
      for (var j = 0u; j < 16u; j++) {
        let q = bb(2u + j);
        vals[j] = f32(i32(q & 0xfu) - 8) * d;
        vals[j + 16u] = f32(i32(q >> 4u) - 8) * d;
      }
    }
    case 1u, 2u: {   // Q4_K / Q5_K: f16 d, f16 dmin, scales[12], (Q5_K: qh[32]), qs[128]
      let dm = unpack2x16float(b16(0u) | (b16(2u) << 16u));
      let s = scaleMin(pc);
      let d1 = dm.x * s.x;
      let m1 = dm.y * s.y;
      let qs = select(16u, 48u, FORMAT == 2u) + 32u * (pc / 2u);   // 32 bytes per 64 values
      let shift = 4u * (pc % 2u);                                     // first 32: low nibbles
      for (var l = 0u; l < 32u; l++) {
        var q = (bb(qs + l) >> shift) & 0xfu;
        if (FORMAT == 2u) { q += ((bb(16u + l) >> pc) & 1u) << 4u; }  // qh[l] bit pc: the fifth bit
        vals[l] = d1 * f32(q) - m1;
      }
    }
    case 4u, 5u, 6u: {   // Q4_1: d, m, qs[16]; Q5_0: d, qh[4], qs[16]; Q5_1: d, m, qh[4], qs[16]
      let affine = FORMAT != 5u;
      var dm = vec2<f32>(f16At(0u), 0.0);
      if (affine) { dm = unpack2x16float(b16(0u) | (b16(2u) << 16u)); }
      let hOff = select(2u, 4u, affine);
      var qh = 0u;
      if (FORMAT != 4u) { qh = b16(hOff) | (b16(hOff + 2u) << 16u); }   // bit j: fifth bit of value j
      let qs = select(hOff + 4u, 4u, FORMAT == 4u);
      for (var j = 0u; j < 16u; j++) {
        let q = bb(qs + j);
        let q0 = (q & 0xfu) | (((qh >> j) & 1u) << 4u);
        let q1 = (q >> 4u) | (((qh >> (j + 16u)) & 1u) << 4u);
        if (affine) {
          vals[j] = f32(q0) * dm.x + dm.y;
          vals[j + 16u] = f32(q1) * dm.x + dm.y;
        } else {
          vals[j] = f32(i32(q0) - 16) * dm.x;
          vals[j + 16u] = f32(i32(q1) - 16) * dm.x;
        }
      }
    }
    case 9u: {   // Q8_0: f16 d, qs[32] int8; value j = qs[j]·d
      let d = f16At(0u);
      for (var j = 0u; j < 32u; j++) { vals[j] = f32(extractBits(i32(bb(2u + j)), 0u, 8u)) * d; }
    }
    case 7u, 8u: {   // F16 / BF16 as stored: 32 values of 2 bytes (16 words, always word-aligned), value 2j in the low half
      for (var j = 0u; j < 16u; j++) {
        let w = bw(j);
        if (FORMAT == 7u) {
          let v = unpack2x16float(w);
          vals[2u * j] = v.x;
          vals[2u * j + 1u] = v.y;
        } else {   // bf16: the top 16 bits of an f32
          vals[2u * j] = bitcast<f32>(w << 16u);
          vals[2u * j + 1u] = bitcast<f32>(w & 0xffff0000u);
        }
      }
    }
    default: {   // Q6_K: ql[128], qh[64], int8 scales[16], f16 d; per 128 values: 4 groups of 32
      let d = f16At(208u);
      let h = pc / 4u;
      let k = pc % 4u;
      let ql = 64u * h + 32u * (k % 2u);
      let shift = 4u * (k / 2u);
      let qh = 128u + 32u * h;
      let sc = 192u + 8u * h + 2u * k;
      for (var l = 0u; l < 32u; l++) {
        let q = i32(((bb(ql + l) >> shift) & 0xfu) | (((bb(qh + l) >> (2u * k)) & 3u) << 4u)) - 32;
        let s = f32(extractBits(i32(bb(sc + l / 16u)), 0u, 8u));
        vals[l] = (d * s) * f32(q);
      }
    }
  }
}

@compute @workgroup_size(BN / TN, BM / TM)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let T = (BN / TN) * (BM / TM);
  let tx = lid3.x;
  let ty = lid3.y;
  let n0 = wid.x * BN;
  let m0 = wid.y * BM;
  let QK = blockElems();
  let BB = blockBytes();
  var loaded = 0u;
  var stored = 0u;
  var acc: array<f32, MAX_T>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  var a: array<f32, 8>;
  var b: array<f32, 8>;

  for (var kb = 0u; kb < p.K / QK; kb++) {
    for (var i = lid; i < BN * WPB; i += T) {
      let c = i / WPB;
      let w = i % WPB;
      var v = 0u;
      if (n0 + c < p.N) {
        let o = (n0 + c) * p.rowBytes + kb * BB;
        v = W[(o >> 2u) + w];
        loaded += 4u;
        if (w == 0u) { Sh[c] = o & 3u; }
      }
      Ws[i] = v;
    }
    workgroupBarrier();
    for (var pc = 0u; pc < QK / P; pc++) {
      for (var i = lid; i < BM * P; i += T) {
        let r = i / P;
        var v = 0.0;
        if (m0 + r < p.M) { v = X[(m0 + r) * p.K + kb * QK + pc * P + i % P]; loaded += 4u; }
        As[i] = v;
      }
      for (var c = lid; c < BN; c += T) {
        if (n0 + c < p.N) {
          wbase = c * WPB;
          sh = Sh[c];
          decodePiece(pc);
          for (var l = 0u; l < P; l++) { Bs[c * P + l] = vals[l]; }
        } else {
          for (var l = 0u; l < P; l++) { Bs[c * P + l] = 0.0; }
        }
      }
      workgroupBarrier();
      for (var k = 0u; k < P; k++) {
        for (var i = 0u; i < TM; i++) { a[i] = As[(ty * TM + i) * P + k]; }
        for (var j = 0u; j < TN; j++) { b[j] = Bs[(tx * TN + j) * P + k]; }
        for (var i = 0u; i < TM; i++) {
          for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]); }
        }
      }
      workgroupBarrier();
    }
  }

  for (var i = 0u; i < TM; i++) {
    let row = m0 + ty * TM + i;
    for (var j = 0u; j < TN; j++) {
      let col = n0 + tx * TN + j;
      if (row < p.M && col < p.N) {
        Y[yIndex(row, col)] = bitcast<u32>(acc[i * TN + j]);
        stored += 4u;
      }
    }
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == T - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
