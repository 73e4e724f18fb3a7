// npm run validate:chip: the table's structure (sources, conditions, roles, the sources the issue names),
// not the ratios' values (those are what the table reports, measured against the published figures).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chipPreset } from '../../src/chip/presets.ts';
import { modelPreset, simulateModel } from '../../src/models/index.ts';
import { loadRows, markdown, RANGE, summarise, summaryLine, validate, type ValidationResult } from '../../bench/validate-chip.ts';

describe('validate:chip', () => {
  const rows = loadRows();
  const { results, summary } = validate(rows);

  it('every row names its source, URL, date, system and exact conditions; not-like-for-like rows name the missing mechanism', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const r of rows) {
      for (const k of ['source', 'url', 'date', 'system', 'conditions'] as const) expect(r[k].length, `${r.id}.${k}`).toBeGreaterThan(5);
      expect(r.measured).toBeGreaterThan(0);
      if (!r.likeForLike) expect(r.gap?.length, r.id).toBeGreaterThan(10);
      if (r.role === 'calibration') expect(r.calibrates, r.id).toMatch(/runtime\.|energy\./);
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('covers the sources the issue names, with held-out rows beside the calibration rows', () => {
    const has = (re: RegExp) => rows.some((r) => re.test(r.source));
    expect(has(/NIM.*Llama-3\.1-8b/)).toBe(true);
    expect(has(/NIM.*70b/)).toBe(true);
    expect(has(/TensorRT-LLM perf-overview/)).toBe(true);
    expect(rows.some((r) => /tt_transformers\/PERF\.md/.test(r.source) && r.chips === 1)).toBe(true); // n150
    expect(rows.some((r) => /tt_transformers\/PERF\.md/.test(r.source) && r.chips === 2)).toBe(true); // n300
    expect(has(/Groq/)).toBe(true);
    expect(rows.filter((r) => r.role === 'calibration').length).toBeGreaterThanOrEqual(1);
    expect(rows.filter((r) => r.role === 'held-out' && r.likeForLike).length).toBeGreaterThanOrEqual(5);
  });

  it('issue 26.4: every like-for-like row (latency and power) within [0.75, 1.33], median |ratio - 1| <= 0.15, overall and held out', () => {
    const lfl = results.filter((r) => r.likeForLike);
    for (const r of lfl) expect(r.within, `${r.id}: ratio ${r.ratio.toFixed(3)}`).toBe(true);
    expect(summary.medianAbsDev).toBeLessThanOrEqual(0.15);
    expect(summary.heldOut.medianAbsDev).toBeLessThanOrEqual(0.15);
  });

  it('prefill is checked like decode: TTFT rows from TensorRT-LLM (TP1 and TP4), NIM, and tt-transformers (n150 and n300, short and 64K prompts)', () => {
    const ttft = rows.filter((r) => r.metric === 'ttftMs');
    const has = (re: RegExp, chips: number, tokens?: number) => ttft.some((r) => re.test(r.source) && r.chips === chips && (tokens === undefined || r.tokens === tokens));
    expect(has(/TensorRT-LLM.*1st Token Latency/, 1, 128)).toBe(true);
    expect(has(/TensorRT-LLM.*1st Token Latency/, 1, 2048)).toBe(true);
    expect(has(/TensorRT-LLM.*1st Token Latency/, 4, 2048)).toBe(true);
    expect(has(/NIM/, 2)).toBe(true);
    expect(has(/PERF\.md/, 1, 128) && has(/PERF\.md/, 2, 128) && has(/PERF\.md/, 1, 65536) && has(/PERF\.md/, 2, 65536)).toBe(true);
    // the one calibrated prefill row is the n150 64K row (SDPA efficiency); its n300 twin is held out and like-for-like
    expect(ttft.filter((r) => r.role === 'calibration').map((r) => r.id)).toEqual(['tt-8b-n150-ttft-64k']);
    expect(ttft.find((r) => r.id === 'tt-8b-n300-ttft-64k')).toMatchObject({ role: 'held-out', likeForLike: true });
  });

  it('issue 26.3: the throughput rows run in-flight batching with the max tokens and max batch trtllm-bench set; both are like-for-like', () => {
    const thru = results.filter((r) => r.phase === 'throughput');
    expect(thru.length).toBeGreaterThanOrEqual(2);
    for (const r of thru) {
      expect(r.config, r.id).toMatch(/in-flight batching: \d+ sequences decoding at mean context \d+ \+ \d+ prefill tokens/);
      expect(r.maxTokens, r.id).toBeGreaterThan(0);
      expect(r.maxBatch, r.id).toBeGreaterThan(0);
    }
    expect(results.find((r) => r.id === 'trtllm-8b-h100-thru-2048-128')).toMatchObject({ likeForLike: true });
    // 128/128 runs past the 1,024 sequences of one decode-attention dispatch (the attention runs in groups): its
    // batch is set by the stack's 8,192 tokens per step (B + B x 128 / 127 <= 8192), as trtllm-bench's is
    const r128 = results.find((r) => r.id === 'trtllm-8b-h100-thru-128-128')!;
    expect(r128).toMatchObject({ likeForLike: true });
    expect(r128.config).toMatch(/in-flight batching: 4080 sequences decoding .*batch set by the max tokens per step/);
    // the rows that stay apart say why in terms of what still differs, not the missing mechanism
    for (const id of ['mlenergy-8b-h100-b64-jpt', 'mlenergy-70b-h100tp4-b8-jpt']) expect(rows.find((r) => r.id === id)?.gap, id).toMatch(/no vLLM runtime.*prompts' lengths/);
  });

  it('the tt-transformers accuracy-mode rows (bfp8 MLP) are held out, and their MLP GEMMs take the HiFi2 passes the performance mode\'s bfp4 LoFi ones do not', () => {
    // PERF.md (040a27c1) Accuracy table, Llama-3.1-8B: n150 25.2 t/s/u, TTFT 138 ms; n300 38.8 t/s/u, TTFT 79 ms
    const acc = rows.filter((r) => /PERF\.md, Accuracy table/.test(r.source));
    expect(acc.map((r) => [r.id, r.chips, r.metric, r.measured])).toEqual([
      ['tt-8b-n150-decode-accuracy', 1, 'tokensPerSUser', 25.2], ['tt-8b-n300-decode-accuracy', 2, 'tokensPerSUser', 38.8],
      ['tt-8b-n150-ttft-accuracy', 1, 'ttftMs', 138], ['tt-8b-n300-ttft-accuracy', 2, 'ttftMs', 79],
    ]);
    for (const r of acc) expect(r, r.id).toMatchObject({ role: 'held-out', likeForLike: true, precision: { weights: 'bfp8', mlpWeights: 'bfp8', kv: 'bfp8' } });
    // the mechanism the rows exercise: a 128-token prefill's MLP GEMMs take twice the compute (HiFi2 = 2 passes
    // of bfp8, LoFi = 1 of bfp4, model_config.py), the bfp8 QKV projection the same in both modes
    const chip = chipPreset('wormhole-n150').config, m = modelPreset('llama3-8b');
    const run = (mlpWeights: 'bfp4' | 'bfp8') => simulateModel(chip, m, { phase: 'prefill', tokens: 128, batch: 1, chips: 1, precision: { weights: 'bfp8', mlpWeights, kv: 'bfp8' } });
    const perf = run('bfp4'), accuracy = run('bfp8');
    const compute = (r: typeof perf, n: string) => r.ops.find((o) => o.name === n)!.breakdown.compute;
    for (const n of ['ffn-up', 'ffn-down']) expect(compute(accuracy, n) / compute(perf, n), n).toBeCloseTo(2, 9);
    expect(compute(accuracy, 'qkv')).toBe(compute(perf, 'qkv'));
  });

  it('each result is the model run for its row: a positive figure, ratio = model / measured, the range flag, the configuration', () => {
    for (const r of results) {
      expect(Number.isFinite(r.modelled) && r.modelled > 0, r.id).toBe(true);
      expect(r.ratio).toBe(r.modelled / r.measured);
      expect(r.within).toBe(r.ratio >= RANGE[0] && r.ratio <= RANGE[1]);
      expect(r.config).toContain(r.chip);
    }
  });

  it('the summary counts what it says, and the README table lists every row', () => {
    const lfl = results.filter((r) => r.likeForLike);
    expect(summary.rows).toBe(results.length);
    expect(summary.likeForLike).toBe(lfl.length);
    expect(summary.within).toBe(lfl.filter((r) => r.within).length);
    expect(summary.heldOut.rows).toBe(lfl.filter((r) => r.role === 'held-out').length);
    expect(summarise(results)).toEqual(summary);
    const md = markdown(results, summary);
    for (const r of results) expect(md).toContain(`| ${r.id} |`);
    expect(md).toMatch(/median \|ratio - 1\|/);
  });

  it('the summary is over like-for-like rows only: a hand-made case', () => {
    // ratios 1.0 (calibration), 1.2, 0.7 (out of range), 1.1 held out, and 2.0 not like-for-like:
    // like-for-like |ratio - 1| = 0, 0.2, 0.3, 0.1 -> median (0.1 + 0.2) / 2 = 0.15, 3 of 4 within;
    // held out 0.2, 0.3, 0.1 -> median 0.2, 2 of 3 within; the 2.0 row counts in `rows` only
    const row = (ratio: number, role: 'calibration' | 'held-out', likeForLike = true) =>
      ({ ratio, role, likeForLike, within: ratio >= RANGE[0] && ratio <= RANGE[1] }) as ValidationResult;
    const s = summarise([row(1.0, 'calibration'), row(1.2, 'held-out'), row(0.7, 'held-out'), row(1.1, 'held-out'), row(2.0, 'held-out', false)]);
    expect(s.rows).toBe(5);
    expect(s.likeForLike).toBe(4);
    expect(s.medianAbsDev).toBeCloseTo(0.15, 12);
    expect(s.within).toBe(3);
    expect(s.heldOut.rows).toBe(3);
    expect(s.heldOut.medianAbsDev).toBeCloseTo(0.2, 12);
    expect(s.heldOut.within).toBe(2);
    expect(s.calibration).toBe(1);
    expect(s.power.rows).toBe(0); // none of these rows has a power metric
    expect(summaryLine(s)).toBe('like-for-like rows: 4 of 5, median |ratio - 1| = 0.150, 3/4 within [0.75, 1.33]; held out: 3, median |ratio - 1| = 0.200, 2/3 within; ' +
      'power and energy: 0 rows, median |ratio - 1| = NaN, 0/0 within (held out 0/0); calibration rows: 1');
  });

  it('power and energy rows are summarised apart as well: a hand-made case', () => {
    // like-for-like power rows 1.0 (calibration), 0.8 and 1.5 (out) held out; an energy row 0.5 that is not
    // like-for-like counts nowhere; a latency row 1.1 counts in the whole summary but not in the power part
    const row = (ratio: number, role: 'calibration' | 'held-out', metric: ValidationResult['metric'], likeForLike = true) =>
      ({ ratio, role, metric, likeForLike, within: ratio >= RANGE[0] && ratio <= RANGE[1] }) as ValidationResult;
    const s = summarise([row(1.0, 'calibration', 'powerWPerChip'), row(0.8, 'held-out', 'powerWPerChip'), row(1.5, 'held-out', 'powerWPerChip'),
      row(0.5, 'held-out', 'joulesPerToken', false), row(1.1, 'held-out', 'itlMs')]);
    expect(s.power).toEqual({ rows: 3, medianAbsDev: expect.closeTo(0.2, 12) as number, within: 2, heldOut: 2, heldOutWithin: 1 });
    expect(s.likeForLike).toBe(4);
  });

  it('holds measured power or energy during LLM inference on real systems, with a calibration row and held-out rows', () => {
    const pow = rows.filter((r) => r.metric === 'powerWPerChip' || r.metric === 'joulesPerToken');
    expect(pow.some((r) => /ML\.ENERGY/.test(r.source) && r.chip === 'h100')).toBe(true);
    expect(pow.filter((r) => r.role === 'calibration').length).toBe(1);
    expect(pow.filter((r) => r.role === 'held-out' && r.likeForLike).length).toBeGreaterThanOrEqual(3);
    expect(pow.some((r) => (r.chips ?? 1) > 1)).toBe(true); // a tensor-parallel system too
  });

  it('a row with an unknown metric is refused with one line naming the allowed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-'));
    const f = join(dir, 'rows.json');
    const good = loadRows()[0];
    writeFileSync(f, JSON.stringify({ rows: [{ ...good, metric: 'wattsPerToken' }] }));
    expect(() => loadRows(f)).toThrow(/metric must be one of itlMs, .*powerWPerChip, joulesPerToken/);
  });
});
