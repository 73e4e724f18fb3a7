// <jp-chip-tab>: pick a chip preset (with grid / MAC-array overrides), a kernel configuration and a
// dataflow; the worker's chip model simulates it and the canvas animates the trace. Beside it,
// "measured vs predicted": the instrumented GPU run's per-workgroup bytes and start/finish order.
//
import { LitElement, css, html, nothing } from 'lit';
import { formStyles } from './styles.ts';
import { customElement, property, state } from 'lit/decorators.js';
import { resolveDataflow } from './bench-logic.ts';
import { Task, TaskStatus } from '@lit/task';
import type { ApiRemote } from '../worker/client.ts';
import type { KernelInfo } from '../worker/api.ts';
import type { InstrumentedRun } from '../worker/instrumented.ts';
import type { ChipPreset, SimResult } from '../chip/types.ts';
import type { KernelCost } from '../models/kernel-cost.ts';
import './split-bar.ts';
import type { ChipState } from '../share/state.ts';
import { emitStateChange } from './events.ts';
import { formatBytes, type RenderTrace } from './chip-render.ts';
import { formatDuration, formatEnergy, formatPercent } from './format.ts';
import type { TimeChangeDetail } from './timeline.ts';
import './chip-canvas.ts';
import './kernel-picker.ts';
import type { PickerChange } from './kernel-picker.ts';
import './chip-legend.ts';
import './glossary.ts';
import './timeline.ts';

export const DATAFLOWS = ['output-stationary', 'weight-stationary'] as const;

@customElement('jp-chip-tab')
export class JpChipTab extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state. */
  @property({ attribute: false }) state?: ChipState;

  @state() private time = 0;
  @state() private measured: { run: InstrumentedRun; trace: RenderTrace } | null = null;
  @state() private measuredMsg: string | null = null;
  @state() private gpuOk: boolean | null = null;

  private listsTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => {
      if (!api) return null;
      const [chips, kernels] = await Promise.all([api.listChips(), api.listKernels()]);
      api.gpuStatus().then((g) => (this.gpuOk = g.available)).catch(() => (this.gpuOk = false));
      return { chips, kernels };
    },
    args: () => [this.api] as const,
  });

  /** The chip model's run and its animation for the current setup; Task drops superseded answers. */
  private simTask = new Task(this, {
    task: async ([api, key]: readonly [ApiRemote | undefined, string]): Promise<{ sim: SimResult; view: RenderTrace; op?: KernelCost } | null> => {
      void key;
      const s = this.state;
      if (!api || !s) return null;
      // the raw plan costed by the one per-op cost model, as the Roofline, Bench and Walkthrough cost it
      const out = await api.simulateChipView({ preset: s.preset, grid: s.grid, array: s.array }, s.kernel, s.variant, s.params, s.dataflow as 'output-stationary', { cost: { as: 'raw' } });
      if (out.status !== 'ok') throw new Error(out.message);
      return out.result;
    },
    args: () => {
      const s = this.state;
      return [this.api, JSON.stringify(s ? [s.preset, s.grid, s.array, s.dataflow, s.kernel, s.variant, s.params] : null)] as const;
    },
    onComplete: (r) => {
      if (!r) return;
      this.time = (this.state?.timeFrac ?? 0) * r.view.cycles;
      this.measured = null;
      this.measuredMsg = null;
    },
  });

  private get chips(): ChipPreset[] {
    return this.listsTask.value?.chips ?? [];
  }
  private get kernels(): KernelInfo[] {
    return this.listsTask.value?.kernels ?? [];
  }
  private get failed(): boolean {
    return this.simTask.status === TaskStatus.ERROR;
  }
  private get sim(): SimResult | null {
    return this.failed ? null : (this.simTask.value?.sim ?? null);
  }
  private get trace(): RenderTrace | null {
    return this.failed ? null : (this.simTask.value?.view ?? null);
  }
  private get simError(): string | null {
    return this.failed ? (this.simTask.error instanceof Error ? this.simTask.error.message : String(this.simTask.error)) : null;
  }
  private get busy(): boolean {
    return this.simTask.status === TaskStatus.PENDING;
  }

  static override styles = [formStyles, css`
    :host { display: block; color: var(--jp-text); }
    .layout { display: grid; grid-template-columns: minmax(240px, 300px) 1fr; gap: var(--jp-gap); align-items: start; }
    @media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
    .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 12px 14px; box-shadow: var(--jp-shadow); }
    form { display: grid; gap: 10px; }
    fieldset { border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 8px 10px; margin: 0; display: grid; gap: 8px; }
    legend { color: var(--jp-muted); font-size: 0.85rem; padding: 0 4px; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
    .params { display: grid; grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); gap: 6px; }
    select, input { width: 100%; }
    button { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 5px 12px; cursor: pointer; }
    button[aria-pressed='true'] { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    .views { display: grid; grid-template-columns: 1fr; gap: var(--jp-gap); }
    .stage { display: grid; gap: 8px; }
    .head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
    .head h2 { font-size: 1rem; margin: 0; }
    .head .spacer { flex: 1; }
    jp-chip-canvas.main { height: clamp(320px, 52vh, 560px); }
    jp-chip-canvas.side { height: 260px; }
    .metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; margin: 0; }
    .metrics div { background: var(--jp-surface-2); border-radius: 6px; padding: 6px 8px; }
    .metrics dt { font-size: 0.78rem; color: var(--jp-muted); }
    .metrics dd { margin: 0; font-family: var(--jp-mono); font-variant-numeric: tabular-nums; font-size: 0.95rem; }
    .bound { font-weight: 600; }
    .bound.memory { color: var(--jp-plot-2); } .bound.compute { color: var(--jp-ok); } .bound.noc { color: var(--jp-accent); }
    .mvp { display: grid; grid-template-columns: 1fr 1fr; gap: var(--jp-gap); }
    @media (max-width: 900px) { .mvp { grid-template-columns: 1fr; } }
    .msg { color: var(--jp-muted); font-size: 0.9rem; margin: 4px 0; }
    .err { color: var(--jp-error); background: var(--jp-error-bg); border-radius: 6px; padding: 6px 10px; }
    ul.notes { margin: 6px 0 0; padding-left: 18px; color: var(--jp-muted); font-size: 0.85rem; }
  `];

  override willUpdate(changed: Map<string, unknown>): void {
    // An unknown dataflow from a link: say so and run the first known one (the state follows).
    if (changed.has('state') && this.state) {
      const r = resolveDataflow(DATAFLOWS, this.state.dataflow);
      if (r.notice) {
        this.dataflowNotice = r.notice;
        this.patch({ dataflow: r.dataflow });
      }
    }
    // Back / Forward or a link to another moment of the same run: follow the state's time.
    if (changed.has('state') && this.state && !this.playing && this.trace && this.simTask.status === TaskStatus.COMPLETE) {
      this.time = this.state.timeFrac * this.trace.cycles;
    }
  }

  private playing = false;
  /** Why a link's dataflow was replaced, until the user picks one. */
  @state() private dataflowNotice: string | null = null;

  private patch(p: Partial<ChipState>): void {
    emitStateChange<'chip'>(this, p);
  }

  private onTime(e: CustomEvent<TimeChangeDetail>): void {
    this.time = e.detail.timeCycles;
    this.playing = e.detail.playing;
    if (!e.detail.playing) this.patch({ timeFrac: e.detail.timeFrac });
  }

  private async runMeasured(): Promise<void> {
    const s = this.state;
    const api = this.api;
    if (!s || !api) return;
    this.measuredMsg = 'Running the instrumented kernel on this GPU…';
    try {
      const out = await api.runInstrumented(s.kernel, s.variant, s.params);
      if (out.status !== 'ok') {
        this.measuredMsg = out.message;
        return;
      }
      this.measured = { run: out.run, trace: out.view };
      this.measuredMsg = null;
    } catch (e) {
      this.measuredMsg = `The worker could not run the instrumented kernel: ${(e as Error).message}`;
    }
  }

  private renderControls() {
    const s = this.state!;
    const preset = this.chips.find((c) => c.id === s.preset);
    const grid = s.grid ?? preset?.config.grid;
    const array = s.array ?? preset?.config.tile.macArray;
    const num = (e: Event) => Number((e.target as HTMLInputElement).value);
    const dims = (which: 'grid' | 'array', cur: { rows: number; cols: number } | undefined, label: string) => html`
      <div class="pair">
        <label>${label} rows<input type="number" min="1" max="1024" .value=${String(cur?.rows ?? '')}
          @change=${(e: Event) => this.patch({ [which]: { rows: num(e), cols: cur?.cols ?? 1 } })} /></label>
        <label>${label} cols<input type="number" min="1" max="1024" .value=${String(cur?.cols ?? '')}
          @change=${(e: Event) => this.patch({ [which]: { rows: cur?.rows ?? 1, cols: num(e) } })} /></label>
      </div>`;
    return html`
      <form class="card" @submit=${(e: Event) => e.preventDefault()} aria-label="Simulation setup">
        <fieldset>
          <legend>Chip</legend>
          <label>Preset
            <select .value=${s.preset} @change=${(e: Event) => this.patch({ preset: (e.target as HTMLSelectElement).value, grid: undefined, array: undefined })}>
              ${this.chips.map((c) => html`<option value=${c.id} ?selected=${c.id === s.preset}>${c.label}${c.hypothetical ? ' (what-if)' : ''}</option>`)}
            </select>
          </label>
          ${dims('grid', grid, 'Tile grid')}
          ${dims('array', array, 'MAC array')}
          <label><span>Dataflow (<jp-term name=${s.dataflow === 'weight-stationary' ? 'weight-stationary' : 'output-stationary'}>what is this?</jp-term>)</span>
            <select .value=${s.dataflow} @change=${(e: Event) => { this.dataflowNotice = null; this.patch({ dataflow: (e.target as HTMLSelectElement).value }); }}>
              ${DATAFLOWS.map((d) => html`<option value=${d} ?selected=${d === s.dataflow}>${d}</option>`)}
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Kernel</legend>
          <div class="params">
            <jp-kernel-picker all id-prefix="chip" .api=${this.api} .kernels=${this.kernels} kernel=${s.kernel} variant=${s.variant} .params=${s.params}
              @picker-change=${(e: CustomEvent<PickerChange>) => this.patch(e.detail)}></jp-kernel-picker>
          </div>
        </fieldset>
        ${preset ? html`<p class="msg">${preset.description}</p>` : nothing}
      </form>`;
  }

  private renderMetrics(r: SimResult, op: KernelCost | undefined) {
    const m: Array<[string, unknown]> = [
      ...(op ? [['Op time (raw plan)', formatDuration(op.cost.timeS)] as [string, unknown]] : []),
      [op ? 'Kernel alone' : 'Time', formatDuration(r.timeS)],
      ['Cycles', Math.round(r.cycles).toLocaleString('en-US')],
      ['Utilization', formatPercent(r.utilization)],
      ['Bound', html`<span class="bound ${op?.cost.bound ?? r.bound}">${op?.cost.bound ?? r.bound}</span>`],
      ['HBM bytes', formatBytes(r.bytes.hbm)],
      ['NoC bytes', formatBytes(r.bytes.noc)],
      ['SRAM bytes', formatBytes(r.bytes.sram)],
      ['Energy', formatEnergy(r.energyJ)],
      [
        'Timing',
        r.timing === 'event'
          ? html`<span title="Every block transfer simulated, waiting for busy links, HBM stacks and MAC arrays">event-driven${r.events ? html` · ${Math.round(r.events.linkWaitCycles).toLocaleString('en-US')} <jp-term name="link-wait cycles">link-wait cycles</jp-term>` : nothing}</span>`
          : html`<span title="Too many transfers to simulate one by one: the analytic wave model (tested against the event model)">analytic</span>`,
      ],
    ];
    return html`<dl class="metrics" aria-label="Simulation metrics">${m.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
      ${op ? html`<jp-split-bar labelled data-testid="chip-split" .breakdown=${op.cost.breakdown}></jp-split-bar>
        <p class="msg">${op.how}; mechanisms: ${op.cost.mechanisms.length ? op.cost.mechanisms.map((x) => x.text).join('; ') : 'none'}. Bound: the largest part of the op's time.</p>` : nothing}
      ${r.notes.length || !r.fit.fits || r.trace.truncated || r.trace.sampled
        ? html`<ul class="notes">
            ${!r.fit.fits ? r.fit.messages.map((x) => html`<li class="err">${x}</li>`) : nothing}
            ${r.trace.sampled ? html`<li>Events were aggregated (several loop iterations per event) to keep the trace small.</li>` : nothing}
            ${r.trace.truncated ? html`<li>The trace was cut at its event cap; the metrics cover the whole run.</li>` : nothing}
            ${r.notes.map((x) => html`<li>${x}</li>`)}
          </ul>`
        : nothing}`;
  }

  private renderMeasured() {
    const frac = this.trace && this.trace.cycles > 0 ? this.time / this.trace.cycles : 0;
    const m = this.measured;
    const pass = m?.run.passes[0];
    const n = pass ? pass.loadBytes.length : 0;
    return html`
      <section class="card stage" aria-labelledby="mvp-h">
        <div class="head">
          <h2 id="mvp-h">Measured vs predicted</h2><span class="spacer"></span>
          <button @click=${this.runMeasured} ?disabled=${this.gpuOk === false}>Run instrumented on this GPU</button>
        </div>
        <p class="msg">Left: the GPU's workgroups (one cell each) in the order they started and finished, with the bytes each one loaded.
          Right: the chip model's prediction for the same plan. The playhead is shared.</p>
        <div class="mvp">
          <div>
            <jp-chip-canvas class="side" label="Measured GPU workgroups" .trace=${m?.trace ?? null} .time=${frac * (m?.trace.cycles ?? 0)}
              placeholder=${this.gpuOk === false ? 'WebGPU is unavailable here: only the prediction is shown.' : 'Not run yet'}></jp-chip-canvas>
            ${pass
              ? html`<p class="msg" data-testid="measured-summary">${pass.label}: ${pass.grid.join('×')} workgroups; ${pass.matching} of ${n} loaded and stored exactly the bytes the plan predicts.</p>`
              : nothing}
            ${this.measuredMsg ? html`<p class="msg" role="status">${this.measuredMsg}</p>` : nothing}
          </div>
          <div>
            <jp-chip-canvas class="side" label="Predicted chip tiles" .trace=${this.trace} .time=${this.time}></jp-chip-canvas>
            ${this.sim ? html`<p class="msg">${this.chips.find((c) => c.id === this.state?.preset)?.label ?? this.sim.chip}: ${this.trace?.rows}×${this.trace?.cols} tiles, ${this.sim.passes.reduce((a, p) => a + p.waves, 0)} <jp-term name="waves">${this.sim.passes.reduce((a, p) => a + p.waves, 0) === 1 ? 'wave' : 'waves'}</jp-term></p>` : nothing}
          </div>
        </div>
      </section>`;
  }

  override render() {
    if (!this.state) return html`<p class="msg">Loading…</p>`;
    const s = this.state;
    const tr = this.trace;
    return html`
      <div class="layout">
        ${this.renderControls()}
        <div class="views">
          <section class="card stage" aria-labelledby="chip-h">
            <div class="head">
              <h2 id="chip-h">${this.sim ? `${s.kernel} / ${s.variant} on ${this.chips.find((c) => c.id === s.preset)?.label ?? s.preset}` : 'Chip view'}</h2>
              <span class="spacer"></span>
              <div role="group" aria-label="View mode">
                <button aria-pressed=${s.view === 'utilization' ? 'true' : 'false'} @click=${() => this.patch({ view: 'utilization' })}>Utilization</button>
                <button aria-pressed=${s.view === 'traffic' ? 'true' : 'false'} @click=${() => this.patch({ view: 'traffic' })}>Link traffic</button>
              </div>
            </div>
            ${this.dataflowNotice ? html`<p class="warn" role="status" data-testid="dataflow-notice">${this.dataflowNotice}</p>` : nothing}
            ${this.simError ? html`<p class="err" role="alert">${this.simError}</p>` : nothing}
            <jp-chip-canvas class="main" .trace=${tr} .time=${this.time} .mode=${s.view}
              placeholder=${this.busy ? 'Simulating…' : 'No simulation'} label="Chip tile grid"></jp-chip-canvas>
            <jp-chip-legend .mode=${s.view} .note=${this.chips.find((c) => c.id === s.preset)?.drawingNote ?? ''}></jp-chip-legend>
            <jp-timeline .cycles=${tr?.cycles ?? 0} .time=${this.time} .clockHz=${tr?.clockHz ?? 0} unit="cycle"
              @time-change=${this.onTime}></jp-timeline>
            ${this.sim ? this.renderMetrics(this.sim, this.simTask.value?.op) : nothing}
          </section>
          ${this.renderMeasured()}
        </div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-chip-tab': JpChipTab;
  }
}
