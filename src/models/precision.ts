// Storage formats of weights and KV cache, with their block-scale overhead, and which MAC path they use.
//
// Sources for the layouts:
// - bf16: 2 bytes.
// - fp8 (E4M3): 1 byte + one fp32 scale per tensor (negligible); W8A8 runs on the 8-bit tensor-core path
//   (NVIDIA H100 datasheet: 1979 TFLOP/s fp8 dense = the int8 rate) — TensorRT-LLM / ModelOpt FP8 checkpoints.
// - int8: 1 byte + one bf16 scale per output channel (SmoothQuant W8A8, Xiao et al. 2023).
// - int4: 4 bits + one bf16 scale per group of 128 along K (AWQ / GPTQ group size 128); weight-only, the
//   GEMM runs at the bf16 rate after dequantisation (W4A16).
// - bfp8 / bfp4 (Tenstorrent bfp8_b / bfp4_b): blocks of 16 values share one 8-bit exponent, each value
//   keeps 8 / 4 bits of sign + mantissa: a 32x32 tile is 1024 + 64 = 1088 B (bfp8) and 512 + 64 = 576 B
//   (bfp4) (tt-metal docs, "Data formats"); the Tensix FPU consumes them at its low-fidelity 8-bit rate
//   (the n150's 262 TFLOPS "FP8" figure, tenstorrent.com/hardware/wormhole).
// - q4_0, q4_k, q5_k, q6_k: ggml's GGUF blocks (ggml-common.h; src/kernels/ggml-quants.ts): 18 B per 32
//   values, 144 / 176 / 210 B per 256, i.e. 4.5, 4.5, 5.5, 6.5625 bits per weight with their scales; a
//   Q4_K_M file is q4_k with q6_k for some layers' V and down projections. Weight-only: the GEMM runs at the
//   bf16 rate after decoding (assumed, as for int4; llama.cpp decodes to f16/f32 before its MACs).
//   q4_1, q5_0, q5_1, q8_0: ggml's other 32-value blocks (20, 22, 24, 34 B), the same way; q3_k (110 B per 256:
//   3 bits a value, 14 B of scales and d, 3.4375 bits per weight; Q3_K_S/M/L files) and q2_k (84 B per 256: 2 bits a value, 20 B of
//   scales, mins, d and dmin, 2.625 bits per weight) too, and iq4_nl / iq4_xs (4-bit indices into 16
//   non-linear levels: 18 B per 32, 136 B per 256, 4.5 / 4.25 bits per weight), decoded the same way (assumed).
// - f16: 2 bytes, the bf16 rate (IEEE half: the 16-bit tensor-core path takes both; NVIDIA H100 datasheet).
// - f32: 4 bytes, the fp32 rate (a model file stored in f32, e.g. GPT-2's safetensors, run as stored).

import type { MacDType } from '../chip/types.ts';
import type { NumberFormat, PrecisionSpec } from './types.ts';
import { GGML_QUANTS, type GgmlBlockType } from '../kernels/ggml-quants.ts';

export interface FormatInfo {
  /** Bits of each value. */
  bits: number;
  /** Values sharing one scale (0: per output channel, i.e. one per K values; Infinity: per tensor). */
  block: number;
  /** Bytes of one scale. */
  scaleBytes: number;
  /** MAC path when this is the weight format of a GEMM. */
  mac: MacDType;
  note: string;
}

/** A ggml block format: `bits` per value, the rest of the block (d, dmin, sub-block scales) as its scale bytes. */
function ggmlFormat(t: GgmlBlockType, bits: number): FormatInfo {
  const q = GGML_QUANTS[t];
  return { bits, block: q.blockElems, scaleBytes: q.blockBytes - (bits * q.blockElems) / 8, mac: 'fp16', note: `GGUF ${q.name}: ${q.blockBytes} B per ${q.blockElems} values (${q.bitsPerWeight} bits per weight), weight-only` };
}

export const FORMATS: Record<NumberFormat, FormatInfo> = {
  bf16: { bits: 16, block: Infinity, scaleBytes: 0, mac: 'fp16', note: 'bfloat16' },
  fp8: { bits: 8, block: Infinity, scaleBytes: 4, mac: 'int8', note: 'E4M3, per-tensor scale, W8A8 on the 8-bit path' },
  int8: { bits: 8, block: 0, scaleBytes: 2, mac: 'int8', note: 'per-output-channel bf16 scale, W8A8 on the 8-bit path' },
  int4: { bits: 4, block: 128, scaleBytes: 2, mac: 'fp16', note: 'group-128 bf16 scale, weight-only (W4A16)' },
  bfp8: { bits: 8, block: 16, scaleBytes: 1, mac: 'int8', note: 'block fp: 16 values share an 8-bit exponent' },
  bfp4: { bits: 4, block: 16, scaleBytes: 1, mac: 'int8', note: 'block fp: 16 values share an 8-bit exponent' },
  q4_0: ggmlFormat('q4_0', 4),
  q4_k: ggmlFormat('q4_k', 4),
  q5_k: ggmlFormat('q5_k', 5),
  q6_k: ggmlFormat('q6_k', 6),
  q4_1: ggmlFormat('q4_1', 4),
  q5_0: ggmlFormat('q5_0', 5),
  q5_1: ggmlFormat('q5_1', 5),
  q8_0: ggmlFormat('q8_0', 8),
  q3_k: ggmlFormat('q3_k', 3),
  q2_k: ggmlFormat('q2_k', 2),
  iq4_nl: ggmlFormat('iq4_nl', 4),
  iq4_xs: ggmlFormat('iq4_xs', 4),
  f16: { bits: 16, block: Infinity, scaleBytes: 0, mac: 'fp16', note: 'IEEE half, at the 16-bit rate' },
  f32: { bits: 32, block: Infinity, scaleBytes: 0, mac: 'fp32', note: 'float32, at the fp32 rate' },
};

export const NUMBER_FORMATS = Object.keys(FORMATS) as NumberFormat[];
/** Formats a KV cache may use (no weight-only formats). */
export const KV_FORMATS: readonly NumberFormat[] = ['bf16', 'fp8', 'int8', 'bfp8'];

/** Average bytes per element of a [K, N] weight (or a KV row of K values) in `f`, scales included. */
export function bytesPerElem(f: NumberFormat, K: number): number {
  const i = FORMATS[f];
  const block = i.block === 0 ? Math.max(1, K) : i.block;
  return i.bits / 8 + (Number.isFinite(block) ? i.scaleBytes / block : 0);
}

/** `--precision` shorthands: the weight format with a bf16 KV cache. */
export function precisionOf(p: NumberFormat | PrecisionSpec | undefined): Required<PrecisionSpec> {
  if (p === undefined) return { weights: 'bf16', mlpWeights: 'bf16', kv: 'bf16' };
  if (typeof p === 'string') return { weights: p, mlpWeights: p, kv: 'bf16' };
  return { weights: p.weights, mlpWeights: p.mlpWeights ?? p.weights, kv: p.kv };
}

export function precisionLabel(p: Required<PrecisionSpec>): string {
  const w = p.mlpWeights === p.weights ? p.weights : `${p.weights}/mlp:${p.mlpWeights}`;
  return p.kv === 'bf16' && p.mlpWeights === p.weights ? w : `w:${w} kv:${p.kv}`;
}
