// Share links: round trips, migrations, and every kind of bad link (truncated, tampered,
// oversized, unknown version) giving a message plus the default state, never an exception.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeState, encodeState, fromBase64Url, MAX_JSON_BYTES, MAX_LINK_CHARS, payloadFromHash, shareUrl, toBase64Url } from '../../src/share/codec.ts';
import { defaultState, validateState, applyPatch, type ShareState } from '../../src/share/state.ts';

async function deflate(text: string): Promise<string> {
  const cs = new CompressionStream('deflate-raw');
  const out = new Response(new Blob([text]).stream().pipeThrough(cs));
  return toBase64Url(new Uint8Array(await out.arrayBuffer()));
}

function sample(): ShareState {
  const s = defaultState();
  s.tab = 'chip';
  s.bench = { kernel: 'matmul', variant: 'naive', params: { M: 33, N: 17, K: 9 }, wgsl: { matmul_naive: '// edited\nfn main() {}' } };
  s.chip = { ...s.chip, preset: 'tpu-v5e', grid: { rows: 4, cols: 8 }, timeFrac: 0.25, view: 'traffic' };
  s.learn.step = 3;
  s.results = {
    device: 'SwiftShader Device (browser Chrome/142)',
    browser: 'Chrome/142',
    rows: [{ kernel: 'matmul', variant: 'naive', shape: '33x17x9', dtype: 'f32', medianMs: 1.5, p10Ms: 1.2, p90Ms: 2, gflops: 0.01, gbps: 0.02, maxAbsErr: 1e-6, ok: true, timer: 'timestamp-query' }],
  };
  return s;
}

describe('share codec', () => {
  it('round-trips a full state exactly', async () => {
    const s = sample();
    const r = await decodeState(await encodeState(s));
    expect(r.error).toBeUndefined();
    expect(r.state).toEqual(s);
  });

  it('compresses: a 20 KB shader edit makes a much shorter link', async () => {
    const s = sample();
    s.bench.wgsl.matmul_naive = '// line of a kernel\n'.repeat(1000);
    const enc = await encodeState(s);
    expect(enc.length).toBeLessThan(2000);
  });

  it('builds and reads the URL hash', async () => {
    const url = await shareUrl('http://127.0.0.1:5173/#old', sample());
    expect(url.startsWith('http://127.0.0.1:5173/#s=')).toBe(true);
    const payload = payloadFromHash(new URL(url).hash);
    expect((await decodeState(payload!)).state).toEqual(sample());
    expect(payloadFromHash('#x=1')).toBeNull();
    expect(payloadFromHash('')).toBeNull();
  });

  it('migrates a v1 link forward to the current version', async () => {
    const r = await decodeState(await deflate(JSON.stringify({ v: 1, kernel: 'matmul', variant: 'naive', params: { M: 8 }, tab: 'editor' })));
    expect(r.error).toBeUndefined();
    expect(r.migrated).toBe(true);
    expect(r.state.v).toBe(3); // v1 -> v2 (slices) -> v3 (the Model tab)
    expect(r.state.tab).toBe('editor');
    expect(r.state.bench).toEqual({ kernel: 'matmul', variant: 'naive', params: { M: 8 }, wgsl: {} });
    expect(r.state.chip).toEqual(defaultState().chip);
  });

  const bad: Array<[string, () => Promise<string>, RegExp]> = [
    ['empty', async () => '', /empty/],
    ['not base64url', async () => 'abc$%^', /base64url/],
    ['truncated', async () => (await encodeState(sample())).slice(0, 40), /damaged|incomplete|base64url|JSON/],
    ['random bytes', async () => toBase64Url(new Uint8Array([1, 2, 3, 4, 5, 250, 251])), /damaged|JSON/],
    ['valid deflate, not JSON', async () => deflate('hello'), /JSON/],
    ['unknown future version', async () => deflate(JSON.stringify({ ...defaultState(), v: 99 })), /version 99/],
    ['no version', async () => deflate(JSON.stringify({ tab: 'bench' })), /version/],
    ['wrong type in a slice', async () => deflate(JSON.stringify({ ...defaultState(), learn: { step: 'three' } })), /learn\.step/],
    ['out of range', async () => deflate(JSON.stringify({ ...defaultState(), chip: { ...defaultState().chip, timeFrac: 7 } })), /chip\.timeFrac/],
    ['oversized payload', async () => 'A'.repeat(MAX_LINK_CHARS + 1), /characters long/],
    ['zip bomb', async () => deflate(' '.repeat(MAX_JSON_BYTES * 4)), /inflates to more than/],
  ];
  for (const [name, make, message] of bad) {
    it(`a ${name} link gives a message and the default state`, async () => {
      const r = await decodeState(await make());
      expect(r.error).toMatch(/could not be opened/);
      expect(r.error).toMatch(message);
      expect(r.state).toEqual(defaultState());
    });
  }

  it('base64url helpers are inverse and reject foreign characters', () => {
    const b = new Uint8Array([0, 255, 62, 63, 128, 7]);
    expect(fromBase64Url(toBase64Url(b))).toEqual(b);
    expect(fromBase64Url('ab+/')).toBeNull();
    expect(fromBase64Url('a')).toBeNull();
  });

  it('applyPatch merges a tab patch into its slice only', () => {
    const s = applyPatch(defaultState(), 'learn', { step: 5 });
    expect(s.learn.step).toBe(5);
    expect(s.bench).toEqual(defaultState().bench);
    expect(validateState(s).ok).toBe(true);
  });
});

describe('share codec properties', () => {
  it('random strings never throw and always yield a valid state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 300 }).map((s) => s.replace(/=/g, ''))), async (text) => {
        const r = await decodeState(text);
        expect(validateState(r.state).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated links (flipped, cut, inserted characters) never throw and yield a valid state', async () => {
    const good = await encodeState(sample());
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), ch: fc.integer({ min: 0, max: 63 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), ch: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ch: fc.integer({ min: 0, max: 63 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
        let s = good;
        for (const m of muts) {
          const at = s.length === 0 ? 0 : m.at % s.length;
          if (m.kind === 'flip') s = s.slice(0, at) + alphabet[m.ch] + s.slice(at + 1);
          else if (m.kind === 'cut') s = s.slice(0, at);
          else s = s.slice(0, at) + alphabet[m.ch] + s.slice(at);
        }
        const r = await decodeState(s);
        expect(validateState(r.state).ok).toBe(true);
        if (r.error) expect(r.state).toEqual(defaultState());
      }),
      { numRuns: 300 },
    );
  });

  it('valid JSON with random values in every slice is validated, not trusted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 3 }), fc.constantFrom('bench', 'chip', 'model', 'learn', 'compare', 'results', 'tab'), async (junk, key) => {
        const r = await decodeState(await deflate(JSON.stringify({ ...defaultState(), [key]: junk }) ?? 'null'));
        expect(validateState(r.state).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
