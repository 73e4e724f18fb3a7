// Tokenizer speed budget (issue 24 item 8): a 16,000-character prompt encodes in well under a second
// with a real Llama-2 (SentencePiece BPE, one segment: no pre-tokenizer splits it) and Llama-3
// (byte-level BPE) vocabulary, side by side with @huggingface/tokenizers on the same tokenizer.json.
// Budget: BUDGET_MS per encode (median of RUNS, cold tokenizer: the word cache does not help here).
// Usage: npm run bench:tokenizer  (exit 1 when a budget is missed or the ids differ from Hugging Face's)
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { summarize } from '../src/gpu/timing.ts';
import { tokenizerFromJson } from '../src/llm/tokenizer.ts';
import { llama2Json, llama3Json, longText, type Json } from './tokenizer-vocabs.ts';

const CHARS = 16_000;
const BUDGET_MS = 250;
const RUNS = 5;

const median = (xs: number[]) => summarize(xs).medianMs;
const text = longText(CHARS);
let failed = false;
console.log(`encode ${CHARS} characters, median of ${RUNS} (ms); budget ${BUDGET_MS} ms for ours`);
console.log('vocabulary   ours    @huggingface/tokenizers   tokens');
for (const [name, json] of [['llama2', llama2Json('legacy')], ['llama3', llama3Json()]] as Array<[string, Json]>) {
  const ours: number[] = [];
  const hf: number[] = [];
  let ids: number[] = [];
  let want: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const tok = tokenizerFromJson(json, []); // fresh: no cached words
    let t0 = performance.now();
    ids = tok.encode(text);
    ours.push(performance.now() - t0);
    const h = new HfTokenizer(json, {});
    t0 = performance.now();
    want = h.encode(text).ids;
    hf.push(performance.now() - t0);
  }
  const same = JSON.stringify(ids) === JSON.stringify(want);
  const ok = median(ours) <= BUDGET_MS && same;
  failed ||= !ok;
  console.log(`${name.padEnd(12)} ${median(ours).toFixed(1).padStart(6)}  ${median(hf).toFixed(1).padStart(10)}               ${ids.length}${same ? '' : '  IDS DIFFER'}${ok ? '' : '  FAIL'}`);
}
process.exit(failed ? 1 : 0);
