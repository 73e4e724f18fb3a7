// Instruct / chat models: the tokens that end a turn (llama.cpp's end-of-generation list for a GGUF,
// config.json + generation_config.json for Hugging Face files) and the model's own chat template
// (GGUF tokenizer.chat_template, tokenizer_config.json chat_template), rendered with @huggingface/jinja
// (the Jinja engine transformers.js uses) for one user message.

import { Template } from '@huggingface/jinja';
import { ModelFileError } from './source.ts';
import type { GgufValue } from './gguf.ts';
import type { Tokenizer } from './tokenizer.ts';

/** The model's chat template and the BOS / EOS texts it is rendered with. */
export interface ChatTemplate {
  /** Where it came from: "GGUF tokenizer.chat_template" or "tokenizer_config.json chat_template". */
  source: string;
  /** What it looks like (ChatML, Llama-3, Gemma, Phi-3, ...; "custom" when none of those). */
  name: string;
  text: string;
  bosToken: string;
  eosToken: string;
}

/** A chat template that does not render (a Jinja error, or the template's own raise_exception). */
export class ChatTemplateError extends ModelFileError {
  override name = 'ChatTemplateError';
}

// The token texts llama.cpp (src/llama-vocab.cpp, llama_vocab::impl::load, "maintain a list of tokens that cause
// end-of-generation") takes as end of generation wherever they are in a vocabulary.
const EOG_TEXTS = new Set(['<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>', '<|endoftext|>', '</s>',
  '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>', '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[']);
// FIM pad / repo / file-separator tokens, found by text when the file has no key for them (the same file), are EOG too.
const FIM_PAD_TEXTS = ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'];
const FIM_REP_TEXTS = ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'];
const FIM_SEP_TEXTS = ['<|file_sep|>'];

/**
 * A GGUF vocabulary's special token id for `key`, as llama.cpp reads it: the key when it is in the vocabulary,
 * else `fallback` (its per-tokenizer default) when that is, else null.
 */
function specialId(meta: Map<string, GgufValue>, n: number, key: string, fallback: number | null): number | null {
  const v = meta.get(key);
  const def = fallback !== null && fallback < n ? fallback : null;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n ? v : def;
}

/** llama.cpp's default BOS / EOS ids when the file names none (llama: SentencePiece 1 / 2; gpt2: 11 / 11). */
export function ggufSpecialIds(meta: Map<string, GgufValue>): { bos: number | null; eos: number | null } {
  const tokens = meta.get('tokenizer.ggml.tokens');
  const n = Array.isArray(tokens) ? tokens.length : 0;
  const model = String(meta.get('tokenizer.ggml.model') ?? '');
  const def = model === 'llama' ? { bos: 1, eos: 2 } : model === 'gpt2' ? { bos: 11, eos: 11 } : { bos: null, eos: null };
  return { bos: specialId(meta, n, 'tokenizer.ggml.bos_token_id', def.bos), eos: specialId(meta, n, 'tokenizer.ggml.eos_token_id', def.eos) };
}

/**
 * The token ids that end generation for a GGUF vocabulary, as llama.cpp computes its special_eog_ids: the FIM
 * pad / repo / separator tokens (key, else found by text), every token whose text is in llama.cpp's list
 * (<|eot_id|>, <|im_end|>, <|end|>, <end_of_turn>, <|endoftext|>, <|eom_id|>, ...), the EOS (key, else the
 * tokenizer's default), tokenizer.ggml.eot_token_id and eom_token_id; then its two workarounds (<|end|> dropped
 * beside <|return|> and <|call|>, or <|calls|> and <|flush|>; </s> dropped beside <|tool_response>). Sorted.
 * Where a vocabulary has several FIM texts of one kind llama.cpp takes the first its hash map yields; here the lowest id.
 */
export function ggufEogIds(meta: Map<string, GgufValue>): number[] {
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens)) return [];
  const vocab = tokens.map(String);
  const n = vocab.length;
  const byText = new Map<string, number>();
  vocab.forEach((t, i) => byText.set(t, i)); // llama.cpp's token_to_id: a repeated text keeps its last id
  const byTexts = (texts: string[]): number | null => {
    const ids = texts.map((t) => byText.get(t)).filter((i): i is number => i !== undefined);
    return ids.length ? Math.min(...ids) : null;
  };
  const eog = new Set<number>();
  const add = (id: number | null) => { if (id !== null) eog.add(id); };
  add(specialId(meta, n, 'tokenizer.ggml.fim_pad_token_id', null) ?? byTexts(FIM_PAD_TEXTS));
  add(specialId(meta, n, 'tokenizer.ggml.fim_rep_token_id', null) ?? byTexts(FIM_REP_TEXTS));
  add(specialId(meta, n, 'tokenizer.ggml.fim_sep_token_id', null) ?? byTexts(FIM_SEP_TEXTS));
  for (const [t, id] of byText) if (EOG_TEXTS.has(t)) eog.add(id);
  add(ggufSpecialIds(meta).eos);
  add(specialId(meta, n, 'tokenizer.ggml.eot_token_id', null));
  add(specialId(meta, n, 'tokenizer.ggml.eom_token_id', null));
  const has = (t: string) => [...eog].some((id) => vocab[id] === t);
  if ((has('<|return|>') && (has('<|call|>') || has('<|calls|>')) && has('<|end|>')) || ((has('<|call|>') || has('<|calls|>')) && has('<|flush|>') && has('<|end|>'))) {
    for (const id of [...eog]) if (vocab[id] === '<|end|>') eog.delete(id);
  }
  if (has('<|tool_response>')) for (const id of [...eog]) if (vocab[id] === '</s>') eog.delete(id);
  return [...eog].sort((a, b) => a - b);
}

/** Hugging Face files: config.json's eos_token_id (an id or a list) and generation_config.json's, in that order, each once. */
export function hfEosIds(...files: unknown[]): number[] {
  const out: number[] = [];
  for (const f of files) {
    const e = (f as { eos_token_id?: unknown } | null | undefined)?.eos_token_id;
    for (const v of Array.isArray(e) ? e : [e]) if (Number.isInteger(v) && (v as number) >= 0 && !out.includes(v as number)) out.push(v as number);
  }
  return out;
}

/** What a template looks like, by the markers of the families people download; "custom" otherwise. */
export function chatTemplateName(text: string): string {
  if (text.includes('<|start_header_id|>')) return 'Llama-3';
  if (text.includes('<|im_start|>')) return 'ChatML';
  if (text.includes('<start_of_turn>')) return 'Gemma';
  if (text.includes('<|user|>') && text.includes('<|end|>')) return 'Phi-3';
  if (text.includes('[INST]')) return 'Mistral / Llama-2 [INST]';
  return 'custom';
}

/**
 * A GGUF's tokenizer.chat_template, with its BOS / EOS token texts (llama.cpp: the pieces of those ids, which for a
 * control or user-defined token is its text; a BOS / EOS that is an ordinary token, a default id, gives '' here).
 */
export function ggufChatTemplate(meta: Map<string, GgufValue>): ChatTemplate | undefined {
  const text = meta.get('tokenizer.chat_template');
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const tokens = meta.get('tokenizer.ggml.tokens');
  const vocab = Array.isArray(tokens) ? tokens.map(String) : [];
  const types = (meta.get('tokenizer.ggml.token_type') as number[] | undefined) ?? [];
  const piece = (id: number | null) => (id !== null && (types[id] === 3 || types[id] === 4) ? vocab[id] ?? '' : '');
  const { bos, eos } = ggufSpecialIds(meta);
  return { source: 'GGUF tokenizer.chat_template', name: chatTemplateName(text), text, bosToken: piece(bos), eosToken: piece(eos) };
}

/** tokenizer_config.json's chat_template (a string, or named templates: "default"), bos_token and eos_token (a string or {content}). */
export function hfChatTemplate(cfg: unknown): ChatTemplate | undefined {
  const c = cfg as { chat_template?: unknown; bos_token?: unknown; eos_token?: unknown } | null;
  let text = c?.chat_template;
  if (Array.isArray(text)) text = (text as Array<{ name?: unknown; template?: unknown }>).find((t) => t?.name === 'default')?.template;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const tokenText = (t: unknown): string => (typeof t === 'string' ? t : typeof (t as { content?: unknown })?.content === 'string' ? (t as { content: string }).content : '');
  return { source: 'tokenizer_config.json chat_template', name: chatTemplateName(text), text, bosToken: tokenText(c?.bos_token), eosToken: tokenText(c?.eos_token) };
}

/** The template rendered for one user message, add_generation_prompt true (throws ChatTemplateError with the template's message). */
export function renderChat(t: ChatTemplate, prompt: string): string {
  try {
    return new Template(t.text).render({
      messages: [{ role: 'user', content: prompt }], add_generation_prompt: true, bos_token: t.bosToken, eos_token: t.eosToken,
    });
  } catch (e) {
    throw new ChatTemplateError(`the model's chat template (${t.name}, ${t.source}) did not render: ${(e as Error).message}. Turn the chat option off to run the prompt as it is.`);
  }
}

/**
 * The prompt's token ids through the chat template: rendered, then tokenized with special tokens parsed
 * (Tokenizer.encode matches added / control tokens verbatim). Where the tokenizer adds a BOS and the rendered
 * text starts with the BOS text, that text is cut first (llama.cpp's common_chat_templates_apply), so the
 * ids start with one BOS, not two.
 */
export function chatPromptIds(tok: Tokenizer, t: ChatTemplate, prompt: string): { text: string; ids: number[] } {
  let text = renderChat(t, prompt);
  if (tok.bos !== null && t.bosToken !== '' && text.startsWith(t.bosToken)) text = text.slice(t.bosToken.length);
  return { text, ids: tok.encode(text) };
}

/** One line naming a template: "ChatML (GGUF tokenizer.chat_template)". */
export const chatTemplateText = (t: ChatTemplate): string => `${t.name} (${t.source})`;

/**
 * The prompt's token ids: through the model's chat template when `chat` is on (a model without one is refused,
 * never run raw in silence), else the text as it is.
 */
export function encodePrompt(tok: Tokenizer, template: ChatTemplate | undefined, prompt: string, chat: boolean): number[] {
  if (!chat) return tok.encode(prompt);
  if (!template) throw new ModelFileError('the chat option is on but the model has no chat template (GGUF tokenizer.chat_template, or a tokenizer_config.json picked with the .safetensors): turn the option off');
  return chatPromptIds(tok, template, prompt).ids;
}
