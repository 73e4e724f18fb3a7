// npm run validate:chip: the table's structure (sources, conditions, roles, the sources the issue names),
// not the ratios' values (those are what the table reports, measured against the published figures).
import { describe, expect, it } from 'vitest';
import { loadRows, markdown, RANGE, summarise, validate } from '../../bench/validate-chip.ts';

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
});
