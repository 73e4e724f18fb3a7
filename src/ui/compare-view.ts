// <jp-compare>: two configurations A and B side by side, each a kernel configuration on a chip
// preset, simulated on the chip model; with WebGPU, both can also be measured on this GPU. Every
// metric shows B / A and which side wins. Presets set up the classic comparisons.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { BenchResult, KernelInfo } from '../worker/api.ts';
import type { ChipPreset, SimResult } from '../chip/types.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { CompareSide, CompareState, StateChangeDetail } from '../share/state.ts';
import { DATAFLOWS, fmtJoules, fmtSeconds } from './chip-tab.ts';
import { formatBytes } from './chip-render.ts';
import { compareMetric, fmtNum } from './token-table.ts';
import { fmtFlops } from './roofline-math.ts';

const side = (preset: string, kernel: string, variant: string, params: CompareSide['params']): CompareSide => ({ preset, dataflow: 'output-stationary', kernel, variant, params });
const LLAMA8B_QKV_DECODE = { M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 };

/** The classic comparisons: each sets both sides. */
export const COMPARE_PRESETS: Array<{ id: string; label: string; note: string; state: CompareState }> = [
  { id: 'qkv-fusion', label: 'Fused vs unfused QKV', note: 'A: three matmuls each read X; B: one fused projection reads X once.', state: { a: side('jalapeno', 'qkv', 'unfused', { M: 16, D: 512 }), b: side('jalapeno', 'qkv', 'fused', { M: 16, D: 512 }) } },
  { id: 'int8', label: 'int8 vs f32 matmul', note: 'A: f32 tiled matmul; B: int8 weights and activations (dot4), int32 accumulation: a quarter of the weight bytes.', state: { a: side('jalapeno', 'matmul', 'tiled', { M: 64, N: 256, K: 256 }), b: side('jalapeno', 'matmul-int8', 'dot4', { M: 64, N: 256, K: 256 }) } },
  { id: 'chips', label: 'Jalapeño-class vs H100', note: 'The same Llama-3-8B decode QKV projection (batch 1) on the H100 reference (A) and the hypothetical Jalapeño-class chip (B).', state: { a: side('h100', 'qkv', 'fused', LLAMA8B_QKV_DECODE), b: side('jalapeno', 'qkv', 'fused', LLAMA8B_QKV_DECODE) } },
  { id: 'tiles', label: 'Two tile sizes', note: 'The same 256³ tiled matmul with 32×32 (A) and 64×64 (B) output tiles per workgroup.', state: { a: side('jalapeno', 'matmul', 'tiled', { M: 256, N: 256, K: 256, BM: 32, BN: 32 }), b: side('jalapeno', 'matmul', 'tiled', { M: 256, N: 256, K: 256, BM: 64, BN: 64 }) } },
];

interface SideResult {
  sim: SimResult | null;
  flops: number;
  error?: string;
  model?: ModelSimResult | null;
}

interface Metric {
  label: string;
  better: 'higher' | 'lower';
  value: (r: SideResult) => number | null;
  fmt: (v: number) => string;
}

const METRICS: Metric[] = [
  { label: 'Time', better: 'lower', value: (r) => r.sim?.timeS ?? null, fmt: fmtSeconds },
  { label: 'Achieved', better: 'higher', value: (r) => (r.sim && r.sim.timeS > 0 ? r.flops / r.sim.timeS : null), fmt: fmtFlops },
  { label: 'Energy', better: 'lower', value: (r) => r.sim?.energyJ ?? null, fmt: fmtJoules },
  { label: 'HBM bytes', better: 'lower', value: (r) => r.sim?.bytes.hbm ?? null, fmt: formatBytes },
  { label: 'NoC bytes', better: 'lower', value: (r) => r.sim?.bytes.noc ?? null, fmt: formatBytes },
  { label: 'Utilization', better: 'higher', value: (r) => r.sim?.utilization ?? null, fmt: (v) => `${(v * 100).toFixed(1)} %` },
];

const MODEL_METRICS: Metric[] = [
  { label: 'Llama-3-8B decode: tokens/s', better: 'higher', value: (r) => r.model?.tokensPerS ?? null, fmt: (v) => fmtNum(v, 4) },
  { label: 'Llama-3-8B decode: J/token', better: 'lower', value: (r) => r.model?.joulesPerToken ?? null, fmt: fmtJoules },
];

type Measured = { a: BenchResult | null; b: BenchResult | null; running: boolean; message: string | null };

@customElement('jp-compare')
export class JpCompare extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state: sides a and b. */
  @property({ attribute: false }) state?: CompareState;

  @state() private chips: ChipPreset[] = [];
  @state() private kernels: KernelInfo[] = [];
  @state() private res: { a: SideResult; b: SideResult } | null = null;
  @state() private busy = false;
  @state() private gpuOk: boolean | null = null;
  @state() private gpuWhy = '';
  @state() private measured: Measured = { a: null, b: null, running: false, message: null };
  private simKey = '';
  private seq = 0;

  static override styles = css`
    :host { display: block; color: var(--jp-text); }
    .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 12px 14px; box-shadow: var(--jp-shadow); margin-bottom: var(--jp-gap); }
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
    .bound { font-weight: 600; }
    .bound.memory { color: var(--jp-plot-2); } .bound.compute { color: var(--jp-ok); } .bound.noc { color: var(--jp-accent); }
    .msg { color: var(--jp-muted); font-size: 0.85rem; margin: 6px 0 0; }
    .err { color: var(--jp-error); }
    .head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
    .head h2 { margin: 0; flex: 1; }
    th small { font-weight: 400; color: var(--jp-muted); }
    tr.group th { font-size: 0.8rem; color: var(--jp-muted); text-align: left; padding-top: 12px; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadLists();
  }

  private async loadLists(): Promise<void> {
    if (!this.api || this.chips.length) return;
    const [chips, kernels] = await Promise.all([this.api.listChips(), this.api.listKernels()]);
    this.kernels = kernels;
    this.chips = chips;
    this.simKey = '';
    this.api.gpuStatus().then((s) => {
      this.gpuOk = s.available;
      this.gpuWhy = s.available ? '' : s.reason;
    }).catch((e: Error) => {
      this.gpuOk = false;
      this.gpuWhy = e.message;
    });
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api && !this.chips.length) void this.loadLists();
    if (this.api && this.state && this.chips.length) {
      const key = JSON.stringify(this.state);
      if (key !== this.simKey) {
        this.simKey = key;
        this.measured = { a: null, b: null, running: false, message: null };
        void this.simulate(this.state);
      }
    }
  }

  private async simSide(s: CompareSide, withModel: boolean): Promise<SideResult> {
    const api = this.api!;
    try {
      const check = await api.checkParams(s.kernel, s.variant, s.params);
      if (check.status !== 'ok') return { sim: null, flops: 0, error: check.message };
      const out = await api.simulatePlan(s.preset, s.kernel, s.variant, s.params, s.dataflow as 'output-stationary', { maxTraceEvents: 256 });
      if (out.status !== 'ok') return { sim: null, flops: 0, error: out.message };
      let model: ModelSimResult | null = null;
      if (withModel) {
        const m = await api.simulateModel(s.preset, 'llama3-8b', { phase: 'decode', tokens: 1, context: 1024, batch: 1, chips: 1 });
        model = m.status === 'ok' ? m.result : null;
      }
      return { sim: out.result, flops: check.flops, model };
    } catch (e) {
      return { sim: null, flops: 0, error: (e as Error).message };
    }
  }

  private async simulate(s: CompareState): Promise<void> {
    const seq = ++this.seq;
    this.busy = true;
    const chipsDiffer = s.a.preset !== s.b.preset;
    const [a, b] = await Promise.all([this.simSide(s.a, chipsDiffer), this.simSide(s.b, chipsDiffer)]);
    if (seq !== this.seq) return;
    this.res = { a, b };
    this.busy = false;
  }

  private patch(p: Partial<CompareState>): void {
    this.dispatchEvent(new CustomEvent<StateChangeDetail<'compare'>>('state-change', { detail: { patch: p }, bubbles: true, composed: true }));
  }

  private patchSide(which: 'a' | 'b', p: Partial<CompareSide>): void {
    this.patch({ [which]: { ...this.state![which], ...p } });
  }

  private async runMeasured(): Promise<void> {
    const s = this.state;
    if (!s || !this.api) return;
    this.measured = { a: null, b: null, running: true, message: 'Running A on this GPU…' };
    const run = (x: CompareSide) => this.api!.runBench({ kernel: x.kernel, variant: x.variant, params: x.params, samples: 10 });
    try {
      const a = await run(s.a);
      this.measured = { ...this.measured, a, message: 'Running B on this GPU…' };
      const b = await run(s.b);
      this.measured = { a, b, running: false, message: null };
    } catch (e) {
      this.measured = { ...this.measured, running: false, message: `The worker could not run the kernels: ${(e as Error).message}` };
    }
  }

  private renderSide(which: 'a' | 'b') {
    const s = this.state![which];
    const kernel = this.kernels.find((k) => k.name === s.kernel);
    const numeric = (kernel?.params ?? []).filter((p) => typeof p.default === 'number');
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
        <label>Kernel
          <select .value=${s.kernel} @change=${(e: Event) => {
            const name = (e.target as HTMLSelectElement).value;
            this.patchSide(which, { kernel: name, variant: this.kernels.find((k) => k.name === name)?.defaultVariant ?? '', params: {} });
          }}>
            ${this.kernels.map((k) => html`<option value=${k.name} ?selected=${k.name === s.kernel}>${k.name}</option>`)}
          </select>
        </label>
        <label>Variant
          <select .value=${s.variant} @change=${(e: Event) => this.patchSide(which, { variant: (e.target as HTMLSelectElement).value })}>
            ${(kernel?.variants ?? [s.variant]).map((v) => html`<option value=${v} ?selected=${v === s.variant}>${v}</option>`)}
          </select>
        </label>
        ${numeric.map(
          (p) => html`<label title=${p.doc}>${p.name}<input type="number" .value=${String(s.params[p.name] ?? p.default)}
            @change=${(e: Event) => this.patchSide(which, { params: { ...s.params, [p.name]: Number((e.target as HTMLInputElement).value) } })} /></label>`,
        )}
      </fieldset>`;
  }

  private metricRow(m: Metric, a: number | null, b: number | null) {
    const c = a !== null && b !== null ? compareMetric(a, b, m.better) : { ratio: null, winner: null };
    return html`<tr>
      <th scope="row">${m.label} <small>(${m.better} is better)</small></th>
      <td class="num ${c.winner === 'A' ? 'win' : ''}">${a !== null ? m.fmt(a) : '–'}</td>
      <td class="num ${c.winner === 'B' ? 'win' : ''}">${b !== null ? m.fmt(b) : '–'}</td>
      <td class="ratio" data-testid="ratio">${c.ratio !== null ? `${fmtNum(c.ratio, 3)}×` : '–'}</td>
      <td>${c.winner ? html`<span class="winner ${c.winner}">${c.winner === 'tie' ? 'tie' : `${c.winner} wins`}</span>` : nothing}</td>
    </tr>`;
  }

  private renderResults() {
    const r = this.res;
    if (!r) return html`<p class="msg" role="status">${this.busy ? 'Simulating both sides…' : ''}</p>`;
    const modelRows = r.a.model || r.b.model;
    const ms = this.measured;
    const okA = ms.a?.status === 'ok' ? ms.a : null;
    const okB = ms.b?.status === 'ok' ? ms.b : null;
    const gpuRows: Metric[] = [
      { label: 'Median time on this GPU', better: 'lower', value: () => null, fmt: (v) => fmtSeconds(v / 1e3) },
      { label: 'GFLOP/s on this GPU', better: 'higher', value: () => null, fmt: (v) => fmtNum(v, 3) },
    ];
    const s = this.state!;
    const sameKernel = JSON.stringify([s.a.kernel, s.a.variant, s.a.params]) === JSON.stringify([s.b.kernel, s.b.variant, s.b.params]);
    return html`
      <table data-testid="compare-table">
        <thead><tr><th scope="col">Metric</th><th scope="col">A</th><th scope="col">B</th><th scope="col">B / A</th><th scope="col">Winner</th></tr></thead>
        <tbody>
          <tr class="group"><th colspan="5">Chip model</th></tr>
          ${r.a.error || r.b.error
            ? html`<tr><td colspan="5" class="err">${r.a.error ? `A: ${r.a.error}` : ''} ${r.b.error ? `B: ${r.b.error}` : ''}</td></tr>`
            : nothing}
          ${METRICS.map((m) => this.metricRow(m, m.value(r.a), m.value(r.b)))}
          <tr><th scope="row">Bound</th><td>${r.a.sim ? html`<span class="bound ${r.a.sim.bound}">${r.a.sim.bound}</span>` : '–'}</td><td>${r.b.sim ? html`<span class="bound ${r.b.sim.bound}">${r.b.sim.bound}</span>` : '–'}</td><td></td><td></td></tr>
          ${modelRows ? html`<tr class="group"><th colspan="5">Whole model on each side's chip (Llama-3-8B decode, batch 1, context 1024)</th></tr>${MODEL_METRICS.map((m) => this.metricRow(m, m.value(r.a), m.value(r.b)))}` : nothing}
          ${okA && okB
            ? html`<tr class="group"><th colspan="5">Measured on this GPU (${okA.deviceName})</th></tr>
                ${this.metricRow(gpuRows[0], okA.medianMs, okB.medianMs)}
                ${this.metricRow(gpuRows[1], okA.gflops, okB.gflops)}
                <tr><th scope="row">Matches the CPU reference</th><td>${okA.ok ? 'yes' : 'NO'}</td><td>${okB.ok ? 'yes' : 'NO'}</td><td></td><td></td></tr>`
            : nothing}
        </tbody>
      </table>
      ${[ms.a, ms.b].map((x, i) => (x && x.status !== 'ok' ? html`<p class="err">${i ? 'B' : 'A'}: ${'message' in x ? x.message : x.status}</p>` : nothing))}
      ${sameKernel && (okA || ms.running) ? html`<p class="msg">Both sides run the same kernel on your GPU; the chip presets only change the prediction.</p>` : nothing}`;
  }

  override render() {
    if (!this.state) return html`<p class="msg">Loading…</p>`;
    const s = this.state;
    const active = COMPARE_PRESETS.find((p) => JSON.stringify(p.state) === JSON.stringify(s));
    const ms = this.measured;
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
          <span class="msg" role="status">${this.busy ? 'Simulating…' : (ms.message ?? '')}</span>
          <button class="primary" @click=${this.runMeasured} ?disabled=${this.gpuOk !== true || ms.running}
            title=${this.gpuOk === false ? `WebGPU is unavailable: ${this.gpuWhy}` : 'Time both kernels on this GPU (10 samples each) and check them against the CPU reference'}>Run both on this GPU</button>
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
