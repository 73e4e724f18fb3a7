// <jp-timeline>: play / pause / step / speed / scrub over a simulated run, with keyboard control
// (space = play/pause, ←/→ = step, Shift+←/→ = 10 steps, Home/End). It owns only the clock:
// the owner passes the run's length and receives `time-change` events with the new time.

import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';

export interface TimeChangeDetail {
  timeCycles: number;
  /** timeCycles / cycles, in [0, 1]. */
  timeFrac: number;
  /** True while playing (owners write the share state only when this is false). */
  playing: boolean;
}

/** Steps across a whole run (one arrow press = one step). */
export const TIMELINE_STEPS = 200;
const icon = (d: string) => svg`<svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true"><path d=${d} fill="currentColor" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>`;
const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;
/** Seconds a whole run takes to play at 1x. */
const RUN_SECONDS = 8;

@customElement('jp-timeline')
export class JpTimeline extends LitElement {
  /** Length of the run in time units (cycles for the chip model). */
  @property({ type: Number }) cycles = 0;
  /** Current time in the same units. */
  @property({ type: Number }) time = 0;
  /** Clock frequency used to show the time in µs; 0 hides it. */
  @property({ type: Number }) clockHz = 0;
  /** Name of the time unit ("cycle", "order"). */
  @property() unit = 'cycle';
  /** Playback speed multiplier (1 = the whole run in 8 s). */
  @property({ type: Number }) speed = 1;
  /** Whether the clock is running. */
  @property({ type: Boolean, reflect: true }) playing = false;

  private raf = 0;
  private lastTs = 0;

  static override styles = css`
    :host { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; font: inherit; color: var(--jp-text); }
    button { display: inline-grid; place-items: center; }
    button, select {
      font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border);
      border-radius: var(--jp-radius); padding: 4px 10px; min-width: 36px; min-height: 32px; cursor: pointer;
    }
    button.primary { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); min-width: 72px; }
    button:focus-visible, select:focus-visible, input:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    input[type='range'] { flex: 1 1 200px; accent-color: var(--jp-accent); min-width: 120px; }
    .readout { font-family: var(--jp-mono); font-variant-numeric: tabular-nums; min-width: 22ch; color: var(--jp-text); }
    .readout small { color: var(--jp-muted); }
    label { color: var(--jp-muted); display: inline-flex; align-items: center; gap: 4px; }
  `;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.raf);
  }

  /** Starts playback (from the start when at the end). */
  play(): void {
    if (this.cycles <= 0) return;
    if (this.time >= this.cycles) this.time = 0;
    this.playing = true;
    this.lastTs = 0;
    cancelAnimationFrame(this.raf);
    this.raf = requestAnimationFrame(this.tick);
    this.emit();
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.emit();
  }

  /** Moves by `n` steps of cycles / TIMELINE_STEPS (negative = back) and pauses. */
  step(n: number): void {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    const s = this.cycles / TIMELINE_STEPS;
    this.seek(Math.round(this.time / s + n) * s);
  }

  /** Jumps to a time (clamped) and emits time-change. */
  seek(t: number): void {
    this.time = Math.min(Math.max(t, 0), this.cycles);
    this.emit();
  }

  private tick = (ts: number) => {
    if (!this.playing) return;
    if (this.lastTs) {
      const dt = Math.min(0.1, (ts - this.lastTs) / 1000);
      this.time = Math.min(this.cycles, this.time + (dt * this.speed * this.cycles) / RUN_SECONDS);
    }
    this.lastTs = ts;
    if (this.time >= this.cycles) this.playing = false;
    this.emit();
    if (this.playing) this.raf = requestAnimationFrame(this.tick);
  };

  private emit(): void {
    const detail: TimeChangeDetail = { timeCycles: this.time, timeFrac: this.cycles > 0 ? this.time / this.cycles : 0, playing: this.playing };
    this.dispatchEvent(new CustomEvent<TimeChangeDetail>('time-change', { detail, bubbles: true, composed: true }));
  }

  /** Keyboard control for the whole strip (the host is focusable). */
  private onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement;
    if (target.tagName === 'SELECT') return;
    const n = e.shiftKey ? 10 : 1;
    switch (e.key) {
      case ' ':
        if (target.tagName === 'BUTTON') return; // the button's own activation
        e.preventDefault();
        if (this.playing) this.pause();
        else this.play();
        break;
      case 'ArrowRight':
        e.preventDefault();
        this.step(n);
        break;
      case 'ArrowLeft':
        e.preventDefault();
        this.step(-n);
        break;
      case 'Home':
        e.preventDefault();
        this.pause();
        this.seek(0);
        break;
      case 'End':
        e.preventDefault();
        this.pause();
        this.seek(this.cycles);
        break;
    }
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKey);
    if (!this.hasAttribute('role')) this.setAttribute('role', 'group');
    if (!this.hasAttribute('aria-label')) this.setAttribute('aria-label', 'Timeline');
  }

  private fmtTime(): string {
    if (!this.clockHz) return '';
    const us = (this.time / this.clockHz) * 1e6;
    return us >= 1000 ? `${(us / 1000).toFixed(3)} ms` : `${us.toFixed(us < 10 ? 3 : 2)} µs`;
  }

  override render() {
    const disabled = this.cycles <= 0;
    const t = Math.round(this.time);
    return html`
      <button @click=${() => this.step(-Infinity)} ?disabled=${disabled} aria-label="Go to start" title="Start (Home)">${icon('M4 3v10M13 3 6 8l7 5z')}</button>
      <button @click=${() => this.step(-1)} ?disabled=${disabled} aria-label="Step back" title="Step back (←)">${icon('M11 3 4 8l7 5z')}</button>
      <button class="primary" @click=${() => (this.playing ? this.pause() : this.play())} ?disabled=${disabled}
        aria-label=${this.playing ? 'Pause' : 'Play'} aria-pressed=${this.playing ? 'true' : 'false'} title="Play / pause (space)">
        ${this.playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button @click=${() => this.step(1)} ?disabled=${disabled} aria-label="Step forward" title="Step forward (→)">${icon('M5 3l7 5-7 5z')}</button>
      <button @click=${() => { this.pause(); this.seek(this.cycles); }} ?disabled=${disabled} aria-label="Go to end" title="End (End)">${icon('M12 3v10M3 3l7 5-7 5z')}</button>
      <input type="range" min="0" max=${Math.max(1, this.cycles)} step="any" .value=${String(this.time)} ?disabled=${disabled}
        aria-label="Scrub through the run" aria-valuetext=${`${this.unit} ${t} of ${Math.round(this.cycles)}`}
        @input=${(e: Event) => { this.playing = false; this.seek(Number((e.target as HTMLInputElement).value)); }} />
      <label>Speed
        <select aria-label="Playback speed" .value=${String(this.speed)} @change=${(e: Event) => (this.speed = Number((e.target as HTMLSelectElement).value))}>
          ${SPEEDS.map((s) => html`<option value=${s} ?selected=${s === this.speed}>${s}×</option>`)}
        </select>
      </label>
      <span class="readout" aria-live="off" data-testid="cycle-readout">
        ${this.unit} <span data-testid="cycle">${t.toLocaleString('en-US')}</span> <small>/ ${Math.round(this.cycles).toLocaleString('en-US')}</small>
        ${this.clockHz ? html`<small>· ${this.fmtTime()}</small>` : ''}
      </span>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-timeline': JpTimeline;
  }
}
