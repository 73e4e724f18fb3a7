// GGUF (llama.cpp's format, versions 2 and 3): magic "GGUF", version, tensor count, metadata
// key/values, tensor infos (name, dims innermost first, ggml type, offset), then the data aligned to
// general.alignment (32 by default). The header is read in growing prefixes (a vocabulary can take
// several MB); tensors are read one at a time.

import { Cursor, ModelFileError, Writer, type ByteSource } from './source.ts';
import { dtypeBytes, type FileDType } from './dtype.ts';
import type { FileTensor } from './safetensors.ts';
import { GGML_QUANTS, isGgmlQuant, type GgmlBlockType } from '../kernels/ggml-quants.ts';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: FileTensor[];
}

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
/** ggml.h enum ggml_type: the id of each type name (the ones we refuse are named in the refusal). */
const GGML_TYPE_NAMES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K',
  12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL',
  21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 29: 'IQ1_M', 30: 'BF16', 34: 'TQ1_0', 35: 'TQ2_0',
};
/** ggml's type id of each dtype we read and write (the block formats' from their table, GGML_QUANTS). */
const TYPE_OF: Record<FileDType, number> = {
  f32: 0, f16: 1, bf16: 30,
  ...(Object.fromEntries(Object.entries(GGML_QUANTS).map(([t, q]) => [t, q.ggmlType])) as Record<GgmlBlockType, number>),
};
/** ggml tensor types we read; others are refused by name. */
const GGML_TYPES = Object.fromEntries(Object.entries(TYPE_OF).map(([dtype, id]) => [id, dtype])) as Record<number, FileDType>;
const SUPPORTED = Object.values(TYPE_OF).map((id) => GGML_TYPE_NAMES[id]).join(', ');

class NeedMore extends Error {}

class GrowCursor extends Cursor {
  constructor(bytes: Uint8Array, private readonly complete: boolean, what: string) {
    super(bytes, 0, what);
  }
  override need(n: number): void {
    try {
      super.need(n);
    } catch (e) {
      if (!this.complete) throw new NeedMore();
      throw e;
    }
  }
}

function readString(c: Cursor): string {
  const n = c.u64();
  return new TextDecoder().decode(c.bytesOf(n));
}

/** Smallest encoded size of one metadata value of each type (a string: its 8-byte length). */
const MIN_VALUE_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 8, 9: 12, 10: 8, 11: 8, 12: 8 };

/** `fileBytes`: the file's size, which an array's count cannot exceed (a count of 2^40 is a corrupt header, not an allocation). */
function readValue(c: Cursor, type: number, key: string, fileBytes: number): GgufValue {
  switch (type) {
    case 0: return c.u8();
    case 1: return c.i8();
    case 2: return c.u16();
    case 3: return c.i16();
    case 4: return c.u32();
    case 5: return c.i32();
    case 6: return c.f32();
    case 7: return c.u8() !== 0;
    case 8: return readString(c);
    case 9: {
      const itemType = c.u32();
      const n = c.u64();
      if (n * (MIN_VALUE_BYTES[itemType] ?? 1) > fileBytes - c.pos) {
        throw new ModelFileError(`GGUF metadata ${key}: an array of ${n} items of type ${itemType} cannot fit in the file's ${fileBytes} bytes (corrupt header)`);
      }
      const out: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, itemType, key, fileBytes);
      return out;
    }
    case 10: return c.u64();
    case 11: return c.i64();
    case 12: return c.f64();
    default:
      throw new ModelFileError(`GGUF metadata ${key} has unknown value type ${type}`);
  }
}

function parse(src: ByteSource, bytes: Uint8Array, complete: boolean): GgufFile {
  const c = new GrowCursor(bytes, complete, src.name);
  if (c.u32() !== GGUF_MAGIC) throw new ModelFileError(`${src.name}: not a GGUF file (magic is not "GGUF")`);
  const version = c.u32();
  if (version !== 2 && version !== 3) throw new ModelFileError(`${src.name}: GGUF version ${version}; versions 2 and 3 are supported`);
  const nTensors = c.u64();
  const nKv = c.u64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = readString(c);
    metadata.set(key, readValue(c, c.u32(), key, src.size));
  }
  const infos: Array<{ name: string; dims: number[]; type: number; offset: number }> = [];
  for (let i = 0; i < nTensors; i++) {
    const name = readString(c);
    const nd = c.u32();
    if (nd > 4) throw new ModelFileError(`${src.name}: tensor ${name} has ${nd} dimensions (GGUF allows at most 4)`);
    const dims: number[] = [];
    for (let d = 0; d < nd; d++) dims.push(c.u64());
    infos.push({ name, dims, type: c.u32(), offset: c.u64() });
  }
  const align = Number(metadata.get('general.alignment') ?? 32);
  // llama.cpp (gguf.cpp) refuses an alignment that is 0 or not a power of two; so do we, by key
  if (!Number.isInteger(align) || align < 1 || (align & (align - 1)) !== 0) {
    throw new ModelFileError(`${src.name}: GGUF metadata general.alignment is ${String(metadata.get('general.alignment'))}; it must be a power of two (llama.cpp writes 32)`);
  }
  const dataStart = Math.ceil(c.pos / align) * align;
  const tensors: FileTensor[] = infos.map((t) => {
    const dtype = GGML_TYPES[t.type];
    if (!dtype) {
      throw new ModelFileError(
        `${src.name}: tensor ${t.name} has ggml type ${GGML_TYPE_NAMES[t.type] ?? t.type}; supported: ${SUPPORTED} (re-quantize or convert the model)`,
      );
    }
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (isGgmlQuant(dtype) && (t.dims[0] ?? 0) % GGML_QUANTS[dtype].blockElems !== 0) {
      throw new ModelFileError(`${src.name}: tensor ${t.name} has rows of ${t.dims[0]} values; ${GGML_QUANTS[dtype].name} rows are whole blocks of ${GGML_QUANTS[dtype].blockElems}`);
    }
    const nbytes = dtypeBytes(dtype, elements, `${src.name}: tensor ${t.name}`);
    const offset = dataStart + t.offset;
    if (offset + nbytes > src.size) {
      throw new ModelFileError(`${src.name}: tensor ${t.name} ends at byte ${offset + nbytes} but the file has ${src.size} bytes (truncated file?)`);
    }
    // GGUF lists dims innermost first; our shapes are outermost first (row-major).
    return { name: t.name, dtype, shape: [...t.dims].reverse(), offset, bytes: nbytes, source: src };
  });
  return { version, metadata, tensors };
}

export async function readGguf(src: ByteSource): Promise<GgufFile> {
  let n = Math.min(src.size, 4 << 20);
  for (;;) {
    const bytes = await src.read(0, n);
    try {
      return parse(src, bytes, n >= src.size);
    } catch (e) {
      if (!(e instanceof NeedMore)) throw e;
      n = Math.min(src.size, n * 4);
    }
  }
}

// ---- writer (test models, bench models) ---------------------------------------------------------

export type GgufMeta = { type: 'u32'; value: number } | { type: 'f32'; value: number } | { type: 'bool'; value: boolean } | { type: 'string'; value: string }
  | { type: 'string[]'; value: string[] } | { type: 'f32[]'; value: number[] } | { type: 'i32[]'; value: number[] };

export interface GgufTensorToWrite {
  name: string;
  dtype: FileDType;
  /** Row-major shape, outermost first (written innermost first). */
  shape: number[];
  data: Uint8Array;
}

function writeString(w: Writer, s: string): void {
  const b = new TextEncoder().encode(s);
  w.u64(b.byteLength);
  w.bytes(b);
}

export function writeGguf(meta: Record<string, GgufMeta>, tensors: GgufTensorToWrite[], alignment = 32): Uint8Array {
  const w = new Writer();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(Object.keys(meta).length);
  for (const [k, m] of Object.entries(meta)) {
    writeString(w, k);
    switch (m.type) {
      case 'u32': w.u32(4); w.u32(m.value); break;
      case 'f32': w.u32(6); w.f32(m.value); break;
      case 'bool': w.u32(7); w.u8(m.value ? 1 : 0); break;
      case 'string': w.u32(8); writeString(w, m.value); break;
      case 'string[]': w.u32(9); w.u32(8); w.u64(m.value.length); for (const s of m.value) writeString(w, s); break;
      case 'f32[]': w.u32(9); w.u32(6); w.u64(m.value.length); for (const v of m.value) w.f32(v); break;
      case 'i32[]': w.u32(9); w.u32(5); w.u64(m.value.length); for (const v of m.value) w.i32(v); break;
    }
  }
  let off = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    writeString(w, t.name);
    w.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) w.u64(d);
    w.u32(TYPE_OF[t.dtype]);
    offsets.push(off);
    w.u64(off);
    off += Math.ceil(t.data.byteLength / alignment) * alignment;
  }
  w.pad(alignment);
  tensors.forEach((t, i) => {
    void offsets[i];
    w.bytes(t.data);
    w.pad(alignment);
  });
  return w.result();
}
