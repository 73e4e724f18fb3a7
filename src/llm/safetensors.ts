// safetensors: an 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }, then the raw data.
// Only the header is read here; tensors are read one at a time from the source.

import { Writer, ModelFileError, type ByteSource } from './source.ts';
import { dtypeBytes, type FileDType } from './dtype.ts';

export interface FileTensor {
  name: string;
  dtype: FileDType;
  /** Row-major shape, outermost first (as PyTorch writes it). */
  shape: number[];
  /** Absolute byte offset in the source and byte length. */
  offset: number;
  bytes: number;
  source: ByteSource;
}

const DTYPES: Record<string, FileDType> = { F32: 'f32', F16: 'f16', BF16: 'bf16' };
const MAX_HEADER = 100 << 20;

export async function readSafetensorsHeader(src: ByteSource): Promise<FileTensor[]> {
  if (src.size < 8) throw new ModelFileError(`${src.name}: ${src.size} bytes is too short for a safetensors file`);
  const lenBytes = await src.read(0, 8);
  const n = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER || 8 + n > src.size) {
    throw new ModelFileError(`${src.name}: header length ${n} does not fit the file's ${src.size} bytes (not a safetensors file, or truncated)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(await src.read(8, n))) as Record<string, unknown>;
  } catch (e) {
    throw new ModelFileError(`${src.name}: the safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(header)) throw new ModelFileError(`${src.name}: the safetensors header is JSON ${JSON.stringify(header).slice(0, 40)}; it must be an object { name: { dtype, shape, data_offsets } }`);
  const dataStart = 8 + n;
  const out: FileTensor[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isObject(raw)) throw new ModelFileError(`${src.name}: tensor ${name} is JSON ${JSON.stringify(raw).slice(0, 40)} in the header; it must be an object { dtype, shape, data_offsets }`);
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = DTYPES[String(t.dtype)];
    if (!dtype) {
      throw new ModelFileError(`${src.name}: tensor ${name} has dtype ${JSON.stringify(t.dtype)}; supported: ${Object.keys(DTYPES).join(', ')}`);
    }
    const shape = t.shape;
    const offs = t.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ModelFileError(`${src.name}: tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ModelFileError(`${src.name}: tensor ${name} has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const bytes = dtypeBytes(dtype, elements, `${src.name}: tensor ${name}`);
    const [b, e] = offs as number[];
    if (e - b !== bytes) {
      throw new ModelFileError(`${src.name}: tensor ${name} ${dtype}[${(shape as number[]).join(', ')}] needs ${bytes} bytes but data_offsets span ${e - b}`);
    }
    if (dataStart + e > src.size) {
      throw new ModelFileError(`${src.name}: tensor ${name} ends at byte ${dataStart + e} but the file has ${src.size} bytes (truncated file?)`);
    }
    out.push({ name, dtype, shape: shape as number[], offset: dataStart + b, bytes, source: src });
  }
  return out;
}

export interface TensorToWrite {
  name: string;
  dtype: 'f32' | 'f16' | 'bf16';
  shape: number[];
  /** Raw little-endian bytes of the elements. */
  data: Uint8Array;
}

/** Writes a safetensors file (test models and the bench's generated models). */
export function writeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype.toUpperCase(), shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const w = new Writer();
  const jb = new TextEncoder().encode(json);
  w.u64(jb.byteLength);
  w.bytes(jb);
  for (const t of tensors) w.bytes(t.data);
  return w.result();
}
