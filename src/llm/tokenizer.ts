// Tokenizers read from the model's own files: Hugging Face tokenizer.json (BPE: byte-level like
// GPT-2 / Llama-3 / SmolLM, or SentencePiece-style "▁" BPE with byte fallback like Llama-2) and
// GGUF vocabularies (tokenizer.ggml.model "gpt2": byte-level BPE with merges; "llama": SentencePiece
// with scores). One small implementation serves both file kinds; the libraries we looked at cover
// tokenizer.json only.

import { ModelFileError } from './source.ts';
import type { GgufValue } from './gguf.ts';
import type { TokenizerSource } from './weights.ts';

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
  prefixSpace: boolean;
  kind: string;
}

class BpeTokenizer implements Tokenizer {
  private readonly ids = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly addedRe: RegExp | null;
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
    const alts = o.added.map((a) => a.content).sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.addedRe = alts.length ? new RegExp(alts.join('|'), 'gu') : null;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    if (this.o.bos !== null) out.push(this.o.bos);
    let last = 0;
    let first = true;
    const plain = (s: string) => {
      if (s.length) this.encodePlain(s, first, out);
      first = false;
    };
    if (this.addedRe) {
      for (const m of text.matchAll(this.addedRe)) {
        plain(text.slice(last, m.index));
        out.push(this.addedIds.get(m[0])!);
        first = false;
        last = m.index + m[0].length;
      }
    }
    plain(text.slice(last));
    return out;
  }

  private encodePlain(text: string, first: boolean, out: number[]): void {
    if (this.o.mode === 'metaspace') {
      let s = text.replace(/ /g, '▁');
      if (this.o.prefixSpace && first) s = '▁' + s;
      this.word(s, out);
      return;
    }
    let pieces = [this.o.prefixSpace && first && !text.startsWith(' ') ? ' ' + text : text];
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
    if (hit) { out.push(...hit); return; }
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
    if (this.cache.size < 50_000) this.cache.set(w, ids);
    out.push(...ids);
  }

  private merge(syms: string[]): string[] {
    const { ranks, scores } = this.o;
    for (;;) {
      let best = -1;
      let bestKey = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        let key: number | undefined;
        if (ranks) key = ranks.get(syms[i] + ' ' + syms[i + 1]);
        else if (scores) {
          const id = this.ids.get(syms[i] + syms[i + 1]);
          if (id !== undefined) key = -scores[id];
        }
        if (key !== undefined && key < bestKey) { bestKey = key; best = i; }
      }
      if (best < 0) return syms;
      syms.splice(best, 2, syms[best] + syms[best + 1]);
    }
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
          if (this.o.mode === 'metaspace' && this.o.prefixSpace && s.startsWith(' ')) s = s.slice(1);
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

function splittersFrom(pre: Json | null | undefined, out: Splitter[], flags: { byteLevel: boolean; prefixSpace: boolean; metaspace: boolean }): void {
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
    case 'Metaspace':
      flags.metaspace = true;
      if (pre.prepend_scheme !== 'never' && pre.add_prefix_space !== false) flags.prefixSpace = true;
      return;
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
  const size = Math.max(...Object.values(vocabObj), ...added.map((a) => a.id)) + 1;
  const vocab: string[] = new Array(size).fill('');
  for (const [t, id] of Object.entries(vocabObj)) vocab[id] = t;
  for (const a of added) vocab[a.id] = a.content;
  const ranks = new Map<string, number>();
  ((model.merges as Array<string | [string, string]>) ?? []).forEach((m, i) => ranks.set(Array.isArray(m) ? `${m[0]} ${m[1]}` : m, i));
  const splitters: Splitter[] = [];
  const flags = { byteLevel: false, prefixSpace: false, metaspace: false };
  splittersFrom(j.pre_tokenizer as Json | null, splitters, flags);
  const dec = j.decoder as Json | null;
  if (dec?.type === 'ByteLevel') flags.byteLevel = true;
  const norm = JSON.stringify(j.normalizer ?? null);
  if (!flags.byteLevel && (norm.includes('▁') || flags.metaspace)) {
    flags.metaspace = true;
    if (norm.includes('Prepend')) flags.prefixSpace = true;
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
    prefixSpace: flags.prefixSpace, kind: flags.byteLevel ? 'tokenizer.json byte-level BPE' : 'tokenizer.json SentencePiece-style BPE',
  });
}

// ---- from GGUF metadata ------------------------------------------------------------------------

// Keys are llama.cpp's tokenizer.ggml.pre names (src/llama-vocab.cpp); "gpt2" is kept for files
// this project wrote before it used llama.cpp's spelling "gpt-2".
const PRE_SPLITS: Record<string, RegExp[]> = {
  'gpt-2': [GPT2_SPLIT],
  gpt2: [GPT2_SPLIT],
  'llama-bpe': [LLAMA3_SPLIT],
  llama3: [LLAMA3_SPLIT],
  smollm: [/\p{N}/gu, GPT2_SPLIT],
};

export function tokenizerFromGguf(meta: Map<string, GgufValue>): Tokenizer {
  const model = String(meta.get('tokenizer.ggml.model') ?? '');
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens)) throw new ModelFileError('GGUF metadata tokenizer.ggml.tokens is missing: the file has no vocabulary');
  const vocab = tokens.map(String);
  const types = (meta.get('tokenizer.ggml.token_type') as number[] | undefined) ?? [];
  const idOf = (k: string): number | null => { const v = meta.get(k); return typeof v === 'number' ? v : null; };
  const eosId = idOf('tokenizer.ggml.eos_token_id');
  const bosId = idOf('tokenizer.ggml.bos_token_id');
  // Control (3) and user-defined (4) tokens are matched verbatim.
  const added = vocab.flatMap((content, id) => (types[id] === 3 || types[id] === 4 ? [{ id, content, special: types[id] === 3 }] : []));
  if (model === 'gpt2') {
    const merges = meta.get('tokenizer.ggml.merges');
    if (!Array.isArray(merges)) throw new ModelFileError('GGUF metadata tokenizer.ggml.merges is missing (needed by a "gpt2" BPE vocabulary)');
    const ranks = new Map<string, number>();
    merges.forEach((m, i) => ranks.set(String(m), i));
    const pre = String(meta.get('tokenizer.ggml.pre') ?? 'gpt2');
    const addBos = meta.get('tokenizer.ggml.add_bos_token') === true;
    return new BpeTokenizer({
      vocab, ranks, mode: 'byte-level', splitters: (PRE_SPLITS[pre] ?? PRE_SPLITS.gpt2).map(regexSplitter), added,
      bos: addBos ? bosId : null, eos: eosId === null ? [] : [eosId], byteFallback: false,
      ignoreMerges: pre === 'llama-bpe' || pre === 'llama3', prefixSpace: false, kind: `GGUF byte-level BPE (pre: ${pre})`,
    });
  }
  if (model === 'llama') {
    const scores = meta.get('tokenizer.ggml.scores');
    if (!Array.isArray(scores)) throw new ModelFileError('GGUF metadata tokenizer.ggml.scores is missing (needed by a "llama" SentencePiece vocabulary)');
    const addBos = meta.get('tokenizer.ggml.add_bos_token') !== false;
    return new BpeTokenizer({
      vocab, scores: Float32Array.from(scores as number[]), mode: 'metaspace', splitters: [], added,
      bos: addBos ? bosId : null, eos: eosId === null ? [] : [eosId], byteFallback: true, ignoreMerges: false, prefixSpace: true,
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
