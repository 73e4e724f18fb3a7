// Bench panel: pick kernel, variant, shape and tile parameters (generated from the registry's
// ParamDocs), run on this GPU, see timing, throughput, the CPU-reference check and the sample
// distribution; beside it the sharer's results (from the link) and the chip model's prediction.
//
// What the panel shows, checks, predicts and runs is always one configuration: `resolved`
// (bench-logic.ts turns an unknown kernel or variant from a link into a named fallback and writes
// it back to the state). Worker calls go through @lit/task, which drops stale answers.
import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { Task, TaskStatus } from '@lit/task';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { callback, type ApiRemote } from '../worker/client.ts';
import type { BenchOk, BenchResult, CheckResult, GpuStatus, KernelInfo } from '../worker/api.ts';
import type { BenchState, ChipState, Results } from '../share/state.ts';
import type { ParamDoc } from '../kernels/kernel.ts';
import { emit, emitStateChange, toast } from './events.ts';
import { sharedStyles } from './styles.ts';
import { fmtSig as fmt, formatBytes, formatDuration as duration, formatEnergy, formatPercent, linkValue, LINK_RANGES, plural, speedRatioText } from './format.ts';
import { missingCapability, paramUsedBy, resolveBench, type ResolvedBench } from './bench-logic.ts';
import { isReceived, keepReceivedEdits } from './wgsl-store.ts';
import './glossary.ts';
import './suite-table.ts';
import './gpu-status.ts';
import './op-cost.ts';
import './kernel-picker.ts';
import type { JpKernelPicker, PickerChange } from './kernel-picker.ts';

const ms = (x: number) => `${fmt(x)} ms`;
const isTileParam = (p: ParamDoc) => /tile|workgroup|register|block/i.test(p.doc);
const key = (...parts: unknown[]) => JSON.stringify(parts);

/** What one Run measured, and the configuration it ran (to tell a stale result from a fresh one). */
interface RunRecord {
  config: string;
  result: BenchResult;
}

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

  @state() private run: RunRecord | null = null;
  @state() private running = false;
  @state() private progress = { done: 0, total: 1, phase: '' };
  /** Notices about a link's unknown kernel or variant, kept until the user picks another kernel. */
  @state() private notices: string[] = [];
  /** A field that holds no number (kept out of the share state, whose schema wants finite numbers). */
  @state() private badInput: { name: string; message: string } | null = null;
  @query('#dist') private distEl?: HTMLElement;
  /** The one kernel / variant picker; it owns the shape rule (and its queue of changes), so new values go through its setParam. */
  @query('jp-kernel-picker') private picker?: JpKernelPicker;
  private plot?: uPlot;

  private kernelsTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => (api ? api.listKernels() : []),
    args: () => [this.api] as const,
  });

  /** The chip presets, for the prediction header's preset name (not its id). */
  private chipsTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => (api ? api.listChips() : []),
    args: () => [this.api] as const,
  });

  private gpuTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]): Promise<GpuStatus | null> => (api ? api.gpuStatus() : null),
    args: () => [this.api] as const,
  });

  /** Per variant of the current kernel: the device features it needs (they do not depend on the shape). */
  private needsTask = new Task(this, {
    task: async ([api, kernel]: readonly [ApiRemote | undefined, KernelInfo | undefined]) => {
      const out = new Map<string, CheckResult>();
      if (!api || !kernel) return out;
      for (const v of kernel.variants) out.set(v, await api.checkParams(kernel.name, v, {}));
      return out;
    },
    args: () => [this.api, this.resolved?.kernel] as const,
  });

  private checkTask = new Task(this, {
    task: async ([api, k]: readonly [ApiRemote | undefined, string]): Promise<CheckResult | null> => {
      const r = this.resolved;
      if (!api || !r || !this.state) return null;
      void k;
      return api.checkParams(r.kernel.name, r.variant, this.state.params);
    },
    args: () => [this.api, key(this.resolved?.kernel.name, this.resolved?.variant, this.state?.params)] as const,
  });

  /**
   * The chip model's prediction for exactly the configuration shown (an invalid one says why): the raw
   * plan (this variant, its own tiling and storage) costed with the chip's runtime mechanisms, and the
   * same shape as a deployment on the chip would run it, with why the two differ.
   */
  private predictTask = new Task(this, {
    task: async ([api, k]: readonly [ApiRemote | undefined, string]) => {
      const r = this.resolved;
      if (!api || !r || !this.state || !this.chip) return null;
      void k;
      const { preset, grid, array, dataflow } = this.chip;
      return api.simulateKernel({ preset, grid, array }, r.kernel.name, r.variant, this.state.params, { as: 'raw', withDeployed: true, dataflow: dataflow as 'output-stationary', maxTraceEvents: 0 });
    },
    args: () => [this.api, key(this.resolved?.kernel.name, this.resolved?.variant, this.state?.params, this.chip?.preset, this.chip?.dataflow, this.chip?.grid, this.chip?.array)] as const,
  });

  static override styles = [
    unsafeCSS(uPlotCss),
    sharedStyles,
    css`
      :host { display: block; }
      .layout { display: grid; grid-template-columns: minmax(280px, 340px) minmax(0, 1fr); gap: 18px; align-items: start; }
      @media (max-width: 900px) { .layout { grid-template-columns: minmax(0, 1fr); } }
      .card { padding: 14px 16px; }
      .card + .card { margin-top: 14px; }
      .card.suite { margin-top: 18px; }
      h2 { margin: 0 0 10px; }
      h3 { font-size: 0.85rem; margin: 12px 0 6px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--jp-muted); }
      .field { display: grid; grid-template-columns: 1fr 110px; align-items: center; gap: 8px; margin: 6px 0; }
      .field label { font-size: 0.9rem; }
      .field small { grid-column: 1 / -1; color: var(--jp-muted); margin-top: -4px; font-size: 0.78rem; }
      .picker { display: grid; gap: 8px; margin: 6px 0; }
      /* Sticky at the bottom of the screen while the form is taller than it: Run is always above the fold. */
      .actions { display: flex; gap: 10px; margin-top: 14px; align-items: center; flex-wrap: wrap; position: sticky; bottom: 0; z-index: 1; background: var(--jp-surface); padding: 8px 0; }
      button { padding: 7px 16px; }
      .desc { color: var(--jp-muted); font-size: 0.85rem; margin: 4px 0 8px; }
      .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin: 8px 0 12px; }
      .stat { background: var(--jp-surface-2); border-radius: 6px; padding: 8px 10px; }
      .stat b { display: block; font-size: 1.15rem; font-variant-numeric: tabular-nums; }
      .stat span { font-size: 0.78rem; color: var(--jp-muted); }
      .cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
      @media (max-width: 1100px) { .cols { grid-template-columns: minmax(0, 1fr); } }
      th, td { text-align: left; padding: 4px 6px; }
      progress { width: 180px; accent-color: var(--jp-accent); }
      #dist { min-height: 200px; overflow-x: auto; }
      .u-legend { color: var(--jp-text); font-size: 0.8rem; }
      dl { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 4px 12px; margin: 0; font-size: 0.88rem; }
      dt { color: var(--jp-muted); }
      dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
      .warn .row { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 6px; }
      .warn button { padding: 3px 10px; min-height: 28px; }
      .stale { opacity: 0.7; }
    `,
  ];

  /** The configuration everything in the panel refers to. */
  private get resolved(): ResolvedBench | undefined {
    const kernels = this.kernelsTask.value ?? [];
    return this.state ? resolveBench(kernels, this.state.kernel, this.state.variant) : undefined;
  }

  private get configKey(): string {
    const r = this.resolved;
    return key(r?.kernel.name, r?.variant, this.state?.params, this.state?.wgsl);
  }

  override updated(changed: PropertyValues<this>): void {
    // A link named a kernel or variant we do not have: write what runs back to the state, and say so.
    const r = this.resolved;
    if (r && this.state && (r.kernel.name !== this.state.kernel || r.variant !== this.state.variant)) {
      if (r.notices.length) {
        this.notices = r.notices;
        toast(this, r.notices.join(' '));
      }
      emitStateChange<'bench'>(this, { kernel: r.kernel.name, variant: r.variant, ...(r.kernel.name !== this.state.kernel ? { params: {} } : {}) });
    }
    void changed;
  }

  override disconnectedCallback(): void {
    this.plot?.destroy();
    super.disconnectedCallback();
  }

  private setParam(p: ParamDoc, raw: string | boolean): void {
    if (!this.state) return;
    let value: number | boolean | string = raw;
    if (typeof p.default === 'number') {
      const n = Number(raw);
      // An empty or non-numeric field is sent as NaN so the check says what is allowed (never silently kept).
      value = raw === '' || !Number.isFinite(n) ? Number.NaN : n;
    }
    if (typeof value === 'number' && Number.isNaN(value)) {
      // NaN cannot live in the share state (its schema wants finite numbers): show the error locally.
      this.badInput = { name: p.name, message: `${p.name} must be a number (${this.allowedText(p)}).` };
      return;
    }
    this.badInput = null;
    // the picker merges the value into the newest requested params (a default drops the field), applies the
    // shape rule (the variant follows the new shape unless one was chosen) and answers with picker-change
    void this.picker?.setParam(p.name, value === p.default ? undefined : value);
  }

  private allowedText(p: ParamDoc): string {
    const a = p.allowed as [number, number] | undefined;
    const what = p.float ? 'a number' : 'an integer';
    return a ? `${what} in [${a[0]}, ${a[1]}]` : what;
  }

  /** The picker's new choice: a new kernel (its shape rule's variant, default params), a chosen variant, or params with the variant the rule gives. */
  private onPick(c: PickerChange): void {
    if (!this.state) return;
    if (c.kernel !== this.state.kernel) this.notices = [];
    if (c.kernel !== this.state.kernel || c.variant !== this.state.variant) this.badInput = null;
    emitStateChange<'bench'>(this, { kernel: c.kernel, variant: c.variant, params: c.params });
  }

  /** Why Run cannot start now, or null when it can. */
  private runBlocker(): string | null {
    const gpu = this.gpuTask.value;
    if (this.gpuTask.status !== TaskStatus.COMPLETE || !gpu) return 'Checking WebGPU…';
    if (!gpu.available) return `WebGPU is unavailable here: ${gpu.reason}`;
    const r = this.resolved;
    const needs = r ? this.needsTask.value?.get(r.variant) : undefined;
    if (r && needs?.status === 'ok') {
      const why = missingCapability(needs, gpu.device);
      if (why) return `${r.variant} cannot run here: ${why}. Pick another variant.`;
    }
    if (this.badInput) return this.badInput.message;
    const c = this.checkTask.value;
    if (this.checkTask.status === TaskStatus.PENDING || !c) return 'Checking the parameters…';
    if (c.status !== 'ok') return c.message;
    return null;
  }

  private async runBench(): Promise<void> {
    const r = this.resolved;
    if (!this.api || !r || !this.state || this.running || this.runBlocker()) return;
    const config = this.configKey;
    this.running = true;
    this.run = null;
    this.progress = { done: 0, total: 1, phase: 'starting' };
    try {
      const res = await this.api.runBench(
        { kernel: r.kernel.name, variant: r.variant, params: this.state.params, wgsl: this.state.wgsl },
        callback((done: number, total: number, phase: string) => {
          this.progress = { done, total, phase };
        }),
      );
      this.run = { config, result: res };
      if (res.status === 'ok') {
        emit(this, 'bench-result', res);
        await this.updateComplete;
        this.drawDistribution(res);
      } else if (res.status === 'error') {
        toast(this, res.message, 'error');
      }
    } catch (e) {
      this.run = { config, result: { status: 'error', message: (e as Error).message } };
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
    const bad = this.badInput?.name === p.name;
    let input;
    if (typeof p.default === 'number') {
      const [min, max] = (p.allowed as [number, number] | undefined) ?? [1, 1 << 20];
      input = html`<input id=${id} type="number" min=${min} max=${max} step=${p.float ? 'any' : '1'} .value=${String(value)} aria-invalid=${bad ? 'true' : 'false'} aria-describedby="${id}-doc" @change=${(e: Event) => this.setParam(p, (e.target as HTMLInputElement).value)} />`;
    } else if (typeof p.default === 'boolean') {
      input = html`<input id=${id} type="checkbox" .checked=${Boolean(value)} aria-describedby="${id}-doc" @change=${(e: Event) => this.setParam(p, (e.target as HTMLInputElement).checked)} />`;
    } else {
      const allowed = (p.allowed as string[] | undefined) ?? [String(p.default)];
      input = html`<select id=${id} .value=${String(value)} aria-describedby="${id}-doc" @change=${(e: Event) => this.setParam(p, (e.target as HTMLSelectElement).value)}>
        ${allowed.map((a) => html`<option ?selected=${a === value}>${a}</option>`)}
      </select>`;
    }
    return html`<div class="field"><label for=${id}><code>${p.name}</code></label>${input}<small id="${id}-doc">${p.doc}</small></div>`;
  }

  /** The edited-WGSL banner: the user's own edits, or the sharer's from the link (with "keep it as mine"). */
  private renderEdits(shadersUsed: readonly string[] | undefined) {
    const s = this.state;
    if (!s) return nothing;
    const edited = Object.keys(s.wgsl).filter((n) => !shadersUsed || shadersUsed.includes(n));
    if (!edited.length) return nothing;
    const theirs = edited.filter((n) => isReceived(n, s.wgsl[n]));
    const mine = edited.filter((n) => !theirs.includes(n));
    return html`
      ${theirs.length
        ? html`<div class="warn" id="received-edits" role="note">
            Running the sharer's edited WGSL from this link: ${theirs.map((n) => html`<code>${n}.wgsl</code> `)}. It applies to this link only and is not saved in this browser.
            <div class="row">
              <button id="keep-edits" @click=${() => {
                keepReceivedEdits();
                toast(this, `Kept the sharer's ${theirs.join(', ')} as your own edit (saved in this browser).`);
                this.requestUpdate();
              }}>Keep it as mine</button>
              <button id="drop-edits" @click=${() => {
                const wgsl = { ...s.wgsl };
                for (const n of theirs) delete wgsl[n];
                emitStateChange<'bench'>(this, { wgsl });
              }}>Use the original WGSL</button>
            </div>
          </div>`
        : nothing}
      ${mine.length ? html`<p class="warn" id="own-edits">Running your edited WGSL: ${mine.map((n) => html`<code>${n}.wgsl</code> `)}(see the WGSL editor tab).</p>` : nothing}`;
  }

  private renderControls() {
    const r = this.resolved;
    const s = this.state;
    if (this.kernelsTask.status === TaskStatus.ERROR) return html`<div class="card error" role="alert">Could not list the kernels: ${String(this.kernelsTask.error)}</div>`;
    if (!r || !s) return html`<div class="card" role="status">Loading kernels…</div>`;
    const k = r.kernel;
    const check = this.checkTask.value;
    const full = check?.status === 'ok' ? check.params : {};
    const valueOf = (p: ParamDoc) => s.params[p.name] ?? full[p.name] ?? p.default;
    const used = k.params.filter((p) => paramUsedBy(p, r.variant, k.variants));
    const shape = used.filter((p) => !isTileParam(p));
    const tiles = used.filter(isTileParam);
    const gpu = this.gpuTask.value;
    const needs = this.needsTask.value;
    const blocked = new Map<string, string>();
    for (const v of k.variants) {
      const n = needs?.get(v);
      const why = gpu?.available && n?.status === 'ok' ? missingCapability(n, gpu.device) : null;
      if (why) blocked.set(v, why);
    }
    const blocker = this.runBlocker();
    return html`<div class="card">
      <h2>Kernel</h2>
      ${this.notices.map((n) => html`<p class="warn" role="alert" data-testid="bench-notice">${n}</p>`)}
      <div class="picker">
        <jp-kernel-picker id-prefix="" no-params titles .api=${this.api} .kernels=${this.kernelsTask.value ?? []} .kernel=${k.name} .variant=${r.variant} .params=${s.params} .blocked=${blocked}
          @picker-change=${(e: CustomEvent<PickerChange>) => this.onPick(e.detail)}></jp-kernel-picker>
      </div>
      <p class="desc">${k.description}</p>
      ${shape.length ? html`<h3>Shape</h3>${shape.map((p) => this.renderParam(p, valueOf(p)))}` : nothing}
      ${tiles.length ? html`<h3>Tiling</h3>${tiles.map((p) => this.renderParam(p, valueOf(p)))}` : html`<p class="muted" id="no-tiles">${r.variant} has no tile parameters.</p>`}
      ${this.badInput ? html`<p class="error" role="alert" id="param-error">${this.badInput.message}</p>` : check?.status === 'invalid' ? html`<p class="error" role="alert" id="param-error">${check.message}</p>` : nothing}
      ${check?.status === 'ok' && !this.badInput
        ? html`<p class="muted" id="plan-summary">${fmt(check.flops / 1e6)} MFLOP · ${formatBytes(check.ioBytes)} <jp-term name="compulsory traffic">compulsory traffic</jp-term> · ${plural(check.tiles, 'workgroup')} · ${check.shaders.length === 1 ? 'shader' : 'shaders'} ${check.shaders.join(', ')}</p>`
        : nothing}
      ${this.renderEdits(check?.status === 'ok' ? check.shaders : undefined)}
      <div class="actions">
        <button class="primary" id="run" @click=${this.runBench} ?disabled=${this.running || blocker !== null} aria-describedby="run-why">Run on your GPU</button>
        ${this.running
          ? html`<button id="cancel" @click=${() => this.api?.cancel()}>Cancel</button>
              <progress max=${this.progress.total} value=${this.progress.done} aria-label="Run progress"></progress>
              <span class="muted" role="status">${this.progress.phase}</span>`
          : blocker && blocker !== (check?.status === 'invalid' ? check.message : '') && blocker !== this.badInput?.message
            ? html`<span class="muted" id="run-why">${blocker}</span>`
            : nothing}
      </div>
    </div>`;
  }

  private renderResult() {
    const rec = this.run;
    if (!rec) return html`<p class="muted">Run the kernel to measure it on your GPU. The result is checked against a CPU reference (f64 accumulation).</p>`;
    const r = rec.result;
    const stale = rec.config !== this.configKey;
    const staleNote = stale ? html`<p class="warn" id="stale-result">This result is from the configuration before your last change; run again to measure the current one.</p>` : nothing;
    switch (r.status) {
      case 'cancelled':
        return html`<p class="muted" role="status">Run cancelled.</p>`;
      case 'invalid':
      case 'error':
      case 'no-gpu':
        return html`<p class="error" role="alert">${r.message}</p>`;
      case 'compile-error':
        return html`<div class="error" role="alert">The edited <code>${r.shader}.wgsl</code> does not compile:\n${r.messages.map((m) => `line ${m.line}:${m.column} ${m.message}`).join('\n')}</div>`;
      case 'ok':
        return html`
          ${staleNote}
          <p class="muted" id="result-config">${r.kernel}/${r.variant} · <span class="mono">${r.shape}</span></p>
          <div class="stats ${stale ? 'stale' : ''}" id="result" data-ok=${String(r.ok)}>
            <div class="stat"><span>Correct vs CPU</span><b class=${r.ok ? 'ok' : 'bad'} id="ok">${r.ok ? '✓ ok' : '✗ mismatch'}</b></div>
            <div class="stat"><span>Median</span><b id="median">${ms(r.medianMs)}</b></div>
            <div class="stat"><span>p10 / p90</span><b>${fmt(r.p10Ms)} / ${fmt(r.p90Ms)}</b></div>
            <div class="stat"><span>Throughput</span><b>${fmt(r.gflops)} GFLOP/s</b></div>
            <div class="stat"><span>Bandwidth</span><b>${fmt(r.gbps)} GB/s</b></div>
            <div class="stat"><span>Max |error|</span><b id="max-err">${r.maxAbsErr.toExponential(2)}</b></div>
          </div>
          ${r.quantized ? html`<p class="warn" role="note">⚠ ${r.timerNote}</p>` : nothing}
          <figure style="margin:0"><figcaption class="muted">Distribution of ${plural(r.samplesMs.length, 'sample')} (cumulative)</figcaption><div id="dist"></div></figure>
          <dl>
            <dt>Check</dt><dd class="mono">${r.check.join(' · ')}</dd>
            <dt>Timer</dt><dd>${r.timer}${r.resolutionNs !== null ? `, resolution ${r.resolutionNs >= 1000 ? `${fmt(r.resolutionNs / 1000)} µs` : `${r.resolutionNs} ns`}` : ''}, ${plural(r.reps, 'dispatch', 'dispatches')} per sample${r.quantized ? '' : ` — ${r.timerNote}`}</dd>
            <dt>Adapter</dt><dd>${r.deviceName}${r.device.software ? ' — software adapter: timings are only good for ratios' : ''}</dd>
            <dt>Features</dt><dd class="mono">${r.device.features.join(', ') || 'none'}</dd>
            ${r.edited.length ? html`<dt>Edited</dt><dd>${r.edited.join(', ')}</dd>` : nothing}
          </dl>`;
    }
  }

  private renderShared() {
    const sh = this.shared;
    if (!sh) return nothing;
    const mine = this.run?.result.status === 'ok' ? this.run.result : null;
    // describeDevice() already names the browser ("… (browser Chrome/142)"): print it once.
    const where = sh.browser && !sh.device.includes(sh.browser) ? `${sh.device} (${sh.browser})` : sh.device;
    return html`<div class="card" id="shared">
      <h2>Results from the link</h2>
      <p class="muted" id="shared-device">Measured by the sharer on ${where}.</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Results from the link">
      <table>
        <thead><tr><th scope="col">kernel</th><th scope="col">shape</th><th scope="col">their median</th><th scope="col">GFLOP/s</th><th scope="col">ok</th>${mine ? html`<th scope="col">yours</th>` : nothing}</tr></thead>
        <tbody>
          ${sh.rows.map((row) => {
            const same = mine && mine.kernel === row.kernel && mine.variant === row.variant && mine.shape === row.shape;
            const theirs = linkValue(row.medianMs, LINK_RANGES.ms, ms);
            return html`<tr><td>${row.kernel}/${row.variant}</td><td class="mono">${row.shape}</td><td>${theirs}</td><td>${linkValue(row.gflops, LINK_RANGES.gflops, fmt, false)}</td><td>${row.ok ? '✓' : '✗'}</td>${mine ? html`<td data-testid="yours">${same ? `${ms(mine.medianMs)}${theirs === 'invalid in link' ? '' : `: ${speedRatioText(mine.medianMs, row.medianMs)}`}` : '–'}</td>` : nothing}</tr>`;
          })}
        </tbody>
      </table>
      </div>
    </div>`;
  }

  private renderPrediction() {
    const chip = this.chip;
    return html`<div class="card" id="prediction">
      <h2>Chip model prediction${chip ? html` <span class="muted">· ${[(this.chipsTask.value ?? []).find((c) => c.id === chip.preset)?.label, chip.dataflow].filter(Boolean).join(', ')}</span>` : nothing}</h2>
      ${this.predictTask.render({
        initial: () => html`<p class="muted" role="status">Waiting for the kernel list…</p>`,
        pending: () => html`<p class="muted" role="status">Computing…</p>`,
        error: (e) => html`<p class="error" role="alert" id="prediction-error">The chip model failed: ${String((e as Error)?.message ?? e)}</p>`,
        complete: (p) =>
          !p
            ? html`<p class="muted" role="status">Waiting for the kernel list…</p>`
            : p.status !== 'ok'
              ? html`<p class="muted" id="prediction-error">No prediction: ${p.message}</p>`
              : html`<div class="stats">
                    <div class="stat"><span>Predicted time (raw plan)</span><b id="pred-time">${duration(p.result.cost.timeS)}</b></div>
                    <div class="stat"><span>MAC utilization</span><b>${formatPercent(p.result.cost.sim.utilization)}</b></div>
                    <div class="stat"><span>Energy</span><b>${formatEnergy(p.result.cost.sim.energyJ)}</b></div>
                  </div>
                  <jp-op-cost .cost=${p.result}></jp-op-cost>
                  <dl>
                    <dt>HBM bytes</dt><dd id="pred-hbm">${formatBytes(p.result.cost.sim.bytes.hbm)}</dd>
                    <dt>NoC bytes</dt><dd>${formatBytes(p.result.cost.sim.bytes.noc)}</dd>
                    <dt>Cycles</dt><dd>${fmt(p.result.cost.sim.cycles)}</dd>
                    ${p.result.cost.sim.fit.fits ? nothing : html`<dt>Fit</dt><dd class="bad">${p.result.cost.sim.fit.messages.join(' ')}</dd>`}
                  </dl>`,
      })}
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
