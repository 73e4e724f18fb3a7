// Real vocabularies from npm packages turned into the tokenizer.json Hugging Face publishes for each
// model (the tokenizer tests and bench:tokenizer read them; dev dependencies only).
//
// How each tokenizer.json is built (the layouts of the published files, gpt2 / meta-llama/Llama-2-7b-hf /
// meta-llama/Meta-Llama-3-8B on the Hugging Face hub):
// - GPT-2: r50k_base's ranks are token bytes; vocab = GPT-2's byte-to-unicode map of each token, merges
//   the way transformers' TikTokenConverter derives them (every split of a token into two tokens, ordered
//   by the token's rank, then by the parts' ranks). ByteLevel pre-tokenizer, <|endoftext|> = 50256.
// - Llama-2: the package's 32,000 tokens and 61,249 merges in their order; the legacy normalizer
//   (Prepend "▁", Replace " " -> "▁"), byte fallback, <s> added by the template. A second file uses the
//   newer Metaspace pre-tokenizer (prepend_scheme "first", no split), which puts "▁" only at the start.
// - Llama-3: 128,000 tokens + 256 special tokens, 280,147 merges, Split(Llama-3 regex) + ByteLevel,
//   ignore_merges, <|begin_of_text|> added by the template.
import llama2 from 'llama-tokenizer-js';
import llama3 from 'llama3-tokenizer-js';
import r50k from 'gpt-tokenizer/bpeRanks/r50k_base';

export type Json = Record<string, unknown>;

/** GPT-2's byte -> printable character map (written out here independently of src/llm/tokenizer.ts). */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = '!'.charCodeAt(0); b <= '~'.charCodeAt(0); b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const map: string[] = new Array(256);
  for (const b of bs) map[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) map[b] = String.fromCharCode(256 + n++);
  return map;
}

const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

export function gpt2Json(): Json {
  const u = bytesToUnicode();
  const enc = new TextEncoder();
  const vocab: Record<string, number> = {};
  (r50k as Array<string | number[]>).forEach((t, rank) => {
    const bytes = typeof t === 'string' ? enc.encode(t) : Uint8Array.from(t);
    vocab[Array.from(bytes, (b) => u[b]).join('')] = rank;
  });
  const merges: Array<[string, string, number, number, number]> = [];
  for (const [tok, rank] of Object.entries(vocab)) {
    const chars = [...tok];
    for (let i = 1; i < chars.length; i++) {
      const l = chars.slice(0, i).join(''), r = chars.slice(i).join('');
      if (vocab[l] !== undefined && vocab[r] !== undefined) merges.push([l, r, rank, vocab[l], vocab[r]]);
    }
  }
  merges.sort((a, b) => a[2] - b[2] || a[3] - b[3] || a[4] - b[4]);
  return {
    version: '1.0',
    added_tokens: [added(50256, '<|endoftext|>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: merges.map((m) => `${m[0]} ${m[1]}`) },
  };
}

/** Merges of a llama*-tokenizer-js package ("a b" -> priority) in their order. */
const orderedMerges = (m: Map<string, number>): string[] => [...m].sort((a, b) => a[1] - b[1]).map(([k]) => k);

/**
 * Llama-2's vocabulary in three tokenizer.json forms: 'legacy' (the published file: Prepend + Replace
 * normalizer, no pre-tokenizer), 'metaspace-first' (Metaspace pre-tokenizer, prepend_scheme first, no
 * split: what newer conversions write), 'metaspace-always' (prepend_scheme always, split into words at ▁).
 */
export function llama2Json(style: 'legacy' | 'metaspace-first' | 'metaspace-always'): Json {
  const vocab: Record<string, number> = {};
  llama2.vocabById.forEach((t: string, id: number) => { vocab[t] = id; });
  const template = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
  };
  const legacy = style === 'legacy';
  return {
    version: '1.0',
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: legacy ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] } : null,
    pre_tokenizer: legacy ? null : { type: 'Metaspace', replacement: '▁', prepend_scheme: style === 'metaspace-first' ? 'first' : 'always', split: style === 'metaspace-always' },
    post_processor: template,
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
    },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges: orderedMerges(llama2.merges) },
  };
}

const LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export function llama3Json(): Json {
  const vocab: Record<string, number> = {};
  const specials: Json[] = [];
  llama3.vocabById.forEach((t: string, id: number) => {
    if (id < 128000) vocab[t] = id;
    else specials.push(added(id, t));
  });
  return {
    version: '1.0',
    added_tokens: specials,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } },
        },
      ],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab, merges: orderedMerges(llama3.merges) },
  };
}


// ---- texts -----------------------------------------------------------------------------------

/** A deterministic generator of mixed strings from fragments (xorshift). */
export function generated(count: number, seed: number): string[] {
  const frags = ['the', ' the', 'The', '  ', ' ', '\n', '\t', '123', '4567', '3.5', 'é', 'ñ', '中文', '日本語', '😀', '👍🏽', '🇫🇷', 'ä', '{', '}', '();', '=>', '//', '"', "'s", "'LL", '_', '-', '...', 'tokenization', 'Llama', 'über', 'Ωμέγα', '\u00a0', 'x', 'z', '0', '  \n  ', 'ab', 'www'];
  let s = seed >>> 0;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(rnd() * 12);
    let t = '';
    for (let j = 0; j < n; j++) t += frags[Math.floor(rnd() * frags.length)];
    out.push(t);
  }
  return out;
}

/** A long prompt: prose, code and numbers repeated with variation up to `chars` characters. */
export function longText(chars: number): string {
  const parts = generated(4000, 99);
  let t = '';
  for (let i = 0; t.length < chars; i++) t += (i % 7 === 0 ? '\n' : ' ') + parts[i % parts.length] + ' word' + i;
  return t.slice(0, chars);
}

