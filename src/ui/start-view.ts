// <jp-start>: the first thing a visitor sees (the plain URL, or a link to the Start tab): one
// sentence on what this is, the chip model animating a real decode-step kernel, and three doors:
// learn (the walkthrough), measure (run the kernels on your GPU), compare (chips on a model).
// Each door is a real link (#learn, #bench, #tokens) that the shell turns into a tab change.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { OpCost } from '../models/cost.ts';
import { formatDuration } from './format.ts';
import type { Tab } from '../share/state.ts';
import type { RenderTrace } from './chip-render.ts';
import './chip-canvas.ts';

/** detail of the `open-tab` event a door sends to the shell. */
export interface OpenTabDetail {
  tab: Tab;
}

/** The animated kernel: one decode token's attention over 1024 cached tokens (GPT-2-small sized), walkthrough step 5. */
const DEMO = { preset: 'jalapeno', kernel: 'attention-decode', variant: 'split', params: { B: 1, L: 1024, Hq: 12, Hkv: 12, dh: 64 } } as const;
/** Seconds one loop of the animation takes. */
const LOOP_S = 6;

const DOORS: Array<{ tab: Tab; kicker: string; title: string; text: string; cta: string }> = [
  {
    tab: 'learn', kicker: 'Learn', title: 'Why decode is starved for bytes',
    text: 'A guided walkthrough: weights streaming from HBM, the KV cache, fused kernels, int8, batching, then a whole model on a GPU and on a dataflow chip. Every step is a link to its moment.',
    cta: 'Start the walkthrough',
  },
  {
    tab: 'bench', kicker: 'Measure', title: 'Run the kernels on your GPU',
    text: 'Real WGSL kernels (matmul, int8 matmul, fused QKV, flash attention) checked against a CPU reference and timed honestly, beside the chip model\'s prediction.',
    cta: 'Open the bench',
  },
  {
    tab: 'tokens', kicker: 'Compare', title: 'Chips on a model',
    text: 'Llama 3 8B or 70B, prefill or decode, on every chip preset (H100, TPU v5e, Wormhole, Groq, a Jalapeño-class what-if): ms per token, tokens/s, joules per token.',
    cta: 'Compare chips',
  },
];

@customElement('jp-start')
export class JpStart extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;

  @state() private trace: RenderTrace | null = null;
  /** The demo op, raw plan costed by the one per-op cost model (the time and bound every kernel view shows). */
  @state() private sim: OpCost | null = null;
  @state() private time = 0;
  @state() private error: string | null = null;
  private raf = 0;
  private t0 = 0;
  private reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;

  static override styles = css`
    :host { display: block; color: var(--jp-text); }
    .page { display: grid; grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr); grid-template-areas: 'intro stage' 'doors doors'; gap: 18px 20px; align-items: center; }
    .intro { grid-area: intro; }
    .stage { grid-area: stage; }
    .doors { grid-area: doors; }
    /* A phone reads the sentence and the doors first, then watches the chip. */
    @media (max-width: 900px) { .page { grid-template-columns: minmax(0, 1fr); grid-template-areas: 'intro' 'doors' 'stage'; gap: 12px; } }
    h2 { font-size: clamp(1.3rem, 2.6vw, 1.9rem); line-height: 1.2; margin: 0 0 10px; }
    .lead { font-size: 1.05rem; line-height: 1.55; margin: 0 0 10px; color: var(--jp-text); }
    .sub { color: var(--jp-muted); margin: 0; line-height: 1.5; }
    .stage { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 8px; box-shadow: var(--jp-shadow); }
    jp-chip-canvas { height: clamp(200px, 34vh, 340px); }
    .caption { font-size: 0.82rem; color: var(--jp-muted); margin: 6px 4px 0; }
    .doors { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: var(--jp-gap); }
    @media (max-width: 900px) { .doors { grid-template-columns: minmax(0, 1fr); } }
    a.door { display: grid; gap: 6px; align-content: start; text-decoration: none; color: inherit; background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 14px 16px; box-shadow: var(--jp-shadow); }
    a.door:hover { border-color: var(--jp-accent); }
    a.door:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 2px; }
    .kicker { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--jp-accent); font-weight: 700; }
    .door h3 { margin: 0; font-size: 1.05rem; }
    .door p { margin: 0; color: var(--jp-muted); font-size: 0.92rem; line-height: 1.5; }
    .cta { margin-top: 4px; font-weight: 600; color: var(--jp-text); }
    .err { color: var(--jp-error); font-size: 0.85rem; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    cancelAnimationFrame(this.raf);
    super.disconnectedCallback();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api && !this.trace && !this.error) void this.load();
  }

  private loading = false;

  private async load(): Promise<void> {
    if (!this.api || this.loading || this.trace) return;
    this.loading = true;
    try {
      const out = await this.api.simulateChipView(DEMO.preset, DEMO.kernel, DEMO.variant, { ...DEMO.params }, 'output-stationary', { cost: { as: 'raw' } });
      if (out.status !== 'ok') throw new Error(out.message);
      this.sim = out.result.op.cost;
      this.trace = out.result.view;
      this.time = this.trace.cycles * 0.35;
      if (!this.reduced) this.raf = requestAnimationFrame(this.tick);
    } catch (e) {
      this.error = `The chip model could not run here: ${(e as Error).message}`;
    } finally {
      this.loading = false;
    }
  }

  private tick = (ts: number) => {
    if (!this.trace) return;
    if (!this.t0) this.t0 = ts;
    this.time = ((((ts - this.t0) / 1000) % LOOP_S) / LOOP_S) * this.trace.cycles;
    this.raf = requestAnimationFrame(this.tick);
  };

  private open(e: Event, tab: Tab): void {
    const m = e as MouseEvent;
    if (m.button > 0 || m.metaKey || m.ctrlKey || m.shiftKey) return; // a new tab / window: let the link go
    e.preventDefault();
    this.dispatchEvent(new CustomEvent<OpenTabDetail>('open-tab', { detail: { tab }, bubbles: true, composed: true }));
  }

  override render() {
    const r = this.sim;
    return html`
      <div class="page">
      <section class="intro" aria-labelledby="start-h">
        <h2 id="start-h">Watch LLM inference move bytes, on your GPU and on a dataflow chip</h2>
        <p class="lead" data-testid="start-what">Jalapeño Playground runs the real kernels of a transformer (matmul, fused QKV, attention, int8) on your GPU in the browser, and simulates the same plans on a tiled inference chip with SRAM, a network-on-chip and HBM, so you can see where the time and the bytes go.</p>
        <p class="sub">Pick a door below. Every view is a link you can share.</p>
      </section>
      <figure class="stage" style="margin:0">
        <jp-chip-canvas .trace=${this.trace} .time=${this.time} mode="utilization" label="Animation: one decode token's attention over the KV cache on the simulated chip" placeholder="Simulating the chip…"></jp-chip-canvas>
        <figcaption class="caption" data-testid="start-caption">
          ${r && this.trace
            ? `Live: one decode token attending over ${DEMO.params.L} cached tokens on the Jalapeño-class what-if chip, ${this.trace.rows} × ${this.trace.cols} tiles. Orange squares are bytes arriving from HBM, blue ones crossing the mesh; tiles darken as they compute. Simulated time ${formatDuration(r.timeS)} (raw plan, launch gap and memory ramp included), bound = ${r.bound}.`
            : nothing}
          ${this.error ? html`<span class="err" role="alert">${this.error}</span>` : nothing}
        </figcaption>
      </figure>
      <nav class="doors" aria-label="Where to start">
        ${DOORS.map(
          (d) => html`<a class="door" href="#${d.tab}" data-door=${d.tab} @click=${(e: Event) => this.open(e, d.tab)}>
            <span class="kicker">${d.kicker}</span>
            <h3>${d.title}</h3>
            <p>${d.text}</p>
            <span class="cta">${d.cta} →</span>
          </a>`,
        )}
      </nav>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-start': JpStart;
  }
}
