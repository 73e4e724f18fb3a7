// llama.cpp as the oracle of instruct models' end-of-generation tokens and chat-prompt tokenization: tiny GGUFs whose
// vocabularies carry Llama-3's, ChatML's (Qwen), Gemma's, Phi-3's and gpt-oss's turn tokens load in llama.cpp
// (node-llama-cpp 3.21.1, CPU build); its llama_vocab_is_eog over the whole vocabulary must equal our opened model's
// `eos` (chat.ts ggufEogIds), and its tokenizer (special tokens parsed) must give our ids for the rendered ChatML prompt.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LlamaCppModel } from '../../bench/peers/llamacpp.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel } from '../../src/llm/weights.ts';
import { makeTokenizer } from '../../src/llm/tokenizer.ts';
import { chatPromptIds } from '../../src/llm/chat.ts';
import { TINY_LLAMA, testVocab, writeGgufModel, type TestModelSpec } from '../../src/llm/testmodel.ts';

const dir = mkdtempSync(join(tmpdir(), 'llamacpp-eog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// one layer: only the vocabulary matters here
const BASE: TestModelSpec = { ...TINY_LLAMA, nLayers: 1, vocab: 320 };
const CHATML_TEMPLATE = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
/** The id the test vocabulary gives the k-th special (after the end token at 296). */
const sp = (k: number) => 297 + k;
const u32 = (value: number) => ({ type: 'u32' as const, value });

const VOCABS: Array<{ name: string; spec: TestModelSpec }> = [
  { name: 'Llama-3 Instruct (EOS <|end_of_text|>, <|eot_id|>, <|eom_id|>)', spec: { ...BASE, specials: ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<|eom_id|>'], ggufMeta: { 'tokenizer.ggml.eos_token_id': u32(sp(1)), 'tokenizer.ggml.bos_token_id': u32(sp(0)) } } },
  { name: 'ChatML / Qwen2.5 (<|im_end|>, FIM pad / repo / file separator)', spec: { ...BASE, specials: ['<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'], chatTemplate: CHATML_TEMPLATE } },
  { name: 'Gemma-3 (<eos>, <end_of_turn>)', spec: { ...BASE, specials: ['<bos>', '<eos>', '<start_of_turn>', '<end_of_turn>'], ggufMeta: { 'tokenizer.ggml.eos_token_id': u32(sp(1)) } } },
  { name: 'Phi-3 (</s>, <|end|>, <|endoftext|>)', spec: { ...BASE, specials: ['</s>', '<|assistant|>', '<|end|>', '<|user|>'] } },
  { name: 'gpt-oss (<|end|> dropped beside <|return|> and <|call|>)', spec: { ...BASE, specials: ['<|return|>', '<|call|>', '<|end|>'] } },
  { name: 'tokenizer.ggml.eot_token_id naming a token of any text', spec: { ...BASE, specials: ['<my_stop>'], ggufMeta: { 'tokenizer.ggml.eot_token_id': u32(sp(0)) } } },
];

describe("end-of-generation tokens equal llama.cpp's (llama_vocab_is_eog)", () => {
  for (const { name, spec } of VOCABS) {
    it(name, async () => {
      const bytes = writeGgufModel(spec);
      const path = join(dir, `${spec.specials!.length}-${spec.specials![0].replace(/\W/g, '')}.gguf`);
      writeFileSync(path, bytes);
      const om = await openModel([bytesSource('m.gguf', bytes)]);
      const lc = await LlamaCppModel.open(path, { contextSize: 32, threads: 1 });
      try {
        const V = testVocab(spec).vocab.length;
        const theirs = lc.eogIds(V);
        expect(om.eos).toEqual(theirs);
        expect(theirs.length).toBeGreaterThan(1); // more than the one EOS this project stopped on before
        if (spec.chatTemplate) {
          const tok = makeTokenizer(om.tokenizer, om.eos)!;
          const { text, ids } = chatPromptIds(tok, om.chatTemplate!, 'hello there');
          expect(ids).toEqual(lc.tokenizeSpecial(text));
          expect(ids.filter((i) => i === sp(0))).toHaveLength(2); // <|im_start|> parsed as one token, twice
        }
      } finally {
        await lc.dispose();
      }
    });
  }
});
