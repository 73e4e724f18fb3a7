// Instruct / chat models: the published chat templates of Llama-3.1-Instruct, Qwen2.5-Instruct, Gemma-3-it and
// Phi-3-mini-instruct rendered for one user message (expected strings written by hand from the templates); the
// end-of-generation ids of GGUF vocabularies (llama.cpp's rules, src/llama-vocab.cpp) and of Hugging Face files; the
// chat prompt's token ids (special tokens parsed, one BOS); and generation that now stops at an end-of-turn token.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatPromptIds, chatTemplateName, encodePrompt, ggufEogIds, hfChatTemplate, hfEosIds, renderChat, ChatTemplateError, type ChatTemplate } from '../../src/llm/chat.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { loadAllWeights, openModel } from '../../src/llm/weights.ts';
import { makeTokenizer } from '../../src/llm/tokenizer.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { generateCpu } from '../../src/llm/generate.ts';
import { END_TOKEN, TINY_LLAMA, testVocab, writeGgufModel, writeSafetensorsModel, type TestModelSpec } from '../../src/llm/testmodel.ts';
import type { GgufValue } from '../../src/llm/gguf.ts';

// The templates byte for byte as published (fixtures/chat-templates/README.md gives each one's tokenizer_config.json URL).
const fixture = (n: string) => readFileSync(new URL(`./fixtures/chat-templates/${n}.jinja`, import.meta.url), 'utf8');
const tmpl = (text: string, bosToken: string, eosToken: string): ChatTemplate => ({ source: 'test', name: chatTemplateName(text), text, bosToken, eosToken });

describe('published chat templates render one user turn and open the assistant turn', () => {
  it('Llama-3.1-8B-Instruct: BOS, its default system header with the knowledge and "today" dates, the trimmed user turn', () => {
    // https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/tokenizer_config.json
    const t = tmpl(fixture('llama-3.1-8b-instruct'), '<|begin_of_text|>', '<|eot_id|>');
    expect(t.name).toBe('Llama-3');
    expect(renderChat(t, '  Hi there \n')).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>'
      + '<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
  });
  it('Qwen2.5-7B-Instruct (ChatML): its default system message, the user turn as given, no BOS', () => {
    // https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/tokenizer_config.json
    const t = tmpl(fixture('qwen2.5-7b-instruct'), '', '<|im_end|>');
    expect(t.name).toBe('ChatML');
    expect(renderChat(t, 'Hi there ')).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi there <|im_end|>\n<|im_start|>assistant\n');
  });
  it('Gemma-3-it: BOS, the user turn trimmed, the model turn opened', () => {
    // https://huggingface.co/google/gemma-3-1b-it/blob/main/tokenizer_config.json
    const t = tmpl(fixture('gemma-3-it'), '<bos>', '<eos>');
    expect(t.name).toBe('Gemma');
    expect(renderChat(t, ' Hi there\n')).toBe('<bos><start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\n');
  });
  it('Phi-3-mini-4k-instruct: <|user|> ... <|end|>, then <|assistant|>', () => {
    // https://huggingface.co/microsoft/Phi-3-mini-4k-instruct/blob/main/tokenizer_config.json
    const t = tmpl(fixture('phi-3-mini-4k-instruct'), '<s>', '<|endoftext|>');
    expect(t.name).toBe('Phi-3');
    expect(renderChat(t, 'Hi there')).toBe('<|user|>\nHi there<|end|>\n<|assistant|>\n');
  });
  it('a template that fails says so in one line and how to run without it', () => {
    const t = tmpl("{{ raise_exception('System role not supported') }}", '', '');
    expect(() => renderChat(t, 'x')).toThrow(ChatTemplateError);
    expect(() => renderChat(t, 'x')).toThrow(/^the model's chat template \(custom, test\) did not render: .*System role not supported.*Turn the chat option off/);
    expect(() => renderChat(tmpl('{% for %}', '', ''), 'x')).toThrow(ChatTemplateError);
  });
  it("tokenizer_config.json: chat_template as a string or named templates ('default'), bos / eos as strings or {content}", () => {
    expect(hfChatTemplate({ chat_template: 'A', bos_token: { content: '<s>' }, eos_token: '</s>' })).toEqual({ source: 'tokenizer_config.json chat_template', name: 'custom', text: 'A', bosToken: '<s>', eosToken: '</s>' });
    expect(hfChatTemplate({ chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }] })?.text).toBe('D');
    expect(hfChatTemplate({})).toBeUndefined();
    expect(hfChatTemplate({ chat_template: 7 })).toBeUndefined();
  });
});

/** A GGUF vocabulary's metadata: `tokens` in id order (all control type), a gpt2 model, and more keys. */
const vocabMeta = (tokens: string[], keys: Record<string, GgufValue> = {}) =>
  new Map<string, GgufValue>([['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.tokens', tokens], ...Object.entries(keys)]);

describe("end-of-generation ids: llama.cpp's rules for a GGUF, config.json + generation_config.json for Hugging Face", () => {
  it('Llama-3.x Instruct: EOS <|end_of_text|>, and <|eot_id|> and <|eom_id|> by their text', () => {
    const m = vocabMeta(['a', '<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|eot_id|>', '<|eom_id|>'], { 'tokenizer.ggml.eos_token_id': 2 });
    expect(ggufEogIds(m)).toEqual([2, 4, 5]);
  });
  it('Qwen2.5 (ChatML): <|im_end|>, <|endoftext|>, and the FIM pad / repo / file-separator tokens', () => {
    const m = vocabMeta(['a', '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'], { 'tokenizer.ggml.eos_token_id': 1 });
    expect(ggufEogIds(m)).toEqual([1, 3, 5, 6, 7]);
  });
  it('Gemma-3 and Phi-3: <end_of_turn> / <eos>; <|end|> / <|endoftext|> / </s>; eot_token_id is added whatever its text', () => {
    expect(ggufEogIds(vocabMeta(['<pad>', '<eos>', '<bos>', '<start_of_turn>', '<end_of_turn>'], { 'tokenizer.ggml.eos_token_id': 1 }))).toEqual([1, 4]);
    expect(ggufEogIds(vocabMeta(['<unk>', '<s>', '</s>', '<|endoftext|>', '<|assistant|>', '<|end|>', '<|user|>'], { 'tokenizer.ggml.eos_token_id': 3 }))).toEqual([2, 3, 5]);
    expect(ggufEogIds(vocabMeta(['a', 'b', '<my_stop>'], { 'tokenizer.ggml.eos_token_id': 0, 'tokenizer.ggml.eot_token_id': 2 }))).toEqual([0, 2]);
  });
  it("llama.cpp's defaults and workarounds: EOS 11 / 2 without a key; <|end|> dropped beside <|return|> and <|call|>; </s> beside <|tool_response>", () => {
    expect(ggufEogIds(vocabMeta(Array.from({ length: 12 }, (_, i) => `t${i}`)))).toEqual([11]);
    expect(ggufEogIds(vocabMeta(['a', 'b'], {}))).toEqual([]); // the default 11 is outside a 2-token vocabulary
    expect(ggufEogIds(new Map<string, GgufValue>([['tokenizer.ggml.model', 'llama'], ['tokenizer.ggml.tokens', ['<unk>', '<s>', '</s>']]]))).toEqual([2]);
    expect(ggufEogIds(vocabMeta(['<|return|>', '<|call|>', '<|end|>', '<|endoftext|>'], { 'tokenizer.ggml.eos_token_id': 3 }))).toEqual([0, 1, 3]);
    expect(ggufEogIds(vocabMeta(['</s>', '<|tool_response>', '<turn|>'], { 'tokenizer.ggml.eos_token_id': 2 }))).toEqual([1, 2]);
  });
  it('Hugging Face: config.json eos_token_id (an id or a list), then generation_config.json\'s, each once', () => {
    expect(hfEosIds({ eos_token_id: 128001 }, { eos_token_id: [128001, 128008, 128009] })).toEqual([128001, 128008, 128009]);
    expect(hfEosIds({ eos_token_id: [1, 106] }, undefined)).toEqual([1, 106]);
    expect(hfEosIds({ eos_token_id: null }, { eos_token_id: 'x' })).toEqual([]);
  });
});

// A tiny model whose vocabulary has ChatML's turn tokens right after the end token (ids 297 and 298).
const CHATML: TestModelSpec = { ...TINY_LLAMA, vocab: 320, specials: ['<|im_start|>', '<|im_end|>'], chatTemplate: fixture('qwen2.5-7b-instruct') };
const ggufOf = (s: TestModelSpec) => openModel([bytesSource('m.gguf', writeGgufModel(s))]);

describe('opened models carry their end-of-turn tokens and template', () => {
  it('GGUF: eos lists <|endoftext|> and <|im_end|>; the template is the file\'s; the chat prompt parses the turn tokens', async () => {
    const { vocab, eos } = testVocab(CHATML);
    const [imStart, imEnd] = [vocab.indexOf('<|im_start|>'), vocab.indexOf('<|im_end|>')];
    expect([eos, imStart, imEnd]).toEqual([296, 297, 298]);
    const om = await ggufOf(CHATML);
    expect(om.eos).toEqual([296, 298]);
    expect(om.chatTemplate).toMatchObject({ source: 'GGUF tokenizer.chat_template', name: 'ChatML', bosToken: '', eosToken: END_TOKEN });
    const tok = makeTokenizer(om.tokenizer, om.eos)!;
    expect(tok.eos).toEqual([296, 298]);
    const { text, ids } = chatPromptIds(tok, om.chatTemplate!, 'hello');
    expect(text).toBe('<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n');
    // the turn tokens are single ids where the text has them, the text between them tokenized as plain text
    const plain = (s: string) => tok.encode(s);
    expect(ids).toEqual([imStart, ...plain('system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.'), imEnd, ...plain('\n'),
      imStart, ...plain('user\nhello'), imEnd, ...plain('\n'), imStart, ...plain('assistant\n')]);
    expect(encodePrompt(tok, om.chatTemplate, 'hello', false)).toEqual(plain('hello'));
    await expect(ggufOf(TINY_LLAMA)).resolves.not.toHaveProperty('chatTemplate');
    const noTemplate = await ggufOf(TINY_LLAMA);
    expect(() => encodePrompt(makeTokenizer(noTemplate.tokenizer, noTemplate.eos)!, noTemplate.chatTemplate, 'x', true)).toThrow(/has no chat template.*turn the option off/);
  });
  it('a template that emits the BOS text the tokenizer adds anyway gives one BOS (llama.cpp cuts the text)', async () => {
    const bosSpec: TestModelSpec = { ...CHATML, chatTemplate: '{{ bos_token }}<|im_start|>user\n{{ messages[0].content }}', ggufMeta: { 'tokenizer.ggml.bos_token_id': { type: 'u32', value: 299 }, 'tokenizer.ggml.add_bos_token': { type: 'bool', value: true } } };
    const om = await ggufOf({ ...bosSpec, specials: ['<|im_start|>', '<|im_end|>', '<|bos|>'] });
    const tok = makeTokenizer(om.tokenizer, om.eos)!;
    expect(tok.bos).toBe(299);
    const r = chatPromptIds(tok, om.chatTemplate!, 'hi');
    expect(r.text).toBe('<|im_start|>user\nhi');
    expect(r.ids.filter((i) => i === 299)).toEqual([299]);
    expect(r.ids.slice(0, 2)).toEqual([299, 297]);
  });
  it('safetensors: generation_config.json adds end-of-turn ids, tokenizer_config.json brings the template', async () => {
    const files = writeSafetensorsModel(CHATML);
    expect(Object.keys(files)).toContain('tokenizer_config.json');
    const enc = new TextEncoder();
    const om = await openModel([...Object.entries(files).map(([n, b]) => bytesSource(n, b)), bytesSource('generation_config.json', enc.encode(JSON.stringify({ eos_token_id: [296, 298] })))]);
    expect(om.eos).toEqual([296, 298]);
    expect(om.chatTemplate).toMatchObject({ source: 'tokenizer_config.json chat_template', name: 'ChatML', eosToken: END_TOKEN });
    const without = await openModel(Object.entries(files).filter(([n]) => n !== 'tokenizer_config.json').map(([n, b]) => bytesSource(n, b)));
    expect(without.eos).toEqual([296]);
    expect(without.chatTemplate).toBeUndefined();
    await expect(openModel([...Object.entries(files).map(([n, b]) => bytesSource(n, b)), bytesSource('generation_config.json', enc.encode('{'))])).rejects.toThrow(/generation_config\.json is not valid JSON/);
  });
});

describe('generation stops at an end-of-turn token', () => {
  it('the tiny model greedily writes token T past the end token; named <|im_end|>, T ends the run there', async () => {
    const GREEDY = { temperature: 0, topK: 1, seed: 1 };
    const base: TestModelSpec = { ...TINY_LLAMA, vocab: 320 };
    const prompt = [17, 4, 250, 99, 3];
    const run = async (s: TestModelSpec, eos?: number[]) => {
      const om = await ggufOf(s);
      const r = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), prompt, { maxTokens: 12, sampling: GREEDY, eos: eos ?? makeTokenizer(om.tokenizer, om.eos)!.eos });
      return { om, r };
    };
    // unnamed padding tokens (<|reserved_N|>): only <|endoftext|> (296) ends a turn, and the model runs on
    const before = await run(base);
    expect(before.om.eos).toEqual([296]);
    expect(before.r.stop).toBe('length');
    const at = before.r.tokens.findIndex((t) => t > 296);
    expect(at, `a padding token among ${before.r.tokens.join(' ')}`).toBeGreaterThanOrEqual(0);
    const T = before.r.tokens[at];
    expect(at).toBeLessThan(11); // there are tokens after it that the run should not write
    // the same weights (seeded by shape), T renamed <|im_end|>: now an end-of-generation token
    const specials = [...Array.from({ length: T - 297 }, (_, i) => `<|reserved_${i}|>`), '<|im_end|>'];
    const after = await run({ ...base, specials });
    expect(after.om.eos).toEqual([296, T]);
    expect(after.r.stop).toBe('eos');
    expect(after.r.tokens).toEqual(before.r.tokens.slice(0, at + 1));
  });
});
