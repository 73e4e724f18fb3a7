// Symmetric int8 quantization (llama2.c runq.c style) and i8x4 packing, on the CPU.
//
// The same recipe runs on the GPU in shaders/quantize_int8.wgsl, and the two must agree bit for
// bit (the int8 matmul's int32 accumulators are compared with the CPU exactly). Floating-point
// division is not exact on GPUs (WGSL allows 2.5 ULP), so the recipe uses none:
//   amax  = max |v| over the row/group, found as the max of the f32 bit patterns (sign cleared),
//           which orders finite magnitudes exactly;
//   scale = amax · f32(1/127)                       (one correctly rounded f32 multiply);
//   inv   = 127 / amax truncated to 24 bits, by integer long division of the mantissas;
//   q     = clamp(roundHalfEven(f32(v · inv)), -127, 127), and q = 0 where v is subnormal
//           (GPUs may flush subnormals; both sides treat them as 0).
// Since inv ≤ 127/amax, |v · inv| ≤ 127: the clamp never bites, and -128 is never produced.
// A group whose amax is below 2^-119 (≈1.5e-36, biased exponent < 8) quantizes to all zeros with
// scale 0: that keeps inv and scale normal f32 numbers. Non-finite input (amax Inf/NaN) gives
// q = 0 and scale = amax·f32(1/127) (Inf/NaN), so the outputs turn NaN instead of lying.
// Rounding is half to even because that is what WGSL's round() does.
//
// Packing (dtype 'i8x4'): four int8 per u32, element 4w+b in byte b (bits 8b..8b+7, two's
// complement), the order dot4I8Packed and unpack4xI8 use. A row of K values takes
// ceil(K/4) words; the padding bytes past K are 0, so they add nothing to a dot product.

/** f32(1/127): the scale is amax times this (a multiply, so GPU and CPU round identically). */
export const INV_127_F32 = Math.fround(1 / 127);

/** Groups with amax below 2^-119 (biased exponent < 8) quantize to zero. */
export const MIN_AMAX_EXPONENT = 8;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32Bits(v: number): number {
  f32[0] = v;
  return u32[0];
}

export function bitsToF32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** WGSL round(): nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

export interface QuantRecipe {
  /** Dequantization scale: value ≈ q · scale (f32). */
  scale: number;
  /** Quantization multiplier: q = round(v · inv) (f32; 0 for an all-zero or non-finite group). */
  inv: number;
}

/** The recipe for a group whose max |v| has f32 bit pattern `amaxBits` (sign bit clear). */
export function recipeFromAmaxBits(amaxBits: number): QuantRecipe {
  const e = amaxBits >>> 23;
  const scale = Math.fround(bitsToF32(amaxBits) * INV_127_F32);
  if (e >= 255) return { scale, inv: 0 };
  if (e < MIN_AMAX_EXPONENT) return { scale: 0, inv: 0 };
  const ma = (amaxBits & 0x7fffff) | 0x800000;
  // q = floor(127 · 2^s / ma), s the first shift that gives q 24 bits (s is 40 or 41).
  let r = 127;
  let q = 0;
  let s = 0;
  do {
    r *= 2;
    q *= 2;
    if (r >= ma) {
      r -= ma;
      q += 1;
    }
    s++;
  } while (q < 0x800000);
  // amax = ma · 2^(e-150), so 127/amax ≈ q · 2^(150-e-s) = (q / 2^23) · 2^(173-e-s): biased exponent 300-e-s.
  const inv = bitsToF32((((300 - e - s) << 23) | (q & 0x7fffff)) >>> 0);
  return { scale, inv };
}

/** Quantizes one f32 value with a recipe's `inv`; returns an integer in [-127, 127]. */
export function quantizeValue(v: number, inv: number): number {
  if (inv === 0) return 0;
  if (((f32Bits(v) >>> 23) & 0xff) === 0) return 0; // zero or subnormal
  const q = roundHalfEven(Math.fround(v * inv));
  return Math.max(-127, Math.min(127, q));
}

/** Bit pattern of max |a[start + i·stride]| for i < count (max of the sign-cleared bits). */
export function amaxBits(a: Float32Array, start: number, count: number, stride = 1): number {
  let m = 0;
  for (let i = 0; i < count; i++) {
    const b = f32Bits(a[start + i * stride]) & 0x7fffffff;
    if (b > m) m = b;
  }
  return m;
}

/** Per-row quantization of X [M, K] row-major: q int8 [M, K] and scale f32 [M]. */
export function quantizeRows(X: Float32Array, M: number, K: number): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(M * K);
  const scale = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    const rc = recipeFromAmaxBits(amaxBits(X, m * K, K));
    scale[m] = rc.scale;
    for (let k = 0; k < K; k++) q[m * K + k] = quantizeValue(X[m * K + k], rc.inv);
  }
  return { q, scale };
}

/** Number of scale groups along K: 1 per column when group = 0, else ceil(K / group). */
export function groupCount(K: number, group: number): number {
  return group === 0 ? 1 : Math.ceil(K / group);
}

/**
 * Quantizes weights W [K, N] row-major per output column (group = 0) or per group of `group`
 * rows along K: q int8 [K, N] row-major, scale f32 [groupCount, N] row-major.
 */
export function quantizeColumns(W: Float32Array, K: number, N: number, group: number): { q: Int8Array; scale: Float32Array } {
  const G = group === 0 ? K : group;
  const NG = groupCount(K, group);
  const q = new Int8Array(K * N);
  const scale = new Float32Array(NG * N);
  for (let g = 0; g < NG; g++) {
    const k0 = g * G;
    const kn = Math.min(G, K - k0);
    for (let n = 0; n < N; n++) {
      const rc = recipeFromAmaxBits(amaxBits(W, k0 * N + n, kn, N));
      scale[g * N + n] = rc.scale;
      for (let k = k0; k < k0 + kn; k++) q[k * N + n] = quantizeValue(W[k * N + n], rc.inv);
    }
  }
  return { q, scale };
}

/** Packs four int8 (element 0 in the low byte) into a u32. */
export function packWord(a: number, b: number, c: number, d: number): number {
  return ((a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | ((d & 0xff) << 24)) >>> 0;
}

/** The int8 in byte `b` of word `w`, sign-extended (what the unpacked shader does with shifts). */
export function wordByte(w: number, b: number): number {
  return ((w << (24 - 8 * b)) >> 24);
}

/** Σ_b a_b · b_b over the four signed bytes: dot4I8Packed on the CPU. */
export function dot4I8(a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < 4; i++) s += wordByte(a, i) * wordByte(b, i);
  return s;
}

/** Packs rows of int8 [rows, K] row-major into u32 [rows, ceil(K/4)], zero-padded past K. */
export function packRows(q: Int8Array, rows: number, K: number): Uint32Array {
  const KW = Math.ceil(K / 4);
  const out = new Uint32Array(rows * KW);
  for (let r = 0; r < rows; r++)
    for (let w = 0; w < KW; w++) {
      const at = (i: number) => (4 * w + i < K ? q[r * K + 4 * w + i] : 0);
      out[r * KW + w] = packWord(at(0), at(1), at(2), at(3));
    }
  return out;
}

/** Packs int8 weights [K, N] row-major into u32 [N, ceil(K/4)]: K-major per output column. */
export function packColumns(q: Int8Array, K: number, N: number): Uint32Array {
  const KW = Math.ceil(K / 4);
  const out = new Uint32Array(N * KW);
  for (let n = 0; n < N; n++)
    for (let w = 0; w < KW; w++) {
      const at = (i: number) => (4 * w + i < K ? q[(4 * w + i) * N + n] : 0);
      out[n * KW + w] = packWord(at(0), at(1), at(2), at(3));
    }
  return out;
}

/** Inverse of packRows: u32 [rows, ceil(K/4)] to int8 [rows, K] (padding dropped). */
export function unpackRows(words: Uint32Array, rows: number, K: number): Int8Array {
  const KW = Math.ceil(K / 4);
  const out = new Int8Array(rows * K);
  for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) out[r * K + k] = wordByte(words[r * KW + (k >> 2)], k & 3);
  return out;
}

/** Inverse of packColumns: u32 [N, ceil(K/4)] to int8 [K, N] row-major. */
export function unpackColumns(words: Uint32Array, K: number, N: number): Int8Array {
  const KW = Math.ceil(K / 4);
  const out = new Int8Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[k * N + n] = wordByte(words[n * KW + (k >> 2)], k & 3);
  return out;
}

/** Weights for the int8 kernels from f32 W [K, N] row-major: quantized per column (group 0) or per group along K, packed [N, ceil(K/4)]. */
export function quantizeWeights(W: Float32Array, K: number, N: number, group: number): { Wq: Uint32Array; wScale: Float32Array } {
  const { q, scale } = quantizeColumns(W, K, N, group);
  return { Wq: packColumns(q, K, N), wScale: scale };
}
