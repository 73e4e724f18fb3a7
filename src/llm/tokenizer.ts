// Tokenizers read from the model's own files: Hugging Face tokenizer.json (BPE: byte-level like
// GPT-2 / Llama-3 / SmolLM, or SentencePiece-style "▁" BPE with byte fallback like Llama-2) and
// GGUF vocabularies (tokenizer.ggml.model "gpt2": byte-level BPE with merges; "llama": SentencePiece
// with scores). One small implementation serves both file kinds; the libraries we looked at cover
// tokenizer.json only.
//
// BPE runs in O(n log n) per pre-token: a linked list of symbols and a binary heap of candidate merges
// keyed by (merge rank or −score, left position), stale entries skipped when popped (the scheme of
// Hugging Face tokenizers' BPE word merge and llama.cpp's SentencePiece session). Text is first cut at
// added/special tokens (longest match first); each remaining segment is normalized and pre-tokenized
// on its own, so a prefix space ("▁", SentencePiece) goes where Hugging Face tokenizers and llama.cpp
// put it: the Prepend normalizer and llama.cpp's SPM tokenizer prefix every segment (also the one after
// a special token: "a</s>b" -> ▁a </s> ▁b), Metaspace prepend_scheme "always" every segment not already
// starting with ▁, "first" only the segment at the start of the text; a ByteLevel pre-tokenizer with
// add_prefix_space puts " " before every segment not starting with one.

import { ModelFileError } from './source.ts';
import type { GgufValue } from './gguf.ts';
import type { TokenizerSource } from './weights.ts';
import { ggufEogIds } from './chat.ts';

export interface Tokenizer {
  readonly vocabSize: number;
  /** Token ids of `text`; a BOS token first when the model's tokenizer adds one. */
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** Decodes token by token (partial UTF-8 sequences are held until complete). */
  streamDecoder(): { push(id: number): string; flush(): string };
  /** Token ids that end generation. */
  readonly eos: readonly number[];
  readonly bos: number | null;
  readonly kind: string;
}

// GPT-2's pre-tokenizer regex and Llama-3's (its (?i:...) group spelled out for JS engines without modifiers).
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const LLAMA3_SPLIT = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** GPT-2's reversible byte -> printable character map. */
function byteLevelTables(): { enc: string[]; dec: Map<string, number> } {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const enc: string[] = new Array(256);
  const dec = new Map<string, number>();
  bs.forEach((b, i) => { enc[b] = String.fromCodePoint(cs[i]); dec.set(enc[b], b); });
  return { enc, dec };
}
const BYTE_LEVEL = byteLevelTables();

/** Translates an Oniguruma/PCRE pattern from tokenizer.json for JS: (?i:...) groups become [xX] classes. */
export function toJsRegex(pattern: string): RegExp {
  const out = pattern.replace(/\(\?i:([^()]*)\)/g, (_, body: string) =>
    '(?:' + body.replace(/[a-zA-Z]/g, (ch) => `[${ch.toLowerCase()}${ch.toUpperCase()}]`) + ')');
  try {
    return new RegExp(out, 'gu');
  } catch (e) {
    throw new ModelFileError(`tokenizer: pre-tokenizer regex ${JSON.stringify(pattern)} is not supported here (${(e as Error).message})`);
  }
}

type Splitter = (pieces: string[]) => string[];

/** Splits each piece at the regex's matches, keeping matches and the text between them ("Isolated"). */
function regexSplitter(re: RegExp): Splitter {
  return (pieces) => {
    const out: string[] = [];
    for (const p of pieces) {
      let last = 0;
      for (const m of p.matchAll(re)) {
        if (m[0].length === 0) continue;
        if (m.index > last) out.push(p.slice(last, m.index));
        out.push(m[0]);
        last = m.index + m[0].length;
      }
      if (last < p.length) out.push(p.slice(last));
    }
    return out;
  };
}

/**
 * Where a SentencePiece-style tokenizer puts its prefix "▁": on no segment, on the segment at the
 * start of the text only, or on every segment (after each added token too); `always`: even when the
 * segment already starts with ▁ (the Prepend normalizer, llama.cpp), else only when it does not (Metaspace).
 */
interface PrefixRule {
  where: 'none' | 'first' | 'every';
  always: boolean;
}

interface Options {
  vocab: string[];
  /** Merge ranks ("a b" -> rank) for rank-based BPE; or scores for SentencePiece-style merging. */
  ranks?: Map<string, number>;
  scores?: Float32Array;
  mode: 'byte-level' | 'metaspace';
  splitters: Splitter[];
  /** Tokens matched verbatim before anything else (special and added tokens). */
  added: Array<{ id: number; content: string; special: boolean }>;
  bos: number | null;
  eos: number[];
  byteFallback: boolean;
  /** Llama-3: a pre-token found whole in the vocabulary is not merged further. */
  ignoreMerges: boolean;
  /** Byte-level: a space before the text (ByteLevel add_prefix_space); SentencePiece: the "▁" rule. */
  prefixSpace: boolean;
  prefix: PrefixRule;
  /** SentencePiece-style: split each segment into words starting at "▁" (Metaspace split: true). */
  splitWords: boolean;
  kind: string;
}

/** A binary min-heap of candidate merges ordered by (key, left position). */
class MergeHeap {
  private key: number[] = [];
  private pos: number[] = [];
  private right: number[] = [];
  private verL: number[] = [];
  private verR: number[] = [];
  get size(): number { return this.key.length; }
  private less(a: number, b: number): boolean {
    return this.key[a] < this.key[b] || (this.key[a] === this.key[b] && this.pos[a] < this.pos[b]);
  }
  private swap(a: number, b: number): void {
    for (const arr of [this.key, this.pos, this.right, this.verL, this.verR]) { const t = arr[a]; arr[a] = arr[b]; arr[b] = t; }
  }
  push(key: number, pos: number, right: number, verL: number, verR: number): void {
    let i = this.key.length;
    this.key.push(key); this.pos.push(pos); this.right.push(right); this.verL.push(verL); this.verR.push(verR);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.less(i, up)) break;
      this.swap(i, up);
      i = up;
    }
  }
  /** Removes the smallest entry into `out` ([pos, right, verL, verR]). */
  pop(out: number[]): void {
    out[0] = this.pos[0]; out[1] = this.right[0]; out[2] = this.verL[0]; out[3] = this.verR[0];
    const last = this.key.length - 1;
    this.swap(0, last);
    for (const arr of [this.key, this.pos, this.right, this.verL, this.verR]) arr.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/** The added tokens in `text`, left to right: at each position the longest that starts there, past the one before. */
type AddedFinder = (text: string) => Iterable<{ index: number; content: string }>;

/** A lone surrogate: a content with one could match half a pair, which only the regex's code points rule out. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Finds added tokens as the alternation of all of them, longest first, does (/a|b/gu with matchAll). Vocabularies with
 * many added tokens (Llama-3's 256 reserved, Gemma's thousands of unused, a test vocabulary padded to 256,000) made
 * that one regex slow to compile and to run (seconds per encode at 256,000); here each position looks up the few
 * content lengths that start with its character. Non-empty, well-formed contents only: any other keeps the regex.
 */
function addedFinder(contents: readonly string[]): AddedFinder | null {
  if (contents.length === 0) return null;
  if (contents.some((c) => c.length === 0 || LONE_SURROGATE.test(c))) {
    const re = new RegExp([...contents].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu');
    return (text) => Array.from(text.matchAll(re), (m) => ({ index: m.index, content: m[0] }));
  }
  const set = new Set(contents);
  // per first UTF-16 unit, the lengths of the contents starting with it, longest first
  const lengths = new Map<number, number[]>();
  for (const c of set) {
    const l = lengths.get(c.charCodeAt(0)) ?? [];
    if (!l.includes(c.length)) l.push(c.length);
    lengths.set(c.charCodeAt(0), l);
  }
  for (const l of lengths.values()) l.sort((a, b) => b - a);
  return function* (text) {
    for (let i = 0; i < text.length; i++) {
      for (const n of lengths.get(text.charCodeAt(i)) ?? []) {
        const content = text.slice(i, i + n);
        if (content.length === n && set.has(content)) {
          yield { index: i, content };
          i += n - 1;
          break;
        }
      }
    }
  };
}

/** Word cache limit: pre-tokens longer than this (a whole SentencePiece segment) are not cached. */
const CACHE_WORD_CHARS = 256;

class BpeTokenizer implements Tokenizer {
  private readonly ids = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly findAdded: AddedFinder | null;
  private readonly addedIds: Map<string, number>;
  private readonly specialIds: Set<number>;
  readonly vocabSize: number;
  readonly eos: readonly number[];
  readonly bos: number | null;
  readonly kind: string;

  constructor(private readonly o: Options) {
    o.vocab.forEach((t, i) => { if (!this.ids.has(t)) this.ids.set(t, i); });
    this.vocabSize = o.vocab.length;
    this.eos = o.eos;
    this.bos = o.bos;
    this.kind = o.kind;
    this.addedIds = new Map(o.added.map((a) => [a.content, a.id]));
    this.specialIds = new Set(o.added.filter((a) => a.special).map((a) => a.id));
    this.findAdded = addedFinder(o.added.map((a) => a.content));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    if (this.o.bos !== null) out.push(this.o.bos);
    let last = 0;
    let first = true;
    const plain = (s: string) => {
      if (s.length) this.encodePlain(s, first, out);
    };
    if (this.findAdded) {
      for (const m of this.findAdded(text)) {
        plain(text.slice(last, m.index));
        out.push(this.addedIds.get(m.content)!);
        first = false;
        last = m.index + m.content.length;
      }
    }
    plain(text.slice(last));
    return out;
  }

  /** One segment between added tokens; `first`: it starts the text. */
  private encodePlain(text: string, first: boolean, out: number[]): void {
    if (this.o.mode === 'metaspace') {
      let s = text.replace(/ /g, '▁');
      const { where, always } = this.o.prefix;
      if ((where === 'every' || (where === 'first' && first)) && (always || !s.startsWith('▁'))) s = '▁' + s;
      if (!this.o.splitWords) this.word(s, out);
      else for (const w of s.split(/(?=▁)/u)) if (w.length) this.word(w, out);
      return;
    }
    // ByteLevel add_prefix_space: every segment, as tokenizers' ByteLevel pre-tokenizer runs on each piece
    let pieces = [this.o.prefixSpace && !text.startsWith(' ') ? ' ' + text : text];
    for (const sp of this.o.splitters) pieces = sp(pieces);
    const enc = new TextEncoder();
    for (const p of pieces) {
      let s = '';
      for (const b of enc.encode(p)) s += BYTE_LEVEL.enc[b];
      this.word(s, out);
    }
  }

  /** BPE over one pre-token (a string of vocabulary characters). */
  private word(w: string, out: number[]): void {
    const hit = this.cache.get(w);
    if (hit) { for (const id of hit) out.push(id); return; }
    const ids: number[] = [];
    const whole = this.ids.get(w);
    if (this.o.ignoreMerges && whole !== undefined) ids.push(whole);
    else {
      const syms = this.merge([...w]);
      for (const s of syms) {
        const id = this.ids.get(s);
        if (id !== undefined) ids.push(id);
        else if (this.o.byteFallback) {
          for (const b of new TextEncoder().encode(s)) {
            const bid = this.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
            if (bid === undefined) throw new ModelFileError(`tokenizer: byte fallback token <0x${b.toString(16).toUpperCase()}> is missing from the vocabulary`);
            ids.push(bid);
          }
        } else {
          const unk = this.ids.get('<unk>') ?? this.ids.get('[UNK]');
          if (unk === undefined) throw new ModelFileError(`tokenizer: ${JSON.stringify(s)} is not in the vocabulary and there is no byte fallback or <unk>`);
          ids.push(unk);
        }
      }
    }
    if (this.cache.size < 50_000 && w.length <= CACHE_WORD_CHARS) this.cache.set(w, ids);
    for (const id of ids) out.push(id);
  }

  /** Merge priority of two adjacent symbols (lower first): the merge's rank, or minus the merged token's score; undefined: no merge. */
  private pairKey(a: string, b: string): number | undefined {
    const { ranks, scores } = this.o;
    if (ranks) return ranks.get(a + ' ' + b);
    if (scores) {
      const id = this.ids.get(a + b);
      if (id !== undefined) return -scores[id];
    }
    return undefined;
  }

  /** Counts heap pushes of the last merge() (the work bound tests read). */
  mergeOps = 0;

  /**
   * BPE: repeatedly merges the adjacent pair of lowest key, leftmost first, until none is left. A
   * linked list of symbols and a heap of candidate pairs: each merge pushes at most two new pairs, so
   * n symbols cost O(n log n). A popped pair whose symbols changed since it was pushed (versions) is stale.
   */
  private merge(syms: string[]): string[] {
    const n = syms.length;
    this.mergeOps = 0;
    if (n < 2) return syms;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const ver = new Uint32Array(n);
    for (let i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
    const heap = new MergeHeap();
    const consider = (i: number) => {
      const j = next[i];
      if (j < 0) return;
      const key = this.pairKey(syms[i], syms[j]);
      if (key === undefined) return;
      heap.push(key, i, j, ver[i], ver[j]);
      this.mergeOps++;
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    const e = [0, 0, 0, 0];
    while (heap.size) {
      heap.pop(e);
      const [i, j, vi, vj] = e;
      if (ver[i] !== vi || ver[j] !== vj || next[i] !== j) continue; // stale: a neighbour merged since
      syms[i] += syms[j];
      ver[i]++;
      ver[j]++;
      const k = next[j];
      next[i] = k;
      if (k >= 0) prev[k] = i;
      if (prev[i] >= 0) consider(prev[i]);
      consider(i);
    }
    const out: string[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(syms[i]);
    return out;
  }

  private tokenBytes(id: number): Uint8Array {
    const t = this.o.vocab[id];
    if (t === undefined) return new Uint8Array(0);
    if (this.specialIds.has(id)) return new Uint8Array(0);
    if (this.addedIds.has(t)) return new TextEncoder().encode(t);
    if (this.o.mode === 'byte-level') {
      const b: number[] = [];
      for (const ch of t) { const v = BYTE_LEVEL.dec.get(ch); if (v !== undefined) b.push(v); }
      return new Uint8Array(b);
    }
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
    if (m) return new Uint8Array([parseInt(m[1], 16)]);
    return new TextEncoder().encode(t.replace(/▁/g, ' '));
  }

  streamDecoder(): { push(id: number): string; flush(): string } {
    const td = new TextDecoder('utf-8', { fatal: false });
    let started = false;
    return {
      push: (id) => {
        let s = td.decode(this.tokenBytes(id), { stream: true });
        if (!started && s.length) {
          started = true;
          if (this.o.mode === 'metaspace' && this.o.prefix.where !== 'none' && s.startsWith(' ')) s = s.slice(1);
        }
        return s;
      },
      flush: () => td.decode(),
    };
  }

  decode(ids: readonly number[]): string {
    const d = this.streamDecoder();
    return ids.map((i) => d.push(i)).join('') + d.flush();
  }
}

// ---- from tokenizer.json -------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface PreFlags { byteLevel: boolean; prefixSpace: boolean; metaspace: boolean; prefix: PrefixRule; splitWords: boolean }

function splittersFrom(pre: Json | null | undefined, out: Splitter[], flags: PreFlags): void {
  if (!pre) return;
  switch (pre.type) {
    case 'Sequence':
      for (const p of (pre.pretokenizers as Json[]) ?? []) splittersFrom(p, out, flags);
      return;
    case 'ByteLevel':
      flags.byteLevel = true;
      if (pre.add_prefix_space === true) flags.prefixSpace = true;
      if (pre.use_regex !== false) out.push(regexSplitter(GPT2_SPLIT));
      return;
    case 'Split': {
      const pat = pre.pattern as { Regex?: string; String?: string };
      const re = pat.Regex !== undefined ? toJsRegex(pat.Regex) : new RegExp(String(pat.String).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
      if (pre.behavior !== 'Isolated' || pre.invert === true) {
        throw new ModelFileError(`tokenizer.json: Split pre-tokenizer with behavior ${String(pre.behavior)}${pre.invert ? ' (inverted)' : ''} is not supported (Isolated)`);
      }
      out.push(regexSplitter(re));
      return;
    }
    case 'Digits':
      out.push(regexSplitter(pre.individual_digits ? /\p{N}/gu : /\p{N}+/gu));
      return;
    case 'Metaspace': {
      flags.metaspace = true;
      // prepend_scheme (tokenizers ≥ 0.15): always | first | never; older files: add_prefix_space
      const scheme = pre.prepend_scheme ?? (pre.add_prefix_space === false ? 'never' : 'always');
      if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') throw new ModelFileError(`tokenizer.json: Metaspace prepend_scheme ${JSON.stringify(scheme)} is not supported (always, first, never)`);
      if ((pre.replacement ?? '▁') !== '▁') throw new ModelFileError(`tokenizer.json: Metaspace replacement ${JSON.stringify(pre.replacement)} is not supported (▁)`);
      flags.prefix = { where: scheme === 'always' ? 'every' : scheme === 'first' ? 'first' : 'none', always: false };
      flags.splitWords = pre.split !== false;
      return;
    }
    default:
      throw new ModelFileError(`tokenizer.json: pre-tokenizer ${String(pre.type)} is not supported (ByteLevel, Split, Digits, Metaspace, Sequence)`);
  }
}

export function tokenizerFromJson(json: unknown, eos: number[]): Tokenizer {
  const j = json as Json;
  const model = j.model as Json | undefined;
  if (!model || model.type !== 'BPE') throw new ModelFileError(`tokenizer.json: model type ${String(model?.type)} is not supported (BPE)`);
  const vocabObj = model.vocab as Record<string, number>;
  const added = ((j.added_tokens as Json[]) ?? []).map((a) => ({ id: a.id as number, content: a.content as string, special: a.special === true }));
  let size = 0; // not Math.max(...values): 128k arguments overflow the stack
  for (const id of Object.values(vocabObj)) if (id >= size) size = id + 1;
  for (const a of added) if (a.id >= size) size = a.id + 1;
  const vocab: string[] = new Array(size).fill('');
  for (const [t, id] of Object.entries(vocabObj)) vocab[id] = t;
  for (const a of added) vocab[a.id] = a.content;
  const ranks = new Map<string, number>();
  ((model.merges as Array<string | [string, string]>) ?? []).forEach((m, i) => ranks.set(Array.isArray(m) ? `${m[0]} ${m[1]}` : m, i));
  const splitters: Splitter[] = [];
  const flags: PreFlags = { byteLevel: false, prefixSpace: false, metaspace: false, prefix: { where: 'none', always: false }, splitWords: false };
  splittersFrom(j.pre_tokenizer as Json | null, splitters, flags);
  const dec = j.decoder as Json | null;
  if (dec?.type === 'ByteLevel') flags.byteLevel = true;
  const norm = JSON.stringify(j.normalizer ?? null);
  if (!flags.byteLevel && (norm.includes('▁') || flags.metaspace)) {
    flags.metaspace = true;
    // Llama-2's tokenizer.json: normalizer Sequence[Prepend "▁", Replace " " -> "▁"], applied to every
    // segment between added tokens (tokenizers' AddedVocabulary normalizes each piece it leaves).
    if (norm.includes('Prepend')) flags.prefix = { where: 'every', always: true };
  }
  if (!flags.byteLevel && !flags.metaspace) throw new ModelFileError('tokenizer.json: neither byte-level nor SentencePiece-style (▁) BPE; not supported');
  // BOS: the first special token of the post-processor's single-sequence template (Llama adds one).
  let bos: number | null = null;
  const pp = j.post_processor as Json | null;
  const templ = pp?.type === 'TemplateProcessing' ? pp : ((pp?.processors as Json[] | undefined) ?? []).find((p) => p.type === 'TemplateProcessing');
  const single = (templ?.single as Json[] | undefined) ?? [];
  const firstSpecial = single[0]?.SpecialToken as { id?: string } | undefined;
  if (firstSpecial?.id) bos = added.find((a) => a.content === firstSpecial.id)?.id ?? vocabObj[firstSpecial.id] ?? null;
  return new BpeTokenizer({
    vocab, ranks, mode: flags.byteLevel ? 'byte-level' : 'metaspace', splitters, added, bos, eos,
    byteFallback: model.byte_fallback === true, ignoreMerges: model.ignore_merges === true,
    prefixSpace: flags.prefixSpace, prefix: flags.prefix, splitWords: flags.splitWords, kind: flags.byteLevel ? 'tokenizer.json byte-level BPE' : 'tokenizer.json SentencePiece-style BPE',
  });
}

// ---- from GGUF metadata ------------------------------------------------------------------------

// llama.cpp's pre-tokenizers (src/llama-vocab.cpp: llama_vocab::impl::load maps a tokenizer.ggml.pre name to a
// LLAMA_VOCAB_PRE_TYPE, and llm_tokenizer_bpe runs that type's regexes in order). The types whose splits this loader
// runs, with llama.cpp's flags for them: ignoreMerges (a word that is one token is not merged up from bytes) and
// addBos (the BOS default when the file has no tokenizer.ggml.add_bos_token). "default" is llama.cpp's split for a file
// with no tokenizer.ggml.pre: punctuation runs, GPT-2's regex without its last \s+, digit runs, then groups of three.
interface PreType { splits: RegExp[]; ignoreMerges: boolean; addBos: boolean }
const QWEN2_SPLIT = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const GPT2_NO_TRAILING = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)/gu;
const PRE_TYPES = {
  default: { splits: [/[\p{P}$+<=>^~|]+/gu, GPT2_NO_TRAILING, /\p{N}+/gu, /[0-9][0-9][0-9]/gu], ignoreMerges: false, addBos: false },
  gpt2: { splits: [GPT2_SPLIT], ignoreMerges: false, addBos: false },
  llama3: { splits: [LLAMA3_SPLIT], ignoreMerges: true, addBos: true },
  // DBRX and Smaug: Llama-3's regex without its ignore_merges and BOS default
  dbrx: { splits: [LLAMA3_SPLIT], ignoreMerges: false, addBos: false },
  // Qwen2: Llama-3's regex with single digits
  qwen2: { splits: [QWEN2_SPLIT], ignoreMerges: false, addBos: false },
  // StarCoder and its kin (SmolLM, Command-R, ...): every digit alone, then GPT-2's regex
  starcoder: { splits: [/\p{N}/gu, GPT2_SPLIT], ignoreMerges: false, addBos: false },
  falcon: { splits: [/[\p{P}$+<=>^~|`]+/gu, GPT2_NO_TRAILING, /[0-9][0-9][0-9]/gu], ignoreMerges: false, addBos: false },
} satisfies Record<string, PreType>;

/**
 * tokenizer.ggml.pre names llama.cpp maps to those types (as its load() lists them); "gpt2" is kept for files this
 * project wrote before it used llama.cpp's spelling "gpt-2" (llama.cpp refuses it).
 */
const PRE_NAMES: Record<string, keyof typeof PRE_TYPES> = {
  default: 'default',
  ...Object.fromEntries(['gpt-2', 'gpt2', 'phi-2', 'jina-es', 'jina-de', 'gigachat', 'jina-v2-es', 'jina-v2-de', 'a.x-4.0', 'mellum', 'modern-bert',
    'mpt', 'olmo', 'jais', 'exaone4', 'trillion', 'granite-docling'].map((n) => [n, 'gpt2'])),
  ...Object.fromEntries(['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'].map((n) => [n, 'llama3'])),
  ...Object.fromEntries(['dbrx', 'smaug-bpe'].map((n) => [n, 'dbrx'])),
  ...Object.fromEntries(['qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'megrez', 'stablelm2', 'hunyuan', 'solar-open'].map((n) => [n, 'qwen2'])),
  ...Object.fromEntries(['starcoder', 'refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b', 'mellum2'].map((n) => [n, 'starcoder'])),
  falcon: 'falcon',
};

export function tokenizerFromGguf(meta: Map<string, GgufValue>): Tokenizer {
  const model = String(meta.get('tokenizer.ggml.model') ?? '');
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens)) throw new ModelFileError('GGUF metadata tokenizer.ggml.tokens is missing: the file has no vocabulary');
  const vocab = tokens.map(String);
  const types = (meta.get('tokenizer.ggml.token_type') as number[] | undefined) ?? [];
  const idOf = (k: string): number | null => { const v = meta.get(k); return typeof v === 'number' ? v : null; };
  // every end-of-generation token llama.cpp stops on (EOS, EOT, <|eot_id|>, <|im_end|>, <end_of_turn>, ...)
  const eos = ggufEogIds(meta);
  const bosId = idOf('tokenizer.ggml.bos_token_id');
  // Control (3) and user-defined (4) tokens are matched verbatim.
  const added = vocab.flatMap((content, id) => (types[id] === 3 || types[id] === 4 ? [{ id, content, special: types[id] === 3 }] : []));
  if (model === 'gpt2') {
    const merges = meta.get('tokenizer.ggml.merges');
    if (!Array.isArray(merges)) throw new ModelFileError('GGUF metadata tokenizer.ggml.merges is missing (needed by a "gpt2" BPE vocabulary)');
    const ranks = new Map<string, number>();
    merges.forEach((m, i) => ranks.set(String(m), i));
    // as llama.cpp: a missing (or empty) key is its default split, with a warning; a value it does not know is refused
    const given = String(meta.get('tokenizer.ggml.pre') ?? '');
    const pre = given === '' ? 'default' : given;
    if (!Object.hasOwn(PRE_NAMES, pre)) {
      throw new ModelFileError(`GGUF tokenizer.ggml.pre "${pre}" is not a pre-tokenizer this loader knows; supported: ${Object.keys(PRE_NAMES).join(', ')}`);
    }
    const type = PRE_TYPES[PRE_NAMES[pre]];
    const bosKey = meta.get('tokenizer.ggml.add_bos_token');
    const addBos = typeof bosKey === 'boolean' ? bosKey : type.addBos;
    return new BpeTokenizer({
      vocab, ranks, mode: 'byte-level', splitters: type.splits.map(regexSplitter), added,
      bos: addBos ? bosId : null, eos, byteFallback: false,
      ignoreMerges: type.ignoreMerges, prefixSpace: false, prefix: { where: 'none', always: false }, splitWords: false,
      kind: given === ''
        ? 'GGUF byte-level BPE (pre: default: the file has no tokenizer.ggml.pre, so llama.cpp\'s default split is used, as llama.cpp does; it warns that generation quality will be degraded)'
        : `GGUF byte-level BPE (pre: ${pre})`,
    });
  }
  if (model === 'llama') {
    const scores = meta.get('tokenizer.ggml.scores');
    if (!Array.isArray(scores)) throw new ModelFileError('GGUF metadata tokenizer.ggml.scores is missing (needed by a "llama" SentencePiece vocabulary)');
    const addBos = meta.get('tokenizer.ggml.add_bos_token') !== false;
    const addSpacePrefix = meta.get('tokenizer.ggml.add_space_prefix') !== false;
    return new BpeTokenizer({
      vocab, scores: Float32Array.from(scores as number[]), mode: 'metaspace', splitters: [], added,
      // llama.cpp's SPM tokenizer puts ' ' before every text fragment that follows a special token or starts the text
      bos: addBos ? bosId : null, eos, byteFallback: true, ignoreMerges: false, prefixSpace: false,
      prefix: { where: addSpacePrefix ? 'every' : 'none', always: true }, splitWords: false,
      kind: 'GGUF SentencePiece (llama)',
    });
  }
  throw new ModelFileError(`GGUF tokenizer.ggml.model "${model}" is not supported (gpt2, llama)`);
}

export function makeTokenizer(src: TokenizerSource, eos: number[]): Tokenizer | null {
  if (src.kind === 'tokenizer.json') return tokenizerFromJson(src.json, eos);
  if (src.kind === 'gguf') return tokenizerFromGguf(src.metadata);
  return null;
}
