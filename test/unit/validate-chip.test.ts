// npm run validate:chip: the table's structure (sources, conditions, roles, the sources the issue names),
// not the ratios' values (those are what the table reports, measured against the published figures).
import { describe, expect, it } from 'vitest';
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
      if (r.role === 'calibration') expect(r.calibrates, r.id).toMatch(/runtime\./);
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
    expect(summaryLine(s)).toBe('like-for-like rows: 4 of 5, median |ratio - 1| = 0.150, 3/4 within [0.75, 1.33]; held out: 3, median |ratio - 1| = 0.200, 2/3 within; calibration rows: 1');
  });
});
