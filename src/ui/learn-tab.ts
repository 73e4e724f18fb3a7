// <jp-learn-tab>: the guided walkthrough (walkthrough-steps.ts). Each step simulates its setup on
// the chip model and opens the animation at its moment; Back / Next (or PageUp / PageDown)
// move between steps, and the step index is the share state's learn.step, so each step is a link.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { SimResult } from '../chip/types.ts';
import type { LearnState, StateChangeDetail } from '../share/state.ts';
import { formatBytes, type RenderTrace } from './chip-render.ts';
import type { TimeChangeDetail } from './timeline.ts';
import { WALKTHROUGH } from './walkthrough-steps.ts';
import { fmtJoules, fmtSeconds } from './chip-tab.ts';
import './chip-canvas.ts';
import './timeline.ts';

@customElement('jp-learn-tab')
export class JpLearnTab extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state ({ step }). */
  @property({ attribute: false }) state?: LearnState;

  @state() private trace: RenderTrace | null = null;
  @state() private sim: SimResult | null = null;
  @state() private error: string | null = null;
  @state() private time = 0;
  @state() private mode: 'utilization' | 'traffic' = 'utilization';
  private loadedStep = -1;
  private seq = 0;

  static override styles = css`
    :host { display: block; color: var(--jp-text); }
    .layout { display: grid; grid-template-columns: minmax(300px, 420px) 1fr; gap: var(--jp-gap); align-items: start; }
    @media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
    .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 14px 16px; box-shadow: var(--jp-shadow); }
    h2 { font-size: 1.15rem; margin: 0 0 8px; }
    p { margin: 0 0 10px; line-height: 1.55; }
    .look { border-left: 4px solid var(--jp-accent); background: var(--jp-surface-2); padding: 8px 10px; border-radius: 4px; }
    nav { display: flex; gap: 8px; align-items: center; margin-top: 12px; }
    nav .count { color: var(--jp-muted); flex: 1; text-align: center; font-variant-numeric: tabular-nums; }
    button { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 6px 14px; cursor: pointer; }
    button.primary { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    button[aria-pressed='true'] { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    button:disabled { opacity: 0.5; cursor: default; }
    button:focus-visible, a:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    ol { margin: 12px 0 0; padding-left: 22px; font-size: 0.9rem; }
    ol a { color: var(--jp-muted); cursor: pointer; text-decoration: none; }
    ol a[aria-current='step'] { color: var(--jp-text); font-weight: 600; }
    ol a:hover { text-decoration: underline; }
    .stage { display: grid; gap: 8px; }
    .head { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    .head .setup { flex: 1; color: var(--jp-muted); font-size: 0.9rem; }
    jp-chip-canvas { height: clamp(300px, 50vh, 520px); }
    .metrics { display: flex; gap: 18px; flex-wrap: wrap; margin: 0; font-size: 0.9rem; }
    .metrics dt { color: var(--jp-muted); font-size: 0.78rem; }
    .metrics dd { margin: 0; font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
    .err { color: var(--jp-error); background: var(--jp-error-bg); border-radius: 6px; padding: 6px 10px; }
  `;

  private get stepIndex(): number {
    return Math.min(Math.max(this.state?.step ?? 0, 0), WALKTHROUGH.length - 1);
  }

  override willUpdate(): void {
    if (this.api && this.state && this.stepIndex !== this.loadedStep) {
      this.loadedStep = this.stepIndex;
      void this.load(this.stepIndex);
    }
  }

  private async load(i: number): Promise<void> {
    const step = WALKTHROUGH[i];
    const seq = ++this.seq;
    this.mode = step.view;
    const s = step.setup;
    try {
      const out = await this.api!.simulateChipView(s.preset, s.kernel, s.variant, s.params, s.dataflow as 'output-stationary');
      if (seq !== this.seq) return;
      if (out.status !== 'ok') throw new Error(out.message);
      this.sim = out.result.sim;
      this.trace = out.result.view;
      this.time = step.timeFrac * this.trace.cycles;
      this.error = null;
    } catch (e) {
      if (seq !== this.seq) return;
      this.error = `This step's simulation is unavailable: ${(e as Error).message}`;
      this.trace = null;
      this.sim = null;
    }
  }

  /** Moves to step i (clamped) by patching the share state. */
  go(i: number): void {
    const step = Math.min(Math.max(i, 0), WALKTHROUGH.length - 1);
    this.dispatchEvent(new CustomEvent<StateChangeDetail<'learn'>>('state-change', { detail: { patch: { step } }, bubbles: true, composed: true }));
  }

  private onKey = (e: KeyboardEvent) => {
    if (e.key === 'PageDown') { e.preventDefault(); this.go(this.stepIndex + 1); }
    else if (e.key === 'PageUp') { e.preventDefault(); this.go(this.stepIndex - 1); }
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKey);
  }

  override render() {
    const i = this.stepIndex;
    const step = WALKTHROUGH[i];
    const r = this.sim;
    return html`
      <div class="layout">
        <article class="card" aria-labelledby="step-title">
          <h2 id="step-title" data-testid="step-title">${step.title}</h2>
          ${step.text.map((t) => html`<p>${t}</p>`)}
          <p class="look"><strong>Look:</strong> ${step.look}</p>
          <nav aria-label="Walkthrough steps">
            <button @click=${() => this.go(i - 1)} ?disabled=${i === 0} aria-label="Previous step">← Back</button>
            <span class="count" aria-live="polite">Step ${i + 1} of ${WALKTHROUGH.length}</span>
            <button class="primary" @click=${() => this.go(i + 1)} ?disabled=${i === WALKTHROUGH.length - 1} aria-label="Next step">Next →</button>
          </nav>
          <ol>
            ${WALKTHROUGH.map((s, k) => html`<li><a href="#" aria-current=${k === i ? 'step' : 'false'} @click=${(e: Event) => { e.preventDefault(); this.go(k); }}>${s.title.replace(/^\d+\.\s*/, '')}</a></li>`)}
          </ol>
        </article>
        <section class="card stage" aria-label="Animation for this step">
          <div class="head">
            <span class="setup">${step.setup.kernel} / ${step.setup.variant} · ${Object.entries(step.setup.params).map(([k, v]) => `${k}=${v}`).join(' ')} · ${step.setup.preset}</span>
            <div role="group" aria-label="View mode">
              <button aria-pressed=${this.mode === 'utilization' ? 'true' : 'false'} @click=${() => (this.mode = 'utilization')}>Utilization</button>
              <button aria-pressed=${this.mode === 'traffic' ? 'true' : 'false'} @click=${() => (this.mode = 'traffic')}>Link traffic</button>
            </div>
          </div>
          ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}
          <jp-chip-canvas .trace=${this.trace} .time=${this.time} .mode=${this.mode} label="Chip for this walkthrough step" placeholder="Simulating…"></jp-chip-canvas>
          <jp-timeline .cycles=${this.trace?.cycles ?? 0} .time=${this.time} .clockHz=${this.trace?.clockHz ?? 0}
            @time-change=${(e: CustomEvent<TimeChangeDetail>) => (this.time = e.detail.timeCycles)}></jp-timeline>
          ${r
            ? html`<dl class="metrics">
                <div><dt>Time</dt><dd>${fmtSeconds(r.timeS)}</dd></div>
                <div><dt>HBM bytes</dt><dd>${formatBytes(r.bytes.hbm)}</dd></div>
                <div><dt>Utilization</dt><dd>${(r.utilization * 100).toFixed(1)} %</dd></div>
                <div><dt>Bound</dt><dd>${r.bound}</dd></div>
                <div><dt>Energy</dt><dd>${fmtJoules(r.energyJ)}</dd></div>
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
