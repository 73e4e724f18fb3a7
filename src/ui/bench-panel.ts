// Bench panel: pick kernel, variant, shape and tile parameters (generated from the registry's
// ParamDocs), run on this GPU, see timing, throughput, the CPU-reference check and the sample
// distribution; beside it the sharer's results (from the link) and the chip model's prediction.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { unsafeCSS } from 'lit';
import { callback, type ApiRemote } from '../worker/client.ts';
import type { BenchOk, BenchResult, CheckResult, KernelInfo } from '../worker/api.ts';
import type { BenchState, ChipState, Results, StateChangeDetail } from '../share/state.ts';
import type { SimResult } from '../chip/types.ts';
import type { ParamDoc } from '../kernels/kernel.ts';
import './glossary.ts';
import './suite-table.ts';
import './gpu-status.ts';

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(digits)) : '–');
const ms = (x: number) => `${fmt(x)} ms`;
/** A duration in the unit that reads best: s, ms, µs or ns (chip predictions span nine decades). */
const duration = (seconds: number) =>
  !Number.isFinite(seconds) ? '–' : seconds >= 1 ? `${fmt(seconds)} s` : seconds >= 1e-3 ? `${fmt(seconds * 1e3)} ms` : seconds >= 1e-6 ? `${fmt(seconds * 1e6)} µs` : `${fmt(seconds * 1e9)} ns`;
const isTileParam = (p: ParamDoc) => /tile|workgroup|register|block/i.test(p.doc);

@customElement('jp-bench-panel')
export class BenchPanel extends LitElement {
  /** The worker facade. */
  @property({ attribute: false }) api?: ApiRemote;
  /** The bench slice of the share state. */
  @property({ attribute: false }) state?: BenchState;
  /** The chip slice (preset, overrides, dataflow) used for the prediction beside the run. */
  @property({ attribute: false }) chip?: ChipState;
  /** The sharer's results carried by the link, if any. */
  @property({ attribute: false }) shared?: Results;

  @state() private kernels: KernelInfo[] = [];
  @state() private check: CheckResult | null = null;
  @state() private result: BenchResult | null = null;
  @state() private running = false;
  @state() private progress = { done: 0, total: 1, phase: '' };
  @state() private prediction: { status: string; result?: SimResult; message?: string } | null = null;
  @query('#dist') private distEl?: HTMLElement;
  private plot?: uPlot;
  private checkSeq = 0;

  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host { display: block; }
      .layout { display: grid; grid-template-columns: minmax(280px, 340px) 1fr; gap: 18px; align-items: start; }
      @media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
      .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 14px 16px; box-shadow: var(--jp-shadow); }
      .card + .card { margin-top: 14px; }
      .card.suite { margin-top: 18px; }
      h2 { font-size: 1rem; margin: 0 0 10px; }
      h3 { font-size: 0.85rem; margin: 12px 0 6px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--jp-muted); }
      .field { display: grid; grid-template-columns: 1fr 110px; align-items: center; gap: 8px; margin: 6px 0; }
      .field label { font-size: 0.9rem; }
      .field small { grid-column: 1 / -1; color: var(--jp-muted); margin-top: -4px; font-size: 0.78rem; }
      select, input[type='number'] { font: inherit; padding: 4px 6px; border: 1px solid var(--jp-border); border-radius: 6px; background: var(--jp-surface-2); color: var(--jp-text); min-width: 0; }
      .wide { grid-template-columns: 90px 1fr; }
      :is(select, input, button):focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 1px; }
      /* Sticky at the bottom of the screen while the form is taller than it: Run is always above the fold. */
      .actions { display: flex; gap: 10px; margin-top: 14px; align-items: center; flex-wrap: wrap; position: sticky; bottom: 0; z-index: 1; background: var(--jp-surface); padding: 8px 0; }
      button { font: inherit; padding: 7px 16px; border-radius: 6px; border: 1px solid var(--jp-border); background: var(--jp-surface-2); color: var(--jp-text); cursor: pointer; }
      button.primary { background: var(--jp-accent); border-color: var(--jp-accent); color: var(--jp-accent-text); font-weight: 600; }
      button:disabled { opacity: 0.55; cursor: not-allowed; }
      .error { color: var(--jp-error); background: var(--jp-error-bg); border-radius: 6px; padding: 8px 10px; font-size: 0.9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
      .warn { color: var(--jp-text); background: var(--jp-warn-bg); border-left: 4px solid var(--jp-warn); border-radius: 6px; padding: 6px 10px; font-size: 0.88rem; }
      .muted { color: var(--jp-muted); font-size: 0.88rem; }
      .desc { color: var(--jp-muted); font-size: 0.85rem; margin: 4px 0 8px; }
      .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin: 8px 0 12px; }
      .stat { background: var(--jp-surface-2); border-radius: 6px; padding: 8px 10px; }
      .stat b { display: block; font-size: 1.15rem; font-variant-numeric: tabular-nums; }
      .stat span { font-size: 0.78rem; color: var(--jp-muted); }
      .ok { color: var(--jp-ok); font-weight: 700; }
      .bad { color: var(--jp-error); font-weight: 700; }
      .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
      @media (max-width: 1100px) { .cols { grid-template-columns: 1fr; } }
      table { border-collapse: collapse; width: 100%; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
      th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--jp-border); }
      th { color: var(--jp-muted); font-weight: 600; }
      progress { width: 180px; accent-color: var(--jp-accent); }
      #dist { min-height: 200px; }
      .u-legend { color: var(--jp-text); font-size: 0.8rem; }
      code, .mono { font-family: var(--jp-mono); font-size: 0.85rem; }
      dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 0; font-size: 0.88rem; }
      dt { color: var(--jp-muted); }
      dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
    `,
  ];

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('api') && this.api && this.kernels.length === 0) {
      void this.api.listKernels().then((k) => {
        this.kernels = k;
        void this.revalidate();
      });
    } else if (changed.has('state') && this.kernels.length > 0) {
      const old = changed.get('state') as BenchState | undefined;
      if (!old || old.kernel !== this.state?.kernel || old.variant !== this.state?.variant || JSON.stringify(old.params) !== JSON.stringify(this.state?.params)) void this.revalidate();
    }
    if (changed.has('chip') && this.check?.status === 'ok') {
      const old = changed.get('chip') as ChipState | undefined;
      if (!old || old.preset !== this.chip?.preset || old.dataflow !== this.chip?.dataflow || JSON.stringify([old.grid, old.array]) !== JSON.stringify([this.chip?.grid, this.chip?.array])) void this.predict();
    }
  }

  override disconnectedCallback(): void {
    this.plot?.destroy();
    super.disconnectedCallback();
  }

  private get kernel(): KernelInfo | undefined {
    return this.kernels.find((k) => k.name === this.state?.kernel) ?? this.kernels[0];
  }

  private emit(patch: Partial<BenchState>): void {
    this.dispatchEvent(new CustomEvent<StateChangeDetail<'bench'>>('state-change', { detail: { patch }, bubbles: true, composed: true }));
  }

  private async revalidate(): Promise<void> {
    const k = this.kernel;
    if (!this.api || !k || !this.state) return;
    const seq = ++this.checkSeq;
    const variant = k.variants.includes(this.state.variant) ? this.state.variant : k.defaultVariant;
    const c = await this.api.checkParams(k.name, variant, this.state.params);
    if (seq !== this.checkSeq) return;
    this.check = c;
    if (c.status === 'ok') void this.predict();
  }

  private async predict(): Promise<void> {
    const k = this.kernel;
    if (!this.api || !k || !this.state || !this.chip) return;
    const { preset, grid, array, dataflow } = this.chip;
    const r = await this.api.simulatePlan({ preset, grid, array }, k.name, this.state.variant, this.state.params, dataflow as 'output-stationary', { maxTraceEvents: 0 });
    this.prediction = r.status === 'ok' ? { status: 'ok', result: r.result } : { status: r.status, message: r.message };
  }

  private setParam(p: ParamDoc, raw: string | boolean): void {
    if (!this.state) return;
    let value: number | boolean | string = raw;
    if (typeof p.default === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) return;
      value = n;
    }
    const params = { ...this.state.params, [p.name]: value };
    if (value === p.default) delete params[p.name];
    this.emit({ params });
  }

  private chooseKernel(name: string): void {
    const k = this.kernels.find((x) => x.name === name);
    if (k) this.emit({ kernel: k.name, variant: k.defaultVariant, params: {} });
  }

  private async run(): Promise<void> {
    const k = this.kernel;
    if (!this.api || !k || !this.state || this.running) return;
    this.running = true;
    this.result = null;
    this.progress = { done: 0, total: 1, phase: 'starting' };
    try {
      const r = await this.api.runBench(
        { kernel: k.name, variant: this.state.variant, params: this.state.params, wgsl: this.state.wgsl },
        callback((done: number, total: number, phase: string) => {
          this.progress = { done, total, phase };
        }),
      );
      this.result = r;
      if (r.status === 'ok') {
        this.dispatchEvent(new CustomEvent<BenchOk>('bench-result', { detail: r, bubbles: true, composed: true }));
        await this.updateComplete;
        this.drawDistribution(r);
      } else if (r.status === 'error') {
        this.dispatchEvent(new CustomEvent('toast', { detail: { kind: 'error', message: r.message }, bubbles: true, composed: true }));
      }
    } catch (e) {
      this.result = { status: 'error', message: (e as Error).message };
    } finally {
      this.running = false;
    }
  }

  private drawDistribution(r: BenchOk): void {
    if (!this.distEl) return;
    this.plot?.destroy();
    const sorted = [...r.samplesMs].sort((a, b) => a - b);
    const frac = sorted.map((_, i) => (i + 1) / sorted.length);
    const cs = getComputedStyle(this);
    const c1 = cs.getPropertyValue('--jp-plot-1').trim() || '#b4361d';
    const text = cs.getPropertyValue('--jp-muted').trim() || '#555';
    const grid = cs.getPropertyValue('--jp-border').trim() || '#ddd';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    this.plot = new uPlot(
      {
        width: Math.max(280, Math.min(640, this.distEl.clientWidth || 560)),
        height: 200,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [
          { ...axis, label: 'time per run (ms)', labelSize: 18 },
          { ...axis, label: 'share of samples ≤ x', labelSize: 22, size: 44, labelGap: 4 },
        ],
        series: [{ label: 'ms' }, { label: 'cumulative', stroke: c1, width: 2, points: { show: true, size: 5, fill: c1 } }],
        legend: { show: false },
        cursor: { show: true },
      },
      [sorted, frac],
      this.distEl,
    );
  }

  private renderParam(p: ParamDoc, value: number | boolean | string) {
    const id = `p-${p.name}`;
    let input;
    if (typeof p.default === 'number') {
      const [min, max] = (p.allowed as [number, number] | undefined) ?? [1, 1 << 20];
      input = html`<input id=${id} type="number" min=${min} max=${max} step="1" .value=${String(value)} aria-describedby="${id}-doc" @change=${(e: Event) => this.setParam(p, (e.target as HTMLInputElement).value)} />`;
    } else if (typeof p.default === 'boolean') {
      input = html`<input id=${id} type="checkbox" .checked=${Boolean(value)} aria-describedby="${id}-doc" @change=${(e: Event) => this.setParam(p, (e.target as HTMLInputElement).checked)} />`;
    } else {
      const allowed = (p.allowed as string[] | undefined) ?? [String(p.default)];
      input = html`<select id=${id} aria-describedby="${id}-doc" @change=${(e: Event) => this.setParam(p, (e.target as HTMLSelectElement).value)}>
        ${allowed.map((a) => html`<option ?selected=${a === value}>${a}</option>`)}
      </select>`;
    }
    return html`<div class="field"><label for=${id}><code>${p.name}</code></label>${input}<small id="${id}-doc">${p.doc}</small></div>`;
  }

  private renderControls() {
    const k = this.kernel;
    const s = this.state;
    if (!k || !s) return html`<div class="card" role="status">Loading kernels…</div>`;
    const full = this.check?.status === 'ok' ? this.check.params : {};
    const valueOf = (p: ParamDoc) => s.params[p.name] ?? full[p.name] ?? p.default;
    const shape = k.params.filter((p) => !isTileParam(p));
    const tiles = k.params.filter(isTileParam);
    const edited = Object.keys(s.wgsl);
    return html`<div class="card">
      <h2>Kernel</h2>
      <div class="field wide"><label for="kernel">Kernel</label>
        <select id="kernel" @change=${(e: Event) => this.chooseKernel((e.target as HTMLSelectElement).value)}>
          ${this.kernels.map((x) => html`<option value=${x.name} ?selected=${x.name === k.name}>${x.title}</option>`)}
        </select></div>
      <div class="field wide"><label for="variant">Variant</label>
        <select id="variant" @change=${(e: Event) => this.emit({ variant: (e.target as HTMLSelectElement).value })}>
          ${k.variants.map((v) => html`<option value=${v} ?selected=${v === s.variant}>${v}${v === k.baselineVariant ? ' (baseline)' : ''}</option>`)}
        </select></div>
      <p class="desc">${k.description}</p>
      ${shape.length ? html`<h3>Shape</h3>${shape.map((p) => this.renderParam(p, valueOf(p)))}` : nothing}
      ${tiles.length ? html`<h3>Tiling</h3>${tiles.map((p) => this.renderParam(p, valueOf(p)))}` : nothing}
      ${this.check?.status === 'invalid' ? html`<p class="error" role="alert" id="param-error">${this.check.message}</p>` : nothing}
      ${this.check?.status === 'ok'
        ? html`<p class="muted">${fmt(this.check.flops / 1e6)} MFLOP · ${fmt(this.check.ioBytes / 1024)} KiB <jp-term name="compulsory traffic">compulsory traffic</jp-term> · ${this.check.tiles} workgroups · shaders ${this.check.shaders.join(', ')}</p>`
        : nothing}
      ${edited.length ? html`<p class="warn">Running your edited WGSL: ${edited.join(', ')} (see the WGSL editor tab).</p>` : nothing}
      <div class="actions">
        <button class="primary" id="run" @click=${this.run} ?disabled=${this.running || this.check?.status !== 'ok'}>Run on your GPU</button>
        ${this.running
          ? html`<button id="cancel" @click=${() => this.api?.cancel()}>Cancel</button>
              <progress max=${this.progress.total} value=${this.progress.done} aria-label="Run progress"></progress>
              <span class="muted" role="status">${this.progress.phase}</span>`
          : nothing}
      </div>
    </div>`;
  }

  private renderResult() {
    const r = this.result;
    if (!r) return html`<p class="muted">Run the kernel to measure it on your GPU. The result is checked against a CPU reference (f64 accumulation).</p>`;
    switch (r.status) {
      case 'cancelled':
        return html`<p class="muted" role="status">Run cancelled.</p>`;
      case 'invalid':
      case 'error':
      case 'no-gpu':
        return html`<p class="error" role="alert">${r.message}</p>`;
      case 'compile-error':
        return html`<div class="error" role="alert">Your edited <code>${r.shader}.wgsl</code> does not compile:\n${r.messages.map((m) => `line ${m.line}:${m.column} ${m.message}`).join('\n')}</div>`;
      case 'ok':
        return html`
          <div class="stats" id="result" data-ok=${String(r.ok)}>
            <div class="stat"><span>Correct vs CPU</span><b class=${r.ok ? 'ok' : 'bad'} id="ok">${r.ok ? '✓ ok' : '✗ mismatch'}</b></div>
            <div class="stat"><span>Median</span><b>${ms(r.medianMs)}</b></div>
            <div class="stat"><span>p10 / p90</span><b>${fmt(r.p10Ms)} / ${fmt(r.p90Ms)}</b></div>
            <div class="stat"><span>Throughput</span><b>${fmt(r.gflops)} GFLOP/s</b></div>
            <div class="stat"><span>Bandwidth</span><b>${fmt(r.gbps)} GB/s</b></div>
            <div class="stat"><span>Max |error|</span><b id="max-err">${r.maxAbsErr.toExponential(2)}</b></div>
          </div>
          ${r.quantized ? html`<p class="warn" role="note">⚠ ${r.timerNote}</p>` : nothing}
          <figure style="margin:0"><figcaption class="muted">Distribution of ${r.samplesMs.length} samples (cumulative)</figcaption><div id="dist"></div></figure>
          <dl>
            <dt>Check</dt><dd class="mono">${r.check.join(' · ')}</dd>
            <dt>Timer</dt><dd>${r.timer}${r.resolutionNs !== null ? `, resolution ${r.resolutionNs >= 1000 ? `${fmt(r.resolutionNs / 1000)} µs` : `${r.resolutionNs} ns`}` : ''}, ${r.reps} dispatch(es) per sample${r.quantized ? '' : ` — ${r.timerNote}`}</dd>
            <dt>Adapter</dt><dd>${r.deviceName}${r.device.software ? ' — software adapter: timings are only good for ratios' : ''}</dd>
            <dt>Features</dt><dd class="mono">${r.device.features.join(', ') || 'none'}</dd>
            ${r.edited.length ? html`<dt>Edited</dt><dd>${r.edited.join(', ')}</dd>` : nothing}
          </dl>`;
    }
  }

  private renderShared() {
    const sh = this.shared;
    if (!sh) return nothing;
    const mine = this.result?.status === 'ok' ? this.result : null;
    return html`<div class="card" id="shared">
      <h2>Results from the link</h2>
      <p class="muted">Measured by the sharer on ${sh.device} (${sh.browser}).</p>
      <table>
        <thead><tr><th scope="col">kernel</th><th scope="col">shape</th><th scope="col">median</th><th scope="col">GFLOP/s</th><th scope="col">ok</th>${mine ? html`<th scope="col">yours</th>` : nothing}</tr></thead>
        <tbody>
          ${sh.rows.map((row) => {
            const same = mine && mine.kernel === row.kernel && mine.variant === row.variant && mine.shape === row.shape;
            return html`<tr><td>${row.kernel}/${row.variant}</td><td class="mono">${row.shape}</td><td>${ms(row.medianMs)}</td><td>${fmt(row.gflops)}</td><td>${row.ok ? '✓' : '✗'}</td>${mine ? html`<td>${same ? `${ms(mine.medianMs)} (${fmt(row.medianMs / mine.medianMs)}× theirs)` : '–'}</td>` : nothing}</tr>`;
          })}
        </tbody>
      </table>
    </div>`;
  }

  private renderPrediction() {
    const p = this.prediction;
    const chip = this.chip;
    return html`<div class="card" id="prediction">
      <h2>Chip model prediction${chip ? html` <span class="muted">· ${chip.preset}, ${chip.dataflow}</span>` : nothing}</h2>
      ${!p
        ? html`<p class="muted">Computing…</p>`
        : p.status !== 'ok' || !p.result
          ? html`<p class="muted">${p.message}</p>`
          : html`<div class="stats">
                <div class="stat"><span>Predicted time</span><b>${duration(p.result.timeS)}</b></div>
                <div class="stat"><span>MAC utilization</span><b>${fmt(p.result.utilization * 100)} %</b></div>
                <div class="stat"><span>Bound</span><b>${p.result.bound}</b></div>
                <div class="stat"><span>Energy</span><b>${fmt(p.result.energyJ * 1e6)} µJ</b></div>
              </div>
              <dl>
                <dt>HBM bytes</dt><dd>${fmt(p.result.bytes.hbm / 1024)} KiB</dd>
                <dt>NoC bytes</dt><dd>${fmt(p.result.bytes.noc / 1024)} KiB</dd>
                <dt>Cycles</dt><dd>${fmt(p.result.cycles)}</dd>
                ${p.result.fit.fits ? nothing : html`<dt>Fit</dt><dd class="bad">${p.result.fit.messages.join(' ')}</dd>`}
              </dl>`}
    </div>`;
  }

  override render() {
    return html`<div class="layout">
      <div>${this.renderControls()}</div>
      <div>
        <jp-gpu-status .api=${this.api} mode="panel"></jp-gpu-status>
        <div class="cols">
          <div class="card"><h2>Your GPU</h2>${this.renderResult()}</div>
          <div>${this.renderShared()}${this.renderPrediction()}</div>
        </div>
        <div class="card suite"><jp-suite-table .api=${this.api}></jp-suite-table></div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-bench-panel': BenchPanel;
  }
}
