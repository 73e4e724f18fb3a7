// Element types of model files and their conversion to f32 on load.

import { f16BitsToF32 } from '../kernels/f16.ts';
import { ModelFileError } from './source.ts';
import { GGML_QUANTS, GgmlQuantError, ggmlQuantBytes, type GgmlQuantType } from '../kernels/ggml-quants.ts';
import { dequantizeFormat } from '../kernels/matmul-gguf.ts';

/**
 * Storage types we read. Q8_0: blocks of 32 int8 with one f16 scale (GGUF); q4_0 .. q6_k, q3_k, q2_k, iq4_nl, iq4_xs: ggml's
 * 2- to 6-bit blocks (src/kernels/ggml-quants.ts).
 */
export type FileDType = 'f32' | 'f16' | 'bf16' | 'q8_0' | GgmlQuantType;

/** Values per Q8_0 block (its entry in the one table of ggml block formats, GGML_QUANTS). */
export const Q8_0_BLOCK = GGML_QUANTS.q8_0.blockElems;
/** Bytes per Q8_0 block: an f16 scale then 32 int8. */
export const Q8_0_BLOCK_BYTES = GGML_QUANTS.q8_0.blockBytes;

export function dtypeBytes(dtype: FileDType, elements: number, what: string): number {
  switch (dtype) {
    case 'f32':
      return 4 * elements;
    case 'f16':
    case 'bf16':
      return 2 * elements;
    case 'q8_0':
      if (elements % Q8_0_BLOCK !== 0) throw new ModelFileError(`${what}: Q8_0 needs a multiple of ${Q8_0_BLOCK} elements, got ${elements}`);
      return (elements / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
    default:
      try {
        return ggmlQuantBytes(dtype, elements, what);
      } catch (e) {
        if (e instanceof GgmlQuantError) throw new ModelFileError(e.message);
        throw e;
      }
  }
}

/** Decodes raw little-endian bytes of a tensor to f32 (f16 / bf16 and ggml's blocks, Q8_0 included, by the kernels' one decoder, dequantizeFormat). */
export function toF32(dtype: FileDType, raw: Uint8Array, elements: number): Float32Array {
  if (dtype !== 'f32') return dequantizeFormat(dtype, raw, elements);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(elements);
  for (let i = 0; i < elements; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}

/** Q8_0 blocks as int8 values and one f32 scale per block of 32 (in file order). */
export function splitQ8_0(raw: Uint8Array, elements: number): { q: Int8Array; scale: Float32Array } {
  const blocks = elements / Q8_0_BLOCK;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const q = new Int8Array(elements);
  const scale = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    scale[b] = f16BitsToF32(dv.getUint16(o, true));
    for (let i = 0; i < Q8_0_BLOCK; i++) q[b * Q8_0_BLOCK + i] = dv.getInt8(o + 2 + i);
  }
  return { q, scale };
}
