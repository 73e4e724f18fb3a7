// Random-access byte sources for model files: a browser File/Blob (Blob.slice), a Node file handle,
// or bytes already in memory (tests). Loaders read a header and then one tensor at a time, so a
// multi-GB file is never copied into memory whole.

/** Thrown for unreadable, truncated or inconsistent model files; the message names the tensor or key. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

export interface ByteSource {
  /** File name as the user knows it (for messages and share links). */
  readonly name: string;
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; throws ModelFileError past the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

function checkRange(src: { name: string; size: number }, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > src.size) {
    throw new ModelFileError(
      `${src.name}: ${what} needs bytes ${offset}..${offset + length} but the file has ${src.size} bytes (truncated file?)`,
    );
  }
}

export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset, length) {
      checkRange(this, offset, length, 'a read');
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/** A browser File or Blob: each read is one Blob.slice(...).arrayBuffer(). */
export function blobSource(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(this, offset, length, 'a read');
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** Reads a whole (small) source as text: config.json, tokenizer.json. */
export async function readText(src: ByteSource): Promise<string> {
  return new TextDecoder().decode(await src.read(0, src.size));
}

/** Bounds-checked little-endian reader over a header already in memory. */
export class Cursor {
  private dv: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly what: string,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new ModelFileError(`${this.what}: header ends early at byte ${this.pos} (truncated file?)`);
  }
  u8(): number { this.need(1); return this.dv.getUint8(this.pos++); }
  i8(): number { this.need(1); return this.dv.getInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  i16(): number { this.need(2); const v = this.dv.getInt16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.dv.getFloat32(this.pos, true); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.dv.getFloat64(this.pos, true); this.pos += 8; return v; }
  u64(): number {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ModelFileError(`${this.what}: 64-bit value ${v} at byte ${this.pos - 8} is too large`);
    return Number(v);
  }
  i64(): number {
    this.need(8);
    const v = this.dv.getBigInt64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }
  bytesOf(n: number): Uint8Array { this.need(n); const b = this.bytes.subarray(this.pos, this.pos + n); this.pos += n; return b; }
}

/** Growable little-endian writer (test-model writers). */
export class Writer {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(v: number): void { this.grow(1); this.dv.setUint8(this.length, v); this.length += 1; }
  u32(v: number): void { this.grow(4); this.dv.setUint32(this.length, v, true); this.length += 4; }
  i32(v: number): void { this.grow(4); this.dv.setInt32(this.length, v, true); this.length += 4; }
  f32(v: number): void { this.grow(4); this.dv.setFloat32(this.length, v, true); this.length += 4; }
  u64(v: number): void { this.grow(8); this.dv.setBigUint64(this.length, BigInt(v), true); this.length += 8; }
  bytes(b: Uint8Array): void { this.grow(b.byteLength); this.buf.set(b, this.length); this.length += b.byteLength; }
  pad(align: number): void { while (this.length % align !== 0) this.u8(0); }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}
