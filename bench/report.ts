// The bench's report: the row schema (the JSON contract in docs/ARCHITECTURE.md), the printed table
// with ours / peer ratios, and the JSON document. Pure TypeScript: Node and the bench page use it.

import type { DeviceReport } from '../src/gpu/context.ts';
import { formatPercent } from '../src/chip/format.ts';

/** 'skipped' = the device lacks what the variant needs (e.g. shader-f16); not a failure. */
export type RowStatus = 'ok' | 'fail' | 'skipped';

/** One kernel run. Every field of the docs/ARCHITECTURE.md contract is always present (null when unknown). */
export interface BenchRow {
  kernel: string;
  variant: string;
  /** Problem dims only (no tile sizes), e.g. "M=64 N=64 K=64". */
  shape: string;
  /** Storage dtype(s) of the inputs, e.g. "f32", "f16", "i8x4". */
  dtype: string;
  medianMs: number | null;
  p10Ms: number | null;
  p90Ms: number | null;
  gflops: number | null;
  gbps: number | null;
  maxAbsErr: number | null;
  ok: boolean;
  /** 'timestamp-query' | 'wall' (wall time around queue.onSubmittedWorkDone()), null when not timed. */
  timer: string | null;
  /** Opens the playground on this configuration with these results (src/share codec); null for failed rows. */
  shareUrl: string | null;
  status: RowStatus;
  /** Why it failed or was skipped, or the timer's note. */
  note: string;
  /** The suite case this row belongs to (ties ours and peers together). */
  caseId: string;
  /** All validated params (tile sizes included) so a row can be reproduced. */
  params: Record<string, number | boolean | string>;
  reps: number | null;
  quantized: boolean;
  /** Model suite rows only (bench/model-bench.ts): what a whole-model run measured beside its time. */
  model?: ModelMetrics;
}

/** A whole model's prefill or decode figure (model suite). */
export interface ModelMetrics {
  /** Tokens per second: prompt tokens / prefill time, or 1000 / median ms per decode token. */
  tokensPerS: number;
  /** Bytes read per decode token (weights as this runtime holds them + the KV cache it reads); null for prefill. */
  bytesPerToken: number | null;
  /** bytesPerToken / (medianMs / 1000) as a fraction of `copyGbps`; null for prefill. */
  roofFraction: number | null;
  /** The device's copy bandwidth measured in the same run (read + write bytes / s), GB/s. */
  copyGbps: number | null;
  /** How bytesPerToken was counted. */
  bytesNote: string;
  /** The greedy tokens generated (prompt excluded). */
  tokens: number[];
}

/** A copy measured in the run: the memory roof the model rows are held against. */
export interface CopyBandwidth {
  /** Where it ran: "gpu" (our runtime's device) or "cpu" (llama.cpp's CPU build). */
  device: 'gpu' | 'cpu';
  method: string;
  bytes: number;
  medianMs: number;
  /** 2 · bytes / time (read + write, as STREAM's copy counts), GB/s. */
  gbps: number;
}

export interface PeerRow extends BenchRow {
  library: string;
  version: string;
}

export interface BenchReport {
  tool: 'jalapeno-bench';
  suite: string;
  startedAt: string;
  device: DeviceReport | null;
  /** Why no device was available (the rows are then all failures). */
  deviceError?: string;
  results: BenchRow[];
  peers: PeerRow[];
  /** Model suite: the copy bandwidths the model rows are held against. */
  bandwidth?: CopyBandwidth[];
}

export const ROW_KEYS = [
  'kernel', 'variant', 'shape', 'dtype', 'medianMs', 'p10Ms', 'p90Ms', 'gflops', 'gbps',
  'maxAbsErr', 'ok', 'timer', 'shareUrl',
] as const;

/** A row for a run that produced no timing: failed or skipped, with the reason. */
export function failedRow(base: Pick<BenchRow, 'kernel' | 'variant' | 'shape' | 'dtype' | 'caseId' | 'params'>, status: 'fail' | 'skipped', reason: string): BenchRow {
  return {
    ...base,
    medianMs: null,
    p10Ms: null,
    p90Ms: null,
    gflops: null,
    gbps: null,
    maxAbsErr: null,
    ok: false,
    timer: null,
    shareUrl: null,
    status,
    note: reason,
    reps: null,
    quantized: false,
  };
}

/** "M=64 N=64 K=64" from a params object (only the keys given, in order). */
export function shapeText(dims: Record<string, number | boolean | string>): string {
  return Object.entries(dims).map(([k, v]) => `${k}=${v}`).join(' ');
}

// ---- the table ---------------------------------------------------------------------------

function fmt(v: number | null, digits = 3): string {
  if (v === null || !Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 0.01) return v.toPrecision(digits);
  return v.toExponential(1);
}

function statusText(r: BenchRow): string {
  if (r.status === 'ok') return r.quantized ? 'ok (coarse timer)' : 'ok';
  return r.status === 'skipped' ? 'skip' : 'FAIL';
}

/**
 * ours / peer time ratio for a peer row: the row of the same case in the variant that runs when none
 * is named (the kernel's shape rule: gemv at one token, tiled above) divided by the peer's median
 * (< 1: ours is faster). null when either side has no time or the timers differ.
 */
export function oursOverPeer(peer: PeerRow, results: readonly BenchRow[], oursVariantOf: (row: BenchRow) => string | undefined): number | null {
  const ours = results.find((r) => r.caseId === peer.caseId && r.status === 'ok' && r.variant === oursVariantOf(r));
  if (!ours || ours.medianMs === null || peer.medianMs === null || peer.status !== 'ok') return null;
  if (ours.timer !== peer.timer) return null;
  return ours.medianMs / peer.medianMs;
}

function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The printed report: device line, our rows, peer rows with ours/peer, failures with reasons. */
export function formatReport(report: BenchReport, oursVariantOf: (row: BenchRow) => string | undefined = () => undefined): string {
  const out: string[] = [];
  const d = report.device;
  out.push(`suite ${report.suite} on ${d ? `${d.adapter.description || d.adapter.vendor || 'unknown adapter'} (${d.runtime}, ${d.runtimeVersion})` : `no device: ${report.deviceError ?? 'unknown'}`}`);
  if (d?.software) out.push('software adapter (SwiftShader): timings are for ratios measured side by side only');
  const header = ['kernel', 'variant', 'shape', 'dtype', 'median ms', 'p10', 'p90', 'GFLOP/s', 'GB/s', 'max|err|', 'timer', 'status'];
  const row = (r: BenchRow, name = r.variant) => [
    r.kernel, name, r.shape, r.dtype, fmt(r.medianMs), fmt(r.p10Ms), fmt(r.p90Ms), fmt(r.gflops), fmt(r.gbps), fmt(r.maxAbsErr, 2),
    r.timer === 'timestamp-query' ? 'gpu-ts' : (r.timer ?? '-'), statusText(r),
  ];
  out.push('', renderTable(header, report.results.map((r) => row(r))));
  if (report.peers.length > 0) {
    const ph = ['kernel', 'peer', 'shape', 'dtype', 'median ms', 'p10', 'p90', 'GFLOP/s', 'GB/s', 'max|err|', 'timer', 'status', 'ours/peer'];
    const prow = report.peers.map((p) => {
      const ratio = oursOverPeer(p, report.results, oursVariantOf);
      return [...row(p, `${p.library} ${p.variant}`), ratio === null ? '-' : `${ratio.toFixed(2)}x`];
    });
    out.push('', 'peers (ours/peer = the median time of our variant for that shape (the one that runs when none is named) / the peer\'s, same timer; < 1 means ours is faster)', renderTable(ph, prow));
  }
  if (report.results.some((r) => r.model)) out.push('', formatModelTable(report, oursVariantOf));
  const problems = [...report.results, ...report.peers].filter((r) => r.status !== 'ok');
  if (problems.length > 0) {
    out.push('', 'not ok:');
    for (const r of problems) {
      const who = 'library' in r ? `${(r as PeerRow).library} ` : '';
      out.push(`  ${r.status === 'skipped' ? 'skip' : 'FAIL'} ${who}${r.kernel}/${r.variant} ${r.shape}: ${r.note}`);
    }
  }
  const n = (s: RowStatus) => [...report.results, ...report.peers].filter((r) => r.status === s).length;
  out.push('', `${n('ok')} ok, ${n('fail')} failed, ${n('skipped')} skipped`);
  return out.join('\n');
}

/** Where two greedy token runs part: the first index that differs (the shorter one's length when one is a prefix of the other), or null when equal. */
export function firstDifference(a: readonly number[], b: readonly number[]): number | null {
  const i = a.findIndex((t, k) => t !== b[k]);
  return i < 0 && a.length === b.length ? null : i < 0 ? Math.min(a.length, b.length) : i;
}

const pct = (f: number | null) => (f === null ? '-' : formatPercent(f, 1));

/** The model suite's summary: tokens/s of each side, ours / peer, achieved bandwidth against the copy roof, tokens. */
function formatModelTable(report: BenchReport, oursVariantOf: (row: BenchRow) => string | undefined): string {
  const bw = (report.bandwidth ?? []).map((b) => `${b.device} ${fmt(b.gbps)} GB/s (${b.method}, ${(b.bytes / 2 ** 20).toFixed(0)} MiB)`).join('; ');
  const header = ['model', 'file', 'phase', 'ours tok/s', 'peer tok/s', 'ours/peer', 'ours GB/s', 'of copy', 'peer GB/s', 'of copy', 'same tokens'];
  const rows = report.results.filter((r) => r.model).map((r) => {
    const p = report.peers.find((x) => x.caseId === r.caseId);
    const ratio = p ? oursOverPeer(p, report.results, oursVariantOf) : null;
    const gb = (x: BenchRow | undefined) => (x?.model?.bytesPerToken && x.medianMs ? fmt(x.model.bytesPerToken / x.medianMs / 1e6) : '-');
    let same = '-';
    if (p?.model && r.model) {
      const i = firstDifference(r.model.tokens, p.model.tokens);
      same = i === null ? `yes (${r.model.tokens.length})` : `no: from token ${i}`;
    }
    return [
      r.kernel, r.shape, r.variant, fmt(r.model!.tokensPerS), fmt(p?.model?.tokensPerS ?? null), ratio === null ? '-' : `${ratio.toFixed(2)}x`,
      gb(r), pct(r.model!.roofFraction), gb(p), pct(p?.model?.roofFraction ?? null), r.variant === 'decode' ? same : '',
    ];
  });
  return [
    `whole models (peer = ${report.peers[0] ? `${report.peers[0].library}, ${report.peers[0].version}` : 'none'}); ours/peer = time ratio, < 1 means ours is faster.`,
    `GB/s = bytes read per decode token (weights as each runtime holds them + its KV cache) / median ms per token; "of copy" = against the copy bandwidth measured in this run: ${bw || 'not measured'}`,
    renderTable(header, rows),
  ].join('\n');
}

/** True when nothing failed (skips are allowed). */
export function reportPassed(report: BenchReport): boolean {
  return report.device !== null && [...report.results, ...report.peers].every((r) => r.status !== 'fail');
}

export function reportJson(report: BenchReport): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n';
}
