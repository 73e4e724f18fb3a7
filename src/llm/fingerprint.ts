// A model file's fingerprint for share links: SHA-256 over its size, its first and its last MiB
// (the header, the tensor index, and data at both ends), hex, first 16 digits. Hashing a multi-GB
// file whole would take as long as loading it; a different file of the same name and size but
// other weights differs in these bytes in practice (GGUF and safetensors put the index first).

import type { ByteSource } from './source.ts';

const SPAN = 1 << 20;

export async function fingerprint(src: ByteSource): Promise<string> {
  const head = await src.read(0, Math.min(SPAN, src.size));
  const tailStart = Math.max(head.byteLength, src.size - SPAN);
  const tail = await src.read(tailStart, src.size - tailStart);
  const size = new TextEncoder().encode(`${src.size}:`);
  const all = new Uint8Array(size.byteLength + head.byteLength + tail.byteLength);
  all.set(size, 0);
  all.set(head, size.byteLength);
  all.set(tail, size.byteLength + head.byteLength);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
