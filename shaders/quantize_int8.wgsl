// quantize_int8: symmetric per-row int8 quantization of activations, packed four per u32.
// X: [M, K] row-major f32  ->  Xq: [M, KW] u32 (KW = ceil(K/4), element 4w+b in byte b, padding
// bytes 0), xScale: [M] f32 with X[m, k] ≈ q[m, k] · xScale[m].
// Recipe (bit-identical to src/kernels/quant.ts; no float division, which GPUs may round loosely):
//   amax  = max of the sign-cleared f32 bit patterns of the row (orders finite magnitudes exactly)
//   scale = amax · f32(1/127)
//   inv   = 127/amax truncated to 24 bits, by integer long division of the mantissas
//   q     = clamp(round(v · inv), -127, 127) (round = ties to even), 0 where v is zero/subnormal;
//   rows with amax < 2^-119 give q = 0 and scale 0; a non-finite row gives q = 0, scale Inf/NaN.
// Tiling: one workgroup of QWG invocations per row. Pass 1 reads the row (strided) and takes the
// max with a workgroup atomic; pass 2 reads it again, each invocation packing whole words.
// Global traffic per row: 8·K bytes loaded, 4·KW + 4 stored.
// Measured: see README "Kernels" (SwiftShader, Node/Dawn).

override QWG: u32 = 64;
override INSTRUMENT: bool = false;

struct Params { M: u32, K: u32, KW: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;              // [M, K]
@group(0) @binding(1) var<storage, read_write> Xq: array<u32>;       // [M, KW] i8x4
@group(0) @binding(2) var<storage, read_write> xScale: array<f32>;   // [M]
@group(0) @binding(14) var<uniform> p: Params;
@group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;

var<workgroup> rowAmax: atomic<u32>;   // f32 bits of max |X[m, :]|

const INV_127: f32 = bitcast<f32>(0x3c010204u);   // f32(1/127), the constant quant.ts uses

// inv = 127 / amax, truncated to a 24-bit mantissa (see src/kernels/quant.ts recipeFromAmaxBits).
fn invFromAmaxBits(bits: u32) -> f32 {
  let e = bits >> 23u;
  if (e >= 255u || e < 8u) { return 0.0; }
  let ma = (bits & 0x7fffffu) | 0x800000u;
  var r = 127u;
  var q = 0u;
  var s = 0u;
  loop {
    r = r << 1u;
    q = q << 1u;
    if (r >= ma) { r -= ma; q |= 1u; }
    s += 1u;
    if (q >= 0x800000u) { break; }
  }
  return bitcast<f32>(((300u - e - s) << 23u) | (q & 0x7fffffu));
}

// One value to an int8 byte (two's complement in the low 8 bits).
fn quantizeByte(v: f32, inv: f32) -> u32 {
  var q = 0i;
  if (inv > 0.0 && ((bitcast<u32>(v) >> 23u) & 0xffu) != 0u) {
    q = i32(clamp(round(v * inv), -127.0, 127.0));
  }
  return u32(q) & 0xffu;
}

@compute @workgroup_size(QWG)
fn main(@builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x;
  let base = 4u + 8u * wg;
  if (INSTRUMENT && atomicAdd(&stats[base + 4u], 1u) == 0u) { atomicStore(&stats[base + 2u], atomicAdd(&stats[0], 1u)); }

  let m = wid.x;            // the row this workgroup quantizes (grid = [M, 1, 1])
  let rowX = m * p.K;       // X[m, 0]
  var loaded = 0u;
  var stored = 0u;

  var localMax = 0u;
  for (var k = lid; k < p.K; k += QWG) {
    localMax = max(localMax, bitcast<u32>(X[rowX + k]) & 0x7fffffffu);
    loaded += 4u;
  }
  atomicMax(&rowAmax, localMax);
  workgroupBarrier();
  let amax = atomicLoad(&rowAmax);
  let inv = invFromAmaxBits(amax);

  for (var w = lid; w < p.KW; w += QWG) {
    var word = 0u;
    for (var b = 0u; b < 4u; b++) {
      let k = 4u * w + b;
      if (k < p.K) {
        word |= quantizeByte(X[rowX + k], inv) << (8u * b);
        loaded += 4u;
      }
    }
    Xq[m * p.KW + w] = word;
    stored += 4u;
  }
  if (lid == 0u) {
    var scale = bitcast<f32>(amax) * INV_127;
    if ((amax >> 23u) < 8u) { scale = 0.0; }
    xScale[m] = scale;
    stored += 4u;
  }

  if (INSTRUMENT) {
    atomicAdd(&stats[base + 0u], loaded);
    atomicAdd(&stats[base + 1u], stored);
    if (atomicAdd(&stats[base + 5u], 1u) == QWG - 1u) { atomicStore(&stats[base + 3u], atomicAdd(&stats[1], 1u)); }
  }
}
