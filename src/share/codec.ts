// State <-> URL: JSON, deflate (the platform's CompressionStream), base64url, in the URL hash
// (`#s=...`, so the server never sees it). Decoding never throws: a bad link becomes a message
// plus the default state. Sizes are capped before and during decompression (no zip bombs).

import { defaultState, validateState, type ShareState } from './state.ts';
import { migrate } from './migrate.ts';

/** Longest encoded link payload accepted (characters after `#s=`). */
export const MAX_LINK_CHARS = 128 * 1024;
/** Most bytes a payload may inflate to. */
export const MAX_JSON_BYTES = 1024 * 1024;

export const HASH_KEY = 's';

export interface DecodeResult {
  state: ShareState;
  /** Set when the link was not usable; the state is then the default. */
  error?: string;
  /** True when the link came from an older version and was migrated. */
  migrated?: boolean;
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Returns null for characters outside the base64url alphabet or an impossible length. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

async function pump(input: Uint8Array, stream: CompressionStream | DecompressionStream, maxOut: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // Not awaited: the reader below drains the stream; errors surface through read().
  writer.write(input as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxOut) {
      reader.cancel().catch(() => {});
      throw new RangeError(`the link inflates to more than ${maxOut} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Encodes a state as the payload of `#s=` (deflate-raw + base64url). */
export async function encodeState(state: ShareState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return toBase64Url(await pump(json, new CompressionStream('deflate-raw'), Number.MAX_SAFE_INTEGER));
}

/** Decodes a `#s=` payload. Never throws; a bad payload yields the default state and a message. */
export async function decodeState(payload: string): Promise<DecodeResult> {
  const fail = (error: string): DecodeResult => ({ state: defaultState(), error: `This link could not be opened: ${error}. Showing the default setup instead.` });
  try {
    if (typeof payload !== 'string' || payload.length === 0) return fail('it is empty');
    if (payload.length > MAX_LINK_CHARS) return fail(`it is ${payload.length} characters long; at most ${MAX_LINK_CHARS} are accepted`);
    const bytes = fromBase64Url(payload);
    if (!bytes) return fail('it contains characters that are not base64url (was it cut or edited?)');
    let json: Uint8Array;
    try {
      json = await pump(bytes, new DecompressionStream('deflate-raw'), MAX_JSON_BYTES);
    } catch (e) {
      if (e instanceof RangeError) return fail(e.message);
      return fail('its data is damaged or incomplete (was it cut off when copied?)');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
    } catch {
      return fail('its data is not valid JSON');
    }
    const m = migrate(parsed);
    if (!m.ok) return fail(m.error);
    const r = validateState(m.value);
    if (!r.ok) return fail(`it holds an invalid value (${r.error})`);
    const migrated = (parsed as { v: number }).v !== r.state.v;
    return migrated ? { state: r.state, migrated } : { state: r.state };
  } catch (e) {
    return fail(`unexpected problem (${String(e)})`);
  }
}

/** The payload of a location hash like `#s=...`, or null when the hash carries no state. */
export function payloadFromHash(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of h.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === HASH_KEY) return part.slice(eq + 1);
  }
  return null;
}

/** A full share URL for a state: base (origin + path) plus `#s=payload`. */
export async function shareUrl(base: string, state: ShareState): Promise<string> {
  return `${base.split('#')[0]}#${HASH_KEY}=${await encodeState(state)}`;
}
