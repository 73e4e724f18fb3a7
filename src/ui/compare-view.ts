// <jp-compare>: two configurations A and B side by side, each a kernel configuration on a chip
// preset, simulated on the chip model; with WebGPU, both can also be measured on this GPU. Every
// metric shows B / A and which side wins. Presets set up the classic comparisons.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { Task, TaskStatus } from '@lit/task';
import { callback, type ApiRemote } from '../worker/client.ts';
import type { BenchOk, BenchResult } from '../worker/api.ts';
import type { SimResult } from '../chip/types.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { CompareSide, CompareState } from '../share/state.ts';
import { DATAFLOWS } from './chip-tab.ts';
import { fmtNum, formatBytes, formatDuration, formatEnergy, formatPercent } from './format.ts';
import { emitStateChange } from './events.ts';
import { sharedStyles } from './styles.ts';
import './glossary.ts';
import './kernel-picker.ts';
import type { PickerChange } from './kernel-picker.ts';
import { abVerdict, type AbVerdict } from './noise.ts';
import { compareMetric } from './token-table.ts';
import { fmtFlops } from './roofline-math.ts';
import type { KernelCost, KernelCostMode } from '../models/kernel-cost.ts';
import { SPLIT_PARTS } from './op-split.ts';
import './op-cost.ts';

const side = (preset: string, kernel: string, variant: string, params: CompareSide['params']): CompareSide => ({ preset, dataflow: 'output-stationary', kernel, variant, params });
const LLAMA8B_QKV_DECODE = { M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 };

/** The model the kernel rows stand beside when the chips differ (the whole-model rows below them). */
const BESIDE = { model: 'llama3-8b', opts: { phase: 'decode' as const, tokens: 1, context: 1024, batch: 1, chips: 1 } };

/** The classic comparisons: each sets both sides. */
export const COMPARE_PRESETS: Array<{ id: string; label: string; note: string; state: CompareState }> = [
  { id: 'qkv-fusion', label: 'Fused vs unfused QKV', note: 'A: three matmuls each read X; B: one fused projection reads X once.', state: { a: side('jalapeno', 'qkv', 'unfused', { M: 16, D: 512 }), b: side('jalapeno', 'qkv', 'fused', { M: 16, D: 512 }) } },
  { id: 'int8', label: 'int8 vs f32 matmul', note: 'A: f32 tiled matmul; B: int8 weights and activations (dot4), int32 accumulation: a quarter of the weight bytes.', state: { a: side('jalapeno', 'matmul', 'tiled', { M: 64, N: 256, K: 256 }), b: side('jalapeno', 'matmul-int8', 'dot4', { M: 64, N: 256, K: 256 }) } },
  { id: 'chips', label: 'Jalapeño-class vs H100', note: 'The same Llama-3-8B decode QKV projection (batch 1) on the H100 reference (A) and the hypothetical Jalapeño-class chip (B).', state: { a: side('h100', 'qkv', 'fused', LLAMA8B_QKV_DECODE), b: side('jalapeno', 'qkv', 'fused', LLAMA8B_QKV_DECODE) } },
  { id: 'tiles', label: 'Two tile sizes', note: 'The same 256³ tiled matmul with 32×32 (A) and 64×64 (B) output tiles per workgroup.', state: { a: side('jalapeno', 'matmul', 'tiled', { M: 256, N: 256, K: 256, BM: 32, BN: 32 }), b: side('jalapeno', 'matmul', 'tiled', { M: 256, N: 256, K: 256, BM: 64, BN: 64 }) } },
];

interface SideResult {
  sim: SimResult | null;
  /** The kernel costed by the model's per-op function (as deployed beside the model, or the raw plan). */
  op?: KernelCost | null;
  flops: number;
  error?: string;
  model?: ModelSimResult | null;
}

interface Metric {
  label: string;
  better: 'higher' | 'lower';
  value: (r: SideResult) => number | null;
  /** `ref`: the larger of A and B, so both sides read in one unit. */
  fmt: (v: number, ref?: number) => string;
}

const METRICS: Metric[] = [
  { label: 'Time', better: 'lower', value: (r) => r.op?.cost.timeS ?? null, fmt: formatDuration },
  ...SPLIT_PARTS.map(([k, label]): Metric => ({ label: `· ${label}`, better: 'lower', value: (r) => r.op?.cost.breakdown[k] ?? null, fmt: formatDuration })),
  { label: 'Achieved', better: 'higher', value: (r) => (r.op && r.op.cost.timeS > 0 ? r.flops / r.op.cost.timeS : null), fmt: fmtFlops },
  { label: 'Energy', better: 'lower', value: (r) => r.sim?.energyJ ?? null, fmt: formatEnergy },
  { label: 'HBM bytes', better: 'lower', value: (r) => r.sim?.bytes.hbm ?? null, fmt: formatBytes },
  { label: 'NoC bytes', better: 'lower', value: (r) => r.sim?.bytes.noc ?? null, fmt: formatBytes },
  { label: 'Utilization', better: 'higher', value: (r) => r.sim?.utilization ?? null, fmt: formatPercent },
];

const MODEL_METRICS: Metric[] = [
  { label: 'Llama-3-8B decode: tokens/s', better: 'higher', value: (r) => r.model?.tokensPerS ?? null, fmt: (v) => fmtNum(v, 4) },
  { label: 'Llama-3-8B decode: J/token', better: 'lower', value: (r) => r.model?.joulesPerToken ?? null, fmt: formatEnergy },
];

type Measured = { a: BenchResult | null; b: BenchResult | null; running: boolean; message: string | null };

/** Samples timed on each side of a measured run: enough for the p10/p90 and bootstrap tests to separate real differences. */
export const MEASURED_SAMPLES = 15;

/** Where a measured A/B run is: the side running, its phase, and its samples timed so far. */
export interface MeasuredProgress {
  side: 'A' | 'B';
  phase: string;
  done: number;
  total: number;
}

/**
 * The run's progress as one bar over both sides (A fills the first half, B the second) and the
 * words beside it: "A: timing, repetition 3 of 15".
 */
export function measuredProgressView(p: MeasuredProgress): { value: number; max: number; text: string } {
  const total = Math.max(1, p.total);
  const done = Math.min(Math.max(0, p.done), total);
  const text = p.phase === 'timing' ? `${p.side}: timing, repetition ${done} of ${total}` : `${p.side}: ${p.phase}`;
  return { value: (p.side === 'B' ? 1 : 0) + done / total, max: 2, text };
}

@customElement('jp-compare')
export class JpCompare extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state: sides a and b. */
  @property({ attribute: false }) state?: CompareState;

  /** Kernel rows beside a model: 'deployed' (the op as each chip runs it in the model, the default) or the raw plan. */
  @state() private kernelAs: KernelCostMode = 'deployed';
  @state() private measured: Measured = { a: null, b: null, running: false, message: null };
  @state() private progress: MeasuredProgress | null = null;
  /** Set by Cancel: the side in flight stops at its next sample (the worker's cancel) and B does not start. */
  private cancelRequested = false;
  /** The state the measured runs belong to (a change of either side clears them). */
  private measuredKey = '';

  private listsTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => {
      if (!api) return null;
      const [chips, kernels, gpu] = await Promise.all([api.listChips(), api.listKernels(), api.gpuStatus().catch((e: Error) => ({ available: false as const, reason: e.message, howTo: '' }))]);
      return { chips, kernels, gpu };
    },
    args: () => [this.api] as const,
  });

  private simTask = new Task(this, {
    task: async ([api, k]: readonly [ApiRemote | undefined, string]) => {
      void k;
      const s = this.state;
      if (!api || !s || !this.listsTask.value?.chips.length) return null;
      const chipsDiffer = s.a.preset !== s.b.preset;
      const [a, b] = await Promise.all([this.simSide(s.a, chipsDiffer), this.simSide(s.b, chipsDiffer)]);
      return { a, b };
    },
    args: () => [this.api, JSON.stringify([this.state, this.listsTask.value?.chips.length ?? 0, this.kernelAs])] as const,
  });

  private get chips() {
    return this.listsTask.value?.chips ?? [];
  }

  private get kernels() {
    return this.listsTask.value?.kernels ?? [];
  }

  private get gpuOk(): boolean | null {
    const g = this.listsTask.value?.gpu;
    return g ? g.available : null;
  }

  private get gpuWhy(): string {
    const g = this.listsTask.value?.gpu;
    return g && !g.available ? g.reason : '';
  }

  private get busy(): boolean {
    return this.simTask.status === TaskStatus.PENDING;
  }

  static override styles = [sharedStyles, css`
    :host { display: block; }
    .card { margin-bottom: var(--jp-gap); }
    .winner.none { border: 1px dashed var(--jp-border); color: var(--jp-muted); white-space: normal; }
    td.spread { font-size: 0.78rem; color: var(--jp-muted); }
    .presets { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    .presets .lbl { color: var(--jp-muted); font-size: 0.85rem; margin-right: 4px; }
    button { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 5px 12px; cursor: pointer; }
    button[aria-pressed='true'], button.primary { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    button:disabled { opacity: 0.55; cursor: default; }
    select:focus-visible, input:focus-visible, button:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    .sides { display: grid; grid-template-columns: 1fr 1fr; gap: var(--jp-gap); }
    @media (max-width: 800px) { .sides { grid-template-columns: 1fr; } }
    fieldset { border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 8px 12px 10px; margin: 0; display: flex; flex-wrap: wrap; gap: 8px 10px; align-items: end; background: var(--jp-surface); }
    legend { font-weight: 700; padding: 0 6px; }
    legend .tag { display: inline-block; min-width: 20px; text-align: center; border-radius: 4px; color: var(--jp-accent-text); margin-right: 6px; }
    .tagA { background: var(--jp-plot-2); } .tagB { background: var(--jp-plot-1); }
    label { display: grid; gap: 2px; font-size: 0.82rem; color: var(--jp-muted); }
    select, input { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 3px 6px; min-height: 30px; box-sizing: border-box; }
    input[type='number'] { width: 70px; }
    h2 { font-size: 1rem; margin: 0 0 8px; }
    table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
    th, td { padding: 6px 10px; border-bottom: 1px solid var(--jp-border); text-align: right; white-space: nowrap; }
    th:first-child, td:first-child { text-align: left; }
    thead th { color: var(--jp-muted); font-size: 0.8rem; font-weight: 600; }
    td.num { font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
    td.win { font-weight: 700; }
    .ratio { font-family: var(--jp-mono); font-weight: 700; }
    .winner { display: inline-block; min-width: 64px; padding: 1px 8px; border-radius: 10px; font-size: 0.78rem; font-weight: 700; text-align: center; }
    .winner.A { background: var(--jp-plot-2); color: var(--jp-accent-text); }
    .winner.B { background: var(--jp-plot-1); color: var(--jp-accent-text); }
    .winner.tie { border: 1px solid var(--jp-border); color: var(--jp-muted); }
    .whatif { margin-left: 6px; padding: 0 6px; border-radius: 10px; font-size: 0.72rem; font-weight: 600; border: 1px dashed var(--jp-accent); color: var(--jp-accent); }
    .msg { color: var(--jp-muted); font-size: 0.85rem; margin: 6px 0 0; }
    .err { color: var(--jp-error); }
    .head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
    .head h2 { margin: 0; flex: 1; }
    .head progress { width: 140px; accent-color: var(--jp-accent); }
    th small { font-weight: 400; color: var(--jp-muted); }
    tr.group th { font-size: 0.8rem; color: var(--jp-muted); text-align: left; padding-top: 12px; }
    .opcosts { display: grid; gap: 8px; margin-top: 8px; }
    .kernel-as { display: flex; gap: 6px; align-items: center; }
    @media (max-width: 600px) {
      .sides { gap: 8px; } fieldset { padding: 6px 8px 8px; }
      /* all five columns on a 390 px phone: the metric names wrap, cells pad less */
      table { font-size: 0.72rem; }
      th, td { padding: 4px 2px; }
      /* values may break at their space ("22.5 µs") so the Winner column stays on a 390 px screen */
      td { white-space: normal; }
      tbody th:first-child { white-space: normal; min-width: 5em; }
      th small { display: block; }
      .ratio .spread, td .spread { font-size: 0.68rem; }
      .winner { min-width: 0; padding: 1px 4px; font-size: 0.7rem; }
      .winner.none { white-space: normal; }
    }
  `];

  override willUpdate(): void {
    const key = JSON.stringify(this.state);
    // A run in flight keeps its record; it checks the configuration itself when it ends.
    if (key !== this.measuredKey && !this.measured.running) {
      this.measuredKey = key;
      if (this.measured.a || this.measured.b || this.measured.message) this.measured = { a: null, b: null, running: false, message: null };
    }
  }

  private async simSide(s: CompareSide, withModel: boolean): Promise<SideResult> {
    const api = this.api!;
    try {
      const check = await api.checkParams(s.kernel, s.variant, s.params);
      if (check.status !== 'ok') return { sim: null, flops: 0, error: check.message };
      // beside the whole-model rows the kernel is costed as each chip deploys it (or, asked, the raw plan), next to the model's run of the op
      const as: KernelCostMode = withModel ? this.kernelAs : 'raw';
      const out = await api.simulateKernel(s.preset, s.kernel, s.variant, s.params, { as, dataflow: s.dataflow as 'output-stationary', maxTraceEvents: 256, ...(withModel ? { beside: BESIDE } : {}) });
      if (out.status !== 'ok') return { sim: null, flops: 0, error: out.message };
      // the whole-model rows: the step the kernel row's model op came from (simulated once, in simulateKernel)
      const model = withModel ? out.result.besideModel ?? null : null;
      return { sim: out.result.cost.sim, op: out.result, flops: check.flops, model };
    } catch (e) {
      return { sim: null, flops: 0, error: (e as Error).message };
    }
  }

  private patch(p: Partial<CompareState>): void {
    emitStateChange<'compare'>(this, p);
  }

  private patchSide(which: 'a' | 'b', p: Partial<CompareSide>): void {
    this.patch({ [which]: { ...this.state![which], ...p } });
  }

  private async runMeasured(): Promise<void> {
    const s = this.state;
    if (!s || !this.api || this.measured.running) return;
    this.cancelRequested = false;
    this.measured = { a: null, b: null, running: true, message: null };
    const run = async (x: CompareSide, which: 'A' | 'B'): Promise<BenchResult> => {
      this.progress = { side: which, phase: 'starting', done: 0, total: MEASURED_SAMPLES };
      return this.api!.runBench(
        { kernel: x.kernel, variant: x.variant, params: x.params, samples: MEASURED_SAMPLES },
        callback((done: number, total: number, phase: string) => {
          if (this.measured.running) this.progress = { side: which, phase, done, total: phase === 'timing' ? total : MEASURED_SAMPLES };
        }),
      );
    };
    const cancelled = (r: BenchResult | null) => this.cancelRequested || r?.status === 'cancelled';
    try {
      const a = await run(s.a, 'A');
      this.measured = { ...this.measured, a };
      const b = cancelled(a) ? null : await run(s.b, 'B');
      if (cancelled(a) || cancelled(b)) {
        this.measured = { a: null, b: null, running: false, message: 'Run cancelled; the configuration is unchanged.' };
      } else if (JSON.stringify(this.state) === JSON.stringify(s)) {
        // Only keep them if the configuration did not change while they ran.
        this.measured = { a, b, running: false, message: null };
      } else {
        this.measured = { a: null, b: null, running: false, message: 'The configuration changed while the kernels ran; run again.' };
      }
    } catch (e) {
      this.measured = { ...this.measured, running: false, message: `The worker could not run the kernels: ${(e as Error).message}` };
    } finally {
      this.progress = null;
      // The record above already accounts for a change made during the run: keep its message.
      this.measuredKey = JSON.stringify(this.state);
    }
  }

  private cancelMeasured(): void {
    this.cancelRequested = true;
    void this.api?.cancel();
    if (this.progress) this.progress = { ...this.progress, phase: 'cancelling' };
  }

  private renderSide(which: 'a' | 'b') {
    const s = this.state![which];
    const preset = this.chips.find((c) => c.id === s.preset);
    const tag = which.toUpperCase();
    return html`
      <fieldset aria-label="Configuration ${tag}">
        <legend><span class="tag tag${tag}">${tag}</span>${preset?.label.replace(/\s*\(hypothetical what-if\)/i, '') ?? s.preset}${preset?.hypothetical ? html`<span class="whatif">what-if</span>` : nothing}</legend>
        <label>Chip
          <select .value=${s.preset} @change=${(e: Event) => this.patchSide(which, { preset: (e.target as HTMLSelectElement).value })}>
            ${this.chips.map((c) => html`<option value=${c.id} ?selected=${c.id === s.preset}>${c.label}</option>`)}
          </select>
        </label>
        <label>Dataflow
          <select .value=${s.dataflow} @change=${(e: Event) => this.patchSide(which, { dataflow: (e.target as HTMLSelectElement).value })}>
            ${DATAFLOWS.map((d) => html`<option value=${d} ?selected=${d === s.dataflow}>${d}</option>`)}
          </select>
        </label>
        <jp-kernel-picker id-prefix="cmp-${which}" .api=${this.api} .kernels=${this.kernels} kernel=${s.kernel} variant=${s.variant} .params=${s.params}
          @picker-change=${(e: CustomEvent<PickerChange>) => this.patchSide(which, e.detail)}></jp-kernel-picker>
      </fieldset>`;
  }

  private metricRow(m: Metric, a: number | null, b: number | null) {
    const c = a !== null && b !== null ? compareMetric(a, b, m.better) : { ratio: null, winner: null };
    const ref = Math.max(Math.abs(a ?? 0), Math.abs(b ?? 0));
    return html`<tr>
      <th scope="row">${m.label} <small>(${m.better} is better)</small></th>
      <td class="num ${c.winner === 'A' ? 'win' : ''}">${a !== null ? m.fmt(a, ref) : '–'}</td>
      <td class="num ${c.winner === 'B' ? 'win' : ''}">${b !== null ? m.fmt(b, ref) : '–'}</td>
      <td class="ratio" data-testid="ratio">${c.ratio !== null ? `${fmtNum(c.ratio, 3)}×` : '–'}</td>
      <td>${c.winner ? html`<span class="winner ${c.winner}">${c.winner === 'tie' ? 'tie' : `${c.winner} wins`}</span>` : nothing}</td>
    </tr>`;
  }

  /** Time and GFLOP/s measured on this GPU, with a verdict only when the samples separate. */
  private measuredRows(a: BenchOk, b: BenchOk) {
    const v: AbVerdict | null = abVerdict(a.samplesMs, b.samplesMs);
    const t = (ms: number) => formatDuration(ms / 1e3);
    const verdict = !v
      ? html`<span class="winner none">too few samples</span>`
      : v.faster
        ? html`<span class="winner ${v.faster}" title=${v.by === 'p10/p90' ? 'the p10–p90 ranges do not overlap' : `bootstrap 95% interval of B/A: ${fmtNum(v.ci[0], 3)}–${fmtNum(v.ci[1], 3)}×`}">${v.faster} faster</span>`
        : html`<span class="winner none" data-testid="no-clear-difference" title="the p10–p90 ranges overlap and the bootstrap 95% interval of B/A (${fmtNum(v.ci[0], 3)}–${fmtNum(v.ci[1], 3)}×) includes 1">no clear difference</span>`;
    return html`
      <tr data-testid="measured-time">
        <th scope="row">Median time on this GPU <small>(p10–p90)</small></th>
        <td class="num ${v?.faster === 'A' ? 'win' : ''}">${t(a.medianMs)}<br /><span class="spread">${t(a.p10Ms)}–${t(a.p90Ms)}</span></td>
        <td class="num ${v?.faster === 'B' ? 'win' : ''}">${t(b.medianMs)}<br /><span class="spread">${t(b.p10Ms)}–${t(b.p90Ms)}</span></td>
        <td class="ratio" data-testid="measured-ratio">${fmtNum(b.medianMs / a.medianMs, 3)}×${v ? html`<br /><span class="spread">95%: ${fmtNum(v.ci[0], 3)}–${fmtNum(v.ci[1], 3)}×</span>` : nothing}</td>
        <td data-testid="measured-verdict">${verdict}</td>
      </tr>
      <tr>
        <th scope="row">GFLOP/s on this GPU <small>(from the median)</small></th>
        <td class="num">${fmtNum(a.gflops, 3)}</td><td class="num">${fmtNum(b.gflops, 3)}</td>
        <td class="ratio">${a.gflops > 0 ? `${fmtNum(b.gflops / a.gflops, 3)}×` : '–'}</td><td></td>
      </tr>
      <tr><th scope="row">Samples</th><td class="num">${a.samplesMs.length}</td><td class="num">${b.samplesMs.length}</td><td></td><td class="spread">${a.timer}</td></tr>`;
  }

  private renderResults() {
    const r = this.simTask.value;
    if (this.simTask.status === TaskStatus.ERROR) return html`<p class="err" role="alert">The chip model failed: ${String(this.simTask.error)}</p>`;
    if (!r) return html`<p class="msg" role="status">${this.busy ? 'Simulating both sides…' : ''}</p>`;
    const modelRows = r.a.model || r.b.model;
    const ms = this.measured;
    const okA = ms.a?.status === 'ok' ? ms.a : null;
    const okB = ms.b?.status === 'ok' ? ms.b : null;
    const s = this.state!;
    const sameKernel = JSON.stringify([s.a.kernel, s.a.variant, s.a.params]) === JSON.stringify([s.b.kernel, s.b.variant, s.b.params]);
    return html`
      <div class="table-scroll" tabindex="0" role="region" aria-label="A vs B table (scrolls sideways)">
      <table data-testid="compare-table">
        <thead><tr><th scope="col">Metric</th><th scope="col">A</th><th scope="col">B</th><th scope="col">B / A</th><th scope="col">Winner</th></tr></thead>
        <tbody>
          <tr class="group"><th colspan="5">Chip model${r.a.op ? (r.a.op.as === 'deployed' ? ': the kernel as each chip deploys it in the model below' : ': the raw plan, exactly as configured') : ''}</th></tr>
          ${r.a.error || r.b.error
            ? html`<tr><td colspan="5" class="err">${r.a.error ? `A: ${r.a.error}` : ''} ${r.b.error ? `B: ${r.b.error}` : ''}</td></tr>`
            : nothing}
          ${METRICS.map((m) => this.metricRow(m, m.value(r.a), m.value(r.b)))}
          <tr><th scope="row"><jp-term name="bound">Bound</jp-term></th>${[r.a, r.b].map((x) => html`<td data-testid="op-bound">${x.op ? html`<span class="bound ${x.op.cost.bound}">${x.op.cost.bound}</span>` : '–'}</td>`)}<td></td><td></td></tr>
          ${modelRows ? html`<tr class="group"><th colspan="5">Whole model on each side's chip (Llama-3-8B decode, batch 1, context 1024)</th></tr>${MODEL_METRICS.map((m) => this.metricRow(m, m.value(r.a), m.value(r.b)))}` : nothing}
          ${okA && okB
            ? html`<tr class="group"><th colspan="5">Measured on this GPU (${okA.deviceName})</th></tr>
                ${this.measuredRows(okA, okB)}
                <tr><th scope="row">Matches the CPU reference</th><td>${okA.ok ? 'yes' : 'NO'}</td><td>${okB.ok ? 'yes' : 'NO'}</td><td></td><td></td></tr>`
            : nothing}
        </tbody>
      </table>
      </div>
      ${r.a.op || r.b.op
        ? html`<div class="opcosts" data-testid="op-costs">
            ${modelRows ? html`<div role="group" aria-label="Kernel rows" class="kernel-as">
                <span class="msg">Kernel rows:</span>
                <button aria-pressed=${this.kernelAs === 'deployed' ? 'true' : 'false'} @click=${() => (this.kernelAs = 'deployed')}>As deployed</button>
                <button aria-pressed=${this.kernelAs === 'raw' ? 'true' : 'false'} @click=${() => (this.kernelAs = 'raw')}>Raw plan</button>
              </div>` : nothing}
            ${(['a', 'b'] as const).map((k) => (r[k].op ? html`<div><strong>${k.toUpperCase()}</strong><jp-op-cost compact .cost=${r[k].op}></jp-op-cost></div>` : nothing))}
          </div>`
        : nothing}
      ${[ms.a, ms.b].map((x, i) => (x && x.status !== 'ok' ? html`<p class="err">${i ? 'B' : 'A'}: ${'message' in x ? x.message : x.status}</p>` : nothing))}
      ${sameKernel && (okA || ms.running) ? html`<p class="msg">Both sides run the same kernel on your GPU; the chip presets only change the prediction.</p>` : nothing}`;
  }

  override render() {
    if (!this.state) return html`<p class="msg">Loading…</p>`;
    const s = this.state;
    const active = COMPARE_PRESETS.find((p) => JSON.stringify(p.state) === JSON.stringify(s));
    const ms = this.measured;
    const pv = this.progress ? measuredProgressView(this.progress) : null;
    return html`
      <div class="card presets" role="group" aria-label="Comparison presets">
        <span class="lbl">Compare:</span>
        ${COMPARE_PRESETS.map((p) => html`<button aria-pressed=${active?.id === p.id ? 'true' : 'false'} @click=${() => this.patch(structuredClone(p.state))}>${p.label}</button>`)}
      </div>
      ${active ? html`<p class="msg" style="margin:-4px 0 10px">${active.note}</p>` : nothing}
      <div class="sides card">${this.renderSide('a')}${this.renderSide('b')}</div>
      <section class="card" aria-labelledby="cmp-h">
        <div class="head">
          <h2 id="cmp-h">A vs B</h2>
          <span class="msg" role="status" data-testid="compare-status">${this.busy ? 'Simulating…' : ms.running && pv ? `Running on this GPU: ${pv.text}` : (ms.message ?? '')}</span>
          ${ms.running
            ? html`<progress max=${pv?.max ?? 2} value=${pv?.value ?? 0} aria-label="Measured run progress (A, then B)"></progress>
                <button data-testid="compare-cancel" @click=${this.cancelMeasured} ?disabled=${this.cancelRequested}>Cancel</button>`
            : nothing}
          <button class="primary" @click=${this.runMeasured} ?disabled=${this.gpuOk !== true || ms.running}
            title=${this.gpuOk === false ? `WebGPU is unavailable: ${this.gpuWhy}` : `Time both kernels on this GPU (${MEASURED_SAMPLES} samples each; a winner only when the timings separate beyond their noise) and check them against the CPU reference`}>Run both on this GPU</button>
        </div>
        ${this.gpuOk === false ? html`<p class="msg">WebGPU is unavailable here (${this.gpuWhy}); the chip-model comparison still works.</p>` : nothing}
        ${this.renderResults()}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-compare': JpCompare;
  }
}
