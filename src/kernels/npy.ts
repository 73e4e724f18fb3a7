// NumPy .npy reader/writer (format versions 1.0-3.0, little-endian, C order) for the kernel CLI.
// Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

export type NpyDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64' | 'float16';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | Uint16Array;
}

export class NpyError extends Error {
  override name = 'NpyError';
}

const DESCR: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '|i1': 'int8',
  '<i1': 'int8',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '<i4': 'int32',
  '<i8': 'int64',
  '<f2': 'float16',
};
const DESCR_OF: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int32: '<i4',
  int64: '<i8',
  float16: '<f2',
};
const SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int8: 1, uint8: 1, int32: 4, int64: 8, float16: 2 };

/** Parses a .npy file's bytes. `what` names the tensor in error messages. */
export function parseNpy(bytes: Uint8Array, what = 'array'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new NpyError(`${what}: not a .npy file (missing \\x93NUMPY magic)`);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = dv.getUint32(8, true);
    offset = 12;
  } else throw new NpyError(`${what}: unsupported .npy format version ${major}.${bytes[7]}`);
  if (offset + headerLen > bytes.length) throw new NpyError(`${what}: truncated header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(`${what}: malformed header ${JSON.stringify(header.trim())}`);
  const dtype = DESCR[descr];
  if (!dtype) throw new NpyError(`${what}: dtype ${descr} is not supported; use float32, int8 or int32 (little-endian)`);
  if (fortran === 'True') throw new NpyError(`${what}: Fortran-order arrays are not supported; save with np.ascontiguousarray(x)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new NpyError(`${what}: invalid shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const need = count * SIZE[dtype];
  if (bytes.length - start < need) throw new NpyError(`${what}: data truncated: ${bytes.length - start} bytes for ${count} ${dtype} values (${need} bytes)`);
  // Copy so the data is aligned whatever the header length was.
  const raw = new Uint8Array(bytes.subarray(start, start + need)).buffer; // a copy (Node Buffers share a pool)
  const data = {
    float32: () => new Float32Array(raw),
    float64: () => new Float64Array(raw),
    int8: () => new Int8Array(raw),
    uint8: () => new Uint8Array(raw),
    int32: () => new Int32Array(raw),
    int64: () => new BigInt64Array(raw),
    float16: () => new Uint16Array(raw),
  }[dtype]();
  return { dtype, shape, data };
}

/** Encodes an array as .npy version 1.0 (header padded so data starts at a multiple of 64). */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[arr.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const hb = new TextEncoder().encode(header);
  const body = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(10 + hb.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, hb.length, true);
  out.set(hb, 10);
  out.set(body, 10 + hb.length);
  return out;
}
