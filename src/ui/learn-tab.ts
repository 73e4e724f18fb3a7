// <jp-learn-tab>: the guided walkthrough (walkthrough-steps.ts). Each step simulates its setups
// through the worker (the animated plan, the runs its text compares with, whole-model runs), opens
// the animation at its moment and renders text computed from those numbers. Back / Next, the step
// list and PageUp / PageDown (anywhere in the tab) move between steps; the step and the scrubbed
// moment are the share state's learn slice, so every step is a link to an exact moment.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { Task, TaskStatus } from '@lit/task';
import type { ApiRemote } from '../worker/client.ts';
import type { ChipConfig } from '../chip/types.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { KernelCost } from '../models/kernel-cost.ts';
import type { LearnState } from '../share/state.ts';
import { emitStateChange } from './events.ts';
import { formatBytes, type RenderTrace } from './chip-render.ts';
import { formatDuration, formatEnergy, formatPercent } from './format.ts';
import type { TimeChangeDetail } from './timeline.ts';
import { STORY_START, WALKTHROUGH, opRequest, planRequest, setupKey, stepRuns, type ModelSetup, type PlanSetup, type StepNumbers, type WalkthroughStep } from './walkthrough-steps.ts';
import { GLOSSARY, type Term } from './glossary.ts';
import './chip-canvas.ts';
import './op-cost.ts';
import './chip-legend.ts';
import './glossary.ts';
import './timeline.ts';

interface Loaded {
  numbers: StepNumbers;
  trace: RenderTrace;
}

@customElement('jp-learn-tab')
export class JpLearnTab extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state ({ step, timeFrac }). */
  @property({ attribute: false }) state?: LearnState;

  @state() private time = 0;
  @state() private mode: 'utilization' | 'traffic' = 'utilization';
  private playing = false;

  /** Every run the current step needs; Task drops the answers of a step already left. */
  private stepTask = new Task(this, {
    task: async ([api, i]: readonly [ApiRemote | undefined, number]): Promise<Loaded | null> => {
      if (!api) return null;
      const step = WALKTHROUGH[i];
      const runs = stepRuns(step);
      const view = this.chipView(step);
      const [main, plans, models, chips] = await Promise.all([
        view,
        Promise.all(runs.plans.map(async ([k, s]) => [k, await this.planRun(s)] as const)),
        // the model the animated op stands beside comes with the op (simulateKernel simulated it once)
        Promise.all(runs.models.map(async ([k, m]) => [k, k === step.opBeside && m.preset === step.setup.preset ? await this.besideRun(m, view) : await this.modelRun(m)] as const)),
        this.configs(),
      ]);
      return { numbers: { sim: main.op.cost.sim, op: main.op, plans: Object.fromEntries(plans), models: Object.fromEntries(models), chips }, trace: main.view };
    },
    args: () => [this.api, this.stepIndex] as const,
    onComplete: (r) => {
      if (r) this.time = this.momentOf(r.trace);
    },
  });

  private get loaded(): Loaded | null {
    return this.stepTask.status === TaskStatus.COMPLETE ? this.stepTask.value ?? null : null;
  }

  private get error(): string | null {
    return this.stepTask.status === TaskStatus.ERROR ? `This step's simulation is unavailable: ${this.stepTask.error instanceof Error ? this.stepTask.error.message : String(this.stepTask.error)}` : null;
  }

  private shownStep = -1;
  /** Runs already fetched, by setup: stepping back and forth does not simulate again. */
  private cache = new Map<string, Promise<unknown>>();
  private chipConfigs: Promise<Record<string, ChipConfig>> | null = null;
  @state() private chipLabels: Record<string, string> = {};
  @state() private chipNotes: Record<string, string> = {};

  static override styles = css`
    :host { display: block; color: var(--jp-text); }
    .layout { display: grid; grid-template-columns: minmax(300px, 440px) minmax(0, 1fr); grid-template-areas: 'text stage' 'list stage'; gap: var(--jp-gap); align-items: start; }
    .text { grid-area: text; }
    .stage { grid-area: stage; }
    .list { grid-area: list; }
    /* A phone shows the step, then its animation, then the list of steps. */
    @media (max-width: 900px) { .layout { grid-template-columns: minmax(0, 1fr); grid-template-areas: 'text' 'stage' 'list'; } }
    .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 14px 16px; box-shadow: var(--jp-shadow); min-width: 0; }
    h2 { font-size: 1.15rem; margin: 0 0 8px; }
    p { margin: 0 0 10px; line-height: 1.55; }
    .look { border-left: 4px solid var(--jp-accent); background: var(--jp-surface-2); padding: 8px 10px; border-radius: 4px; }
    .pending { color: var(--jp-muted); font-style: italic; }
    nav.steps { display: flex; gap: 8px; align-items: center; margin-top: 12px; }
    nav .count { color: var(--jp-muted); flex: 1; text-align: center; font-variant-numeric: tabular-nums; }
    button { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 6px 14px; cursor: pointer; min-height: 36px; }
    button.primary { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    button[aria-pressed='true'] { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    button:disabled { opacity: 0.5; cursor: default; }
    button:focus-visible, a:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    .chapter { margin: 0 0 2px; font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--jp-muted); }
    ol { margin: 4px 0 12px; padding-left: 26px; font-size: 0.9rem; }
    ol a { color: var(--jp-muted); cursor: pointer; text-decoration: none; }
    ol a[aria-current='step'] { color: var(--jp-text); font-weight: 600; }
    ol a:hover { text-decoration: underline; }
    .hint { color: var(--jp-muted); font-size: 0.8rem; margin-top: 8px; }
    .stage { display: grid; gap: 8px; }
    .head { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    .head .setup { flex: 1; color: var(--jp-muted); font-size: 0.9rem; min-width: 12ch; overflow-wrap: anywhere; }
    jp-chip-canvas { height: clamp(260px, 48vh, 520px); }
    .metrics { display: flex; gap: 8px 18px; flex-wrap: wrap; margin: 0; font-size: 0.9rem; }
    .metrics dt { color: var(--jp-muted); font-size: 0.78rem; }
    .metrics dd { margin: 0; font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
    .err { color: var(--jp-error); background: var(--jp-error-bg); border-radius: 6px; padding: 6px 10px; }
    details { margin-top: 10px; font-size: 0.88rem; }
    summary { cursor: pointer; color: var(--jp-muted); }
    dl.glossary dt { font-weight: 600; margin-top: 6px; }
    dl.glossary dd { margin: 0; color: var(--jp-muted); }
  `;

  private get stepIndex(): number {
    return Math.min(Math.max(this.state?.step ?? 0, 0), WALKTHROUGH.length - 1);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (!this.state) return;
    if (this.stepIndex !== this.shownStep) {
      this.shownStep = this.stepIndex;
      this.mode = WALKTHROUGH[this.stepIndex].view;
    } else if (changed.has('state') && this.loaded && !this.playing) {
      // Back / Forward to another moment of the same step
      this.time = this.momentOf(this.loaded.trace);
    }
  }

  private momentOf(trace: RenderTrace): number {
    const f = this.state?.timeFrac ?? WALKTHROUGH[this.stepIndex].timeFrac;
    return Math.min(Math.max(f, 0), 1) * trace.cycles;
  }

  private once<T>(key: string, run: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = run();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  /** The animated op, costed as its step says (opRequest: raw beside the layer model, or as deployed in the step's model). */
  private async chipView(step: WalkthroughStep): Promise<{ view: RenderTrace; op: KernelCost }> {
    // Not cached: the view's typed arrays are transferred to this thread and drawn from.
    const s = step.setup;
    const out = await this.api!.simulateChipView(s.preset, s.kernel, s.variant, s.params, s.dataflow, { ...(s.timing ? { timing: s.timing } : {}), cost: opRequest(step) });
    if (out.status !== 'ok') throw new Error(out.message);
    return { view: out.result.view, op: out.result.op };
  }

  /** A run the step's text compares with, costed raw by the same per-op cost model (planRequest). */
  private planRun(s: PlanSetup): Promise<KernelCost> {
    return this.once(`plan:${setupKey(s)}`, async () => {
      const out = await this.api!.simulateKernel(s.preset, s.kernel, s.variant, s.params, planRequest(s));
      if (out.status !== 'ok') throw new Error(out.message);
      return out.result;
    });
  }

  /** The step's opBeside model: the step the animated op's simulateKernel simulated beside it (no second run). */
  private besideRun(m: ModelSetup, view: Promise<{ op: KernelCost }>): Promise<ModelSimResult> {
    return this.once(`model:${setupKey(m)}`, () => view.then(({ op }) => op.besideModel ?? Promise.reject(new Error(`no ${m.model} run beside the step's op`))));
  }

  private modelRun(m: ModelSetup): Promise<ModelSimResult> {
    return this.once(`model:${setupKey(m)}`, async () => {
      const out = await this.api!.simulateModel(m.preset, m.model, m.opts);
      if (out.status !== 'ok') throw new Error(out.message);
      return out.result;
    });
  }

  private configs(): Promise<Record<string, ChipConfig>> {
    this.chipConfigs ??= this.api!.listChips().then((list) => {
      this.chipLabels = Object.fromEntries(list.map((c) => [c.id, c.label]));
      this.chipNotes = Object.fromEntries(list.map((c) => [c.id, c.drawingNote ?? '']));
      return Object.fromEntries(list.map((c) => [c.id, c.config]));
    });
    return this.chipConfigs;
  }

  private patch(p: Partial<LearnState>): void {
    emitStateChange<'learn'>(this, p);
  }

  /** Moves to step i (clamped), at that step's own moment. */
  go(i: number): void {
    const step = Math.min(Math.max(i, 0), WALKTHROUGH.length - 1);
    if (step !== this.stepIndex) this.patch({ step, timeFrac: undefined });
  }

  private onTime(e: CustomEvent<TimeChangeDetail>): void {
    this.time = e.detail.timeCycles;
    this.playing = e.detail.playing;
    if (!e.detail.playing) this.patch({ timeFrac: e.detail.timeFrac });
  }

  /** PageUp / PageDown anywhere while the walkthrough is shown, unless the user is typing. */
  private onKey = (e: KeyboardEvent) => {
    if (e.key !== 'PageDown' && e.key !== 'PageUp') return;
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.composedPath()[0] as HTMLElement | undefined;
    if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
    e.preventDefault();
    this.go(this.stepIndex + (e.key === 'PageDown' ? 1 : -1));
  };

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    document.removeEventListener('keydown', this.onKey);
    super.disconnectedCallback();
  }

  private renderSteps(i: number) {
    const firstStory = STORY_START;
    const item = (k: number) => html`<li value=${k + 1}><a href="#" aria-current=${k === i ? 'step' : 'false'} @click=${(e: Event) => { e.preventDefault(); this.go(k); }}>${WALKTHROUGH[k].title.replace(/^\d+\.\s*/, '')}</a></li>`;
    const idx = WALKTHROUGH.map((_, k) => k);
    return html`
      <p class="chapter">One layer, one token</p>
      <ol>${idx.filter((k) => firstStory < 0 || k < firstStory).map(item)}</ol>
      ${firstStory >= 0 ? html`<p class="chapter">A GPU, a dataflow chip, a whole model</p><ol start=${firstStory + 1}>${idx.filter((k) => k >= firstStory).map(item)}</ol>` : nothing}`;
  }

  private term(name: Term, text: string) {
    return html`<jp-term name=${name}>${text}</jp-term>`;
  }

  override render() {
    const i = this.stepIndex;
    const step = WALKTHROUGH[i];
    const n = this.loaded?.numbers;
    const r = n?.sim;
    const s = step.setup;
    return html`
      <div class="layout">
        <article class="card text" aria-labelledby="step-title">
          <h2 id="step-title" data-testid="step-title">${step.title}</h2>
          <div data-testid="step-text">
            ${n ? step.text(n).map((t) => html`<p>${t}</p>`) : this.error ? nothing : html`<p class="pending" role="status">Simulating this step…</p>`}
          </div>
          ${n ? html`<p class="look"><strong>Look:</strong> ${step.look(n)}</p>` : nothing}
          <nav class="steps" aria-label="Walkthrough steps">
            <button @click=${() => this.go(i - 1)} ?disabled=${i === 0} title="Previous step"><span aria-hidden="true">←</span> Back</button>
            <span class="count" aria-live="polite">Step ${i + 1} of ${WALKTHROUGH.length}</span>
            <button class="primary" @click=${() => this.go(i + 1)} ?disabled=${i === WALKTHROUGH.length - 1} title="Next step">Next <span aria-hidden="true">→</span></button>
          </nav>
        </article>
        <nav class="card list" aria-label="All walkthrough steps">
          ${this.renderSteps(i)}
          <p class="hint">PageDown / PageUp: next / previous step. The address bar is a link to this step at this moment.</p>
          <details>
            <summary>Glossary</summary>
            <dl class="glossary">${Object.entries(GLOSSARY).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
          </details>
        </nav>
        <section class="card stage" aria-label="Animation for this step">
          <div class="head">
            <span class="setup" data-testid="step-setup">${s.kernel} / ${s.variant} · ${Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(' ')} · ${this.chipLabels[s.preset] ?? s.preset} · ${this.term(s.dataflow, s.dataflow)} · <strong data-testid="step-mode">${step.opAs === 'raw' ? 'raw plan (f32, as asked)' : `as deployed in ${step.models?.[step.opBeside]?.model ?? 'the model'}`}</strong></span>
            <div role="group" aria-label="View mode">
              <button aria-pressed=${this.mode === 'utilization' ? 'true' : 'false'} @click=${() => (this.mode = 'utilization')}>Utilization</button>
              <button aria-pressed=${this.mode === 'traffic' ? 'true' : 'false'} @click=${() => (this.mode = 'traffic')}>Link traffic</button>
            </div>
          </div>
          ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}
          <jp-chip-canvas .trace=${this.loaded?.trace ?? null} .time=${this.time} .mode=${this.mode} label="Chip for this walkthrough step" placeholder="Simulating…"></jp-chip-canvas>
          <jp-chip-legend .mode=${this.mode} .note=${this.chipNotes[s.preset] ?? ''}></jp-chip-legend>
          <jp-timeline .cycles=${this.loaded?.trace.cycles ?? 0} .time=${this.time} .clockHz=${this.loaded?.trace.clockHz ?? 0}
            @time-change=${this.onTime}></jp-timeline>
          ${n ? html`<jp-op-cost data-testid="step-op" .cost=${n.op}></jp-op-cost>` : nothing}
          ${r && n
            ? html`<dl class="metrics" data-testid="step-metrics">
                <div><dt>Op time (${n.op.as === 'raw' ? 'raw plan' : 'as deployed'})</dt><dd>${formatDuration(n.op.cost.timeS)}</dd></div>
                <div><dt>Kernel alone</dt><dd>${formatDuration(r.timeS)}</dd></div>
                <div><dt>HBM bytes</dt><dd>${formatBytes(r.bytes.hbm)}</dd></div>
                <div><dt>NoC bytes</dt><dd>${formatBytes(r.bytes.noc)}</dd></div>
                <div><dt>${this.term('utilization', 'Utilization')}</dt><dd>${formatPercent(r.utilization)}</dd></div>
                <div><dt>${this.term('bound', 'Bound')}</dt><dd data-testid="step-bound">${n.op.cost.bound}</dd></div>
                <div><dt>Energy</dt><dd>${formatEnergy(r.energyJ)}</dd></div>
              </dl>`
            : nothing}
        </section>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-learn-tab': JpLearnTab;
  }
}
