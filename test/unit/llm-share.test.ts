// The Model tab's slice of share links (v3): migration from v2, round trip with results, and the
// schema's refusal of out-of-range settings. Plus the model fingerprint the link checks.
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../../src/share/codec.ts';
import { migrate } from '../../src/share/migrate.ts';
import { defaultState, validateState, defaultLlmState } from '../../src/share/state.ts';
import { fingerprint } from '../../src/llm/fingerprint.ts';
import { bytesSource } from '../../src/llm/source.ts';

describe('share links carry the Model tab', () => {
  it('a v2 link migrates to v3 with the default Model settings', () => {
    const v2 = { ...defaultState(), v: 2 } as Record<string, unknown>;
    delete v2.llm;
    const m = migrate(v2);
    expect(m.ok).toBe(true);
    const r = validateState((m as { value: unknown }).value);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.state.llm).toEqual(defaultLlmState());
  });
  it('model name, fingerprint, prompt, sampling and the results round-trip', async () => {
    const s = defaultState();
    s.tab = 'model';
    s.llm = {
      modelName: 'SmolLM2-135M.gguf', modelHash: '0123456789abcdef', prompt: 'Hello', tokens: 64, seed: 42, temperature: 0.7, topK: 20, int8: true,
      result: { device: 'NVIDIA (browser Chrome/142)', text: 'world', tokensPerS: 55.5, medianMs: 18, p10Ms: 17, p90Ms: 21, families: [{ family: 'ffn-up', ms: 3.2, bytes: 1e6 }] },
    };
    const back = await decodeState(await encodeState(s));
    expect(back.error).toBeUndefined();
    expect(back.state.llm).toEqual(s.llm);
    expect(back.state.tab).toBe('model');
  });
  it('the chat option round-trips on and off, and a link without it (older links) leaves it to the model', async () => {
    for (const chat of [true, false]) {
      const s = defaultState();
      s.llm = { ...s.llm, chat };
      expect((await decodeState(await encodeState(s))).state.llm.chat).toBe(chat);
    }
    const r = validateState(defaultState());
    expect(r.ok && r.state.llm.chat).toBeUndefined();
  });
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a chat option that is not a boolean', { chat: '<img src=x onerror=alert(1)>' }, /llm\.chat/],
    ['a chat option given as a number', { chat: 1 }, /llm\.chat/],
    ['top-k above 64', { topK: 65 }, /llm\.topK/],
    ['negative temperature', { temperature: -1 }, /llm\.temperature/],
    ['a fractional seed', { seed: 1.5 }, /llm\.seed/],
  ];
  for (const [note, patch, msg] of bad) {
    it(`refuses ${note}`, () => {
      const s = defaultState();
      const r = validateState({ ...s, llm: { ...s.llm, ...patch } });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(msg);
    });
  }
});

describe('model fingerprint', () => {
  it('is stable, and changes when a byte of the head, the tail or the size changes', async () => {
    const a = new Uint8Array(3 << 20).map((_, i) => (i * 31) & 0xff);
    const h = await fingerprint(bytesSource('m.gguf', a));
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(await fingerprint(bytesSource('other-name.gguf', a))).toBe(h); // the name is not part of it
    for (const at of [10, a.length - 10]) {
      const b = a.slice();
      b[at] ^= 1;
      expect(await fingerprint(bytesSource('m.gguf', b))).not.toBe(h);
    }
    expect(await fingerprint(bytesSource('m.gguf', a.subarray(0, a.length - 1)))).not.toBe(h);
  });
});
