// llama.cpp as the oracle (llamacpp-oracle.ts): f32, f16, bf16 and ggml's 32-value blocks, tied f32/f16/bf16 heads,
// and llama.cpp's tokenizer against ours on the same GGUF.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CONTEXT, describeOracle } from './llamacpp-oracle.ts';
import { LlamaCppModel } from '../../bench/peers/llamacpp.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel } from '../../src/llm/weights.ts';
import { makeTokenizer } from '../../src/llm/tokenizer.ts';
import { writeGgufModel, TINY_LLAMA } from '../../src/llm/testmodel.ts';

describeOracle('float', (dir) => {
  it('llama.cpp tokenizes text as our GGUF tokenizer does (byte-level BPE, pre-tokenizer "gpt-2")', async () => {
    const bytes = writeGgufModel(TINY_LLAMA);
    const file = join(dir(), 'tok.gguf');
    writeFileSync(file, bytes);
    const tok = makeTokenizer((await openModel([bytesSource('m.gguf', bytes)])).tokenizer, [])!;
    const lc = await LlamaCppModel.open(file, { contextSize: CONTEXT, threads: 1 });
    try {
      // each string exercises a part of the pre-tokenizer regex or of the merges
      const texts = [
        'the quick brown fox jumps over the lazy dog.', // merged words from the training corpus
        'Hello   world!\n\tTabs and  spaces ', // whitespace runs, a trailing space
        "it's they're we'll I'd", // GPT-2's contractions
        'numbers 0123456789 and 3.14159', // digits (one split for a run)
        'héllo wörld — ünïcödé 日本語 🙂', // multi-byte UTF-8 through byte tokens
        'a;b,c:d!?(e)[f]{g}', // punctuation runs
      ];
      for (const t of texts) expect(tok.encode(t), JSON.stringify(t)).toEqual(lc.tokenize(t));
    } finally {
      await lc.dispose();
    }
  });

  // A file with no tokenizer.ggml.pre (older converters): llama.cpp warns and uses its "default" split (punctuation
  // runs, GPT-2's regex, digit runs, groups of three digits); ours read it as GPT-2's split before.
  it('a GGUF without tokenizer.ggml.pre: llama.cpp\'s default split, ours the same', async () => {
    const bytes = writeGgufModel({ ...TINY_LLAMA, pre: null });
    const file = join(dir(), 'tok-nopre.gguf');
    writeFileSync(file, bytes);
    const tok = makeTokenizer((await openModel([bytesSource('m.gguf', bytes)])).tokenizer, [])!;
    const lc = await LlamaCppModel.open(file, { contextSize: CONTEXT, threads: 1 });
    try {
      const texts = [
        'the quick brown fox jumps over the lazy dog.',
        'Hello   world!\n\tTabs and  spaces ',
        "it's they're we'll I'd",
        'numbers 0123456789 and 3.14159, 1234567', // digit runs cut in threes
        'x ,y $+<=>^~| a;b,c:d!?(e)[f]{g} -- "q"', // punctuation split off before GPT-2's regex
        'héllo wörld — ünïcödé 日本語 🙂',
      ];
      for (const t of texts) expect(tok.encode(t), JSON.stringify(t)).toEqual(lc.tokenize(t));
    } finally {
      await lc.dispose();
    }
  });

  it('an unknown tokenizer.ggml.pre: llama.cpp refuses the file, and so do we', async () => {
    const bytes = writeGgufModel({ ...TINY_LLAMA, pre: 'nonsense-bpe' });
    const file = join(dir(), 'tok-badpre.gguf');
    writeFileSync(file, bytes);
    await expect(LlamaCppModel.open(file, { contextSize: CONTEXT, threads: 1 })).rejects.toThrow();
    const om = await openModel([bytesSource('m.gguf', bytes)]);
    expect(() => makeTokenizer(om.tokenizer, [])).toThrow(/tokenizer\.ggml\.pre "nonsense-bpe"/);
  });
});
