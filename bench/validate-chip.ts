// `npm run validate:chip [-- --json]`: the chip model against published measurements
// (bench/validate-chip.json: each row's source, date, exact conditions and how the model runs it).
// Prints one line per row (configuration, measured, model, ratio = model / measured, role) and a
// summary over the like-for-like rows: median |ratio - 1| and how many fall within [0.75, 1.33],
// for all of them and for the held-out ones alone. Exit 0; 2 on a malformed data file.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chipPreset } from '../src/chip/presets.ts';
import { modelPreset, simulateModel, type ModelSimOptions, type ModelSimResult, type PrecisionSpec } from '../src/models/index.ts';
import { inflightThroughput } from '../src/models/inflight.ts';

export const METRICS = ['itlMs', 'ttftMs', 'tokensPerSUser', 'outputTokensPerS', 'powerWPerChip', 'joulesPerToken'] as const;
export type Metric = (typeof METRICS)[number];

/** The metrics that measure power or energy (the rest measure time); summarise reports them apart as well. */
export const POWER_METRICS: readonly Metric[] = ['powerWPerChip', 'joulesPerToken'];

export interface ValidationRow {
  id: string;
  source: string;
  url: string;
  date: string;
  system: string;
  conditions: string;
  chip: string;
  model: string;
  phase: 'decode' | 'prefill' | 'throughput';
  tokens?: number;
  context?: number;
  batch?: number;
  chips?: number;
  stages?: number;
  isl?: number;
  osl?: number;
  /** Throughput rows: the stack's max tokens per step (max_num_tokens) and max batch (max_batch_size / max_num_seqs), where the source sets them. */
  maxTokens?: number;
  maxBatch?: number;
  precision: PrecisionSpec;
  metric: Metric;
  measured: number;
  role: 'calibration' | 'held-out';
  likeForLike: boolean;
  gap?: string;
  calibrates?: string;
}

export interface ValidationResult extends ValidationRow {
  modelled: number;
  ratio: number;
  within: boolean;
  /** The configuration the model ran, in words. */
  config: string;
  notes: string[];
}

export interface ValidationSummary {
  rows: number;
  likeForLike: number;
  medianAbsDev: number;
  within: number;
  heldOut: { rows: number; medianAbsDev: number; within: number };
  /** The like-for-like power and energy rows alone (POWER_METRICS), and their held-out part. */
  power: { rows: number; medianAbsDev: number; within: number; heldOut: number; heldOutWithin: number };
  calibration: number;
}

export const RANGE: [number, number] = [0.75, 1.33];
const DATA = fileURLToPath(new URL('./validate-chip.json', import.meta.url));

export function loadRows(path = DATA): ValidationRow[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { rows?: unknown };
  if (!Array.isArray(raw.rows)) throw new Error(`${path}: "rows" must be a list`);
  const need = ['id', 'source', 'url', 'date', 'system', 'conditions', 'chip', 'model', 'phase', 'precision', 'metric', 'measured', 'role', 'likeForLike'];
  for (const r of raw.rows as Array<Record<string, unknown>>) {
    for (const k of need) if (r[k] === undefined) throw new Error(`${path}: row ${JSON.stringify(r.id)} has no "${k}"`);
    if (!(METRICS as readonly unknown[]).includes(r.metric)) throw new Error(`${path}: row ${String(r.id)}: metric must be one of ${METRICS.join(', ')}`);
    if (r.role !== 'calibration' && r.role !== 'held-out') throw new Error(`${path}: row ${String(r.id)}: role must be calibration or held-out`);
    if (!r.likeForLike && typeof r.gap !== 'string') throw new Error(`${path}: row ${String(r.id)} is not like-for-like but names no gap`);
  }
  return raw.rows as ValidationRow[];
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** A simulation's notes, and the placement's refusal when the model does not fit. */
const fitNotes = (r: Pick<ModelSimResult, 'notes' | 'placement'>): string[] =>
  r.placement.fits ? r.notes : [...r.notes, 'DOES NOT FIT: ' + r.placement.messages.join('; ')];

/**
 * Offline max throughput (trtllm-bench throughput) under in-flight batching (src/models/inflight.ts):
 * the steady-state mixed step for the largest batch the KV cache, the kernels and the row's max tokens
 * per step allow (`maxTokens`: the max_num_tokens trtllm-bench sets for the row, as its conditions derive).
 */
function throughput(row: ValidationRow, base: Omit<ModelSimOptions, 'phase'>): { value: number; config: string; notes: string[] } {
  const chip = chipPreset(row.chip).config, m = modelPreset(row.model);
  const r = inflightThroughput(chip, m, { ...base, isl: row.isl!, osl: row.osl!, maxTokens: row.maxTokens, maxBatch: row.maxBatch });
  return { value: r.outputTokensPerS, config: r.text, notes: fitNotes(r.step) };
}

export function runRow(row: ValidationRow): ValidationResult {
  const chip = chipPreset(row.chip).config, m = modelPreset(row.model);
  const base = { chips: row.chips, stages: row.stages, precision: row.precision };
  let modelled: number, config: string, notes: string[];
  const fmt = `${row.precision.weights}${row.precision.mlpWeights ? `/mlp ${row.precision.mlpWeights}` : ''}, kv ${row.precision.kv}`;
  if (row.phase === 'throughput') {
    const t = throughput(row, base);
    modelled = t.value; config = t.config; notes = t.notes;
  } else {
    const r = simulateModel(chip, m, { ...base, phase: row.phase, tokens: row.tokens, context: row.context, batch: row.batch ?? 1 });
    notes = fitNotes(r);
    config = `${row.phase} ${row.phase === 'prefill' ? `${r.tokens} tokens` : `context ${r.context}`}, batch ${r.batch}, ${r.chips} chip(s)`;
    modelled = row.metric === 'itlMs' ? r.perTokenMs : row.metric === 'ttftMs' ? r.timeS * 1e3 : row.metric === 'tokensPerSUser' ? 1e3 / r.perTokenMs
      : row.metric === 'powerWPerChip' ? r.powerW / r.chips : row.metric === 'joulesPerToken' ? r.joulesPerToken : r.tokensPerS;
  }
  const ratio = modelled / row.measured;
  return { ...row, modelled, ratio, within: ratio >= RANGE[0] && ratio <= RANGE[1], config: `${row.chip} ${row.model}, ${config}, ${fmt}`, notes };
}

export function summarise(results: readonly ValidationResult[]): ValidationSummary {
  const lfl = results.filter((r) => r.likeForLike);
  const held = lfl.filter((r) => r.role === 'held-out');
  const pow = lfl.filter((r) => POWER_METRICS.includes(r.metric));
  const dev = (rs: readonly ValidationResult[]) => median(rs.map((r) => Math.abs(r.ratio - 1)));
  return {
    rows: results.length,
    likeForLike: lfl.length,
    medianAbsDev: dev(lfl),
    within: lfl.filter((r) => r.within).length,
    heldOut: { rows: held.length, medianAbsDev: dev(held), within: held.filter((r) => r.within).length },
    power: {
      rows: pow.length, medianAbsDev: dev(pow), within: pow.filter((r) => r.within).length,
      heldOut: pow.filter((r) => r.role === 'held-out').length, heldOutWithin: pow.filter((r) => r.role === 'held-out' && r.within).length,
    },
    calibration: results.filter((r) => r.role === 'calibration').length,
  };
}

export function validate(rows = loadRows()): { results: ValidationResult[]; summary: ValidationSummary } {
  const results = rows.map(runRow);
  return { results, summary: summarise(results) };
}

const num = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));

/** The table as Markdown (what README.md shows). */
export function markdown(results: readonly ValidationResult[], s: ValidationSummary): string {
  const lines = [
    '| row | configuration (model run) | metric | measured | model | ratio | role |',
    '|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.id} | ${r.config} | ${r.metric} | ${num(r.measured)} | ${num(r.modelled)} | ${r.ratio.toFixed(2)}${r.likeForLike ? (r.within ? '' : ' (out)') : ' (not like-for-like)'} | ${r.role} |`),
    '',
    summaryLine(s),
  ];
  return lines.join('\n');
}

export function summaryLine(s: ValidationSummary): string {
  return `like-for-like rows: ${s.likeForLike} of ${s.rows}, median |ratio - 1| = ${s.medianAbsDev.toFixed(3)}, ${s.within}/${s.likeForLike} within [${RANGE[0]}, ${RANGE[1]}]; ` +
    `held out: ${s.heldOut.rows}, median |ratio - 1| = ${s.heldOut.medianAbsDev.toFixed(3)}, ${s.heldOut.within}/${s.heldOut.rows} within; ` +
    `power and energy: ${s.power.rows} rows, median |ratio - 1| = ${s.power.medianAbsDev.toFixed(3)}, ${s.power.within}/${s.power.rows} within (held out ${s.power.heldOutWithin}/${s.power.heldOut}); calibration rows: ${s.calibration}`;
}

function main(argv: string[]): number {
  const json = argv.includes('--json'), md = argv.includes('--markdown');
  const bad = argv.filter((a) => a !== '--json' && a !== '--markdown');
  if (bad.length) { console.error(`validate:chip: unknown argument ${bad[0]}; allowed: --json, --markdown`); return 2; }
  let rows: ValidationRow[];
  try { rows = loadRows(); } catch (e) { console.error(`validate:chip: ${(e as Error).message}`); return 2; }
  const { results, summary } = validate(rows);
  if (json) { console.log(JSON.stringify({ results, summary }, null, 1)); return 0; }
  if (md) { console.log(markdown(results, summary)); return 0; }
  for (const r of results) {
    console.log(`${r.id.padEnd(28)} ${r.metric.padEnd(16)} measured ${num(r.measured).padStart(8)}  model ${num(r.modelled).padStart(8)}  ratio ${r.ratio.toFixed(2)}${r.likeForLike ? (r.within ? '     ' : ' OUT ') : ' n/lfl'} ${r.role}`);
    console.log(`    ${r.config}`);
    console.log(`    ${r.system}; ${r.conditions}`);
    console.log(`    source: ${r.source} <${r.url}>, ${r.date}`);
    if (r.gap) console.log(`    not like-for-like: ${r.gap}`);
    if (r.calibrates) console.log(`    calibrates: ${r.calibrates}`);
  }
  console.log(summaryLine(summary));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
