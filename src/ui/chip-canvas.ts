// <jp-chip-canvas>: the tile grid on a <canvas>. A thin element: layout, frame state, drawing
// and hit testing are the pure functions of chip-render.ts; this file only owns the canvas, its
// size, the theme palette and the hover tooltip. Redraws synchronously when `time` changes.
// Keyboard: focus the canvas, arrows move a highlighted tile (its numbers show as for hover), Esc clears.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import {
  computeFrame, computeLayout, createFrameState, defaultPalette, describeHit, drawFrame, hitTest, indexTrace, stackCount,
  type FrameState, type Hit, type Layout, type Palette, type RenderTrace, type TraceIndex, type ViewMode,
} from './chip-render.ts';

export interface HoverDetail {
  hit: Hit;
}

@customElement('jp-chip-canvas')
export class JpChipCanvas extends LitElement {
  /** The run to draw (chip-model or measured); null shows a placeholder. */
  @property({ attribute: false }) trace: RenderTrace | null = null;
  /** Current time in the trace's units (cycles). */
  @property({ type: Number }) time = 0;
  /** 'utilization' (tiles by busy fraction so far, packets moving) or 'traffic' (whole-run link heatmap). */
  @property() mode: ViewMode = 'utilization';
  /** Accessible name of the drawing. */
  @property() label = 'Chip tile grid';
  /** Text shown when there is no trace. */
  @property() placeholder = 'No simulation yet';

  @state() private hover: Hit = null;
  @state() private tipPos: [number, number] = [0, 0];
  @query('canvas') private canvas!: HTMLCanvasElement;

  private index: TraceIndex | null = null;
  private frame: FrameState | null = null;
  private layout: Layout | null = null;
  private palette: Palette = defaultPalette(false);
  private size: [number, number] = [0, 0];
  private resize?: ResizeObserver;
  private themeWatch?: MutationObserver;
  /** Milliseconds the last frame took (frame state + draw), for the perf budget. */
  lastFrameMs = 0;

  static override styles = css`
    :host { display: block; position: relative; min-height: 240px; }
    canvas { display: block; width: 100%; height: 100%; border-radius: var(--jp-radius); }
    canvas:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    .tip {
      position: absolute; pointer-events: none; z-index: 2; min-width: 180px; padding: 8px 10px; font-size: 0.85rem;
      background: var(--jp-surface); color: var(--jp-text); border: 1px solid var(--jp-border); border-radius: 6px; box-shadow: var(--jp-shadow);
    }
    .tip b { display: block; margin-bottom: 4px; }
    .tip dl { display: grid; grid-template-columns: auto auto; gap: 2px 12px; margin: 0; }
    .tip dt { color: var(--jp-muted); }
    .tip dd { margin: 0; text-align: right; font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
    .empty { position: absolute; inset: 0; display: grid; place-items: center; color: var(--jp-muted); }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.themeWatch = new MutationObserver(() => this.pickPalette());
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    this.pickPalette();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.themeWatch?.disconnect();
  }

  override firstUpdated(): void {
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(this);
  }

  private pickPalette(): void {
    const t = document.documentElement.dataset.theme;
    const dark = t ? t === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
    this.palette = defaultPalette(dark);
    this.palette.background = getComputedStyle(this).getPropertyValue('--jp-surface').trim() || this.palette.background;
    this.draw();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('trace')) {
      this.index = this.trace ? indexTrace(this.trace) : null;
      this.frame = this.index ? createFrameState(this.index) : null;
      this.layout = null;
      this.hover = null;
    }
  }

  override updated(): void {
    this.draw();
  }

  /** The frame state last drawn (read-only; for tests and the metrics strip). */
  get currentFrame(): FrameState | null {
    return this.frame;
  }

  /** Draws the frame at `time`. Cheap enough to call every animation frame. */
  draw(): void {
    const cv = this.canvas;
    if (!cv) return;
    const t0 = performance.now();
    const w = Math.max(1, this.clientWidth), h = Math.max(1, this.clientHeight);
    const dpr = window.devicePixelRatio || 1;
    if (this.size[0] !== w || this.size[1] !== h || cv.width !== Math.round(w * dpr)) {
      this.size = [w, h];
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
      this.layout = null;
    }
    const g = cv.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!this.index || !this.frame || !this.trace) {
      g.clearRect(0, 0, w, h);
      return;
    }
    this.layout ??= computeLayout(this.trace, w, h);
    computeFrame(this.index, this.time, this.frame);
    drawFrame(g, this.index, this.frame, this.layout, this.mode, this.palette, this.hover);
    this.lastFrameMs = performance.now() - t0;
  }

  private onMove(e: PointerEvent): void {
    if (!this.trace || !this.layout) return;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const hit = hitTest(this.trace, this.layout, x, y);
    this.setHover(hit, x, y);
  }

  private setHover(hit: Hit, x: number, y: number): void {
    const same = JSON.stringify(hit) === JSON.stringify(this.hover);
    this.tipPos = [x, y];
    if (!same) {
      this.hover = hit;
      this.dispatchEvent(new CustomEvent<HoverDetail>('hover-change', { detail: { hit }, bubbles: true, composed: true }));
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.trace || !this.layout) return;
    const { rows, cols } = this.trace;
    const cur = this.hover?.kind === 'tile' ? this.hover.index : -1;
    let r = cur < 0 ? 0 : Math.floor(cur / cols), c = cur < 0 ? 0 : cur % cols;
    if (e.key === 'Escape') return this.setHover(null, 0, 0);
    if (cur >= 0) {
      if (e.key === 'ArrowLeft') c = Math.max(0, c - 1);
      else if (e.key === 'ArrowRight') c = Math.min(cols - 1, c + 1);
      else if (e.key === 'ArrowUp') r = Math.max(0, r - 1);
      else if (e.key === 'ArrowDown') r = Math.min(rows - 1, r + 1);
      else return;
    } else if (!e.key.startsWith('Arrow')) return;
    e.preventDefault();
    e.stopPropagation(); // arrows here move the tile highlight, not the timeline
    const L = this.layout;
    this.setHover({ kind: 'tile', index: r * cols + c }, L.x0 + c * L.pitch + L.size, L.y0 + r * L.pitch + L.size);
  }

  override render() {
    const tip = this.index && this.frame ? describeHit(this.index, this.frame, this.hover) : null;
    const [x, y] = this.tipPos;
    const flip = x > this.size[0] - 220;
    return html`
      <canvas
        tabindex="0"
        role="img"
        aria-label=${this.trace ? `${this.label}: ${this.trace.rows} by ${this.trace.cols} tiles, ${stackCount(this.trace.hbmPorts)} HBM stacks${stackCount(this.trace.hbmPorts) < this.trace.hbmPorts.length ? ` feeding ${this.trace.hbmPorts.length} edge tiles` : ''}. Arrow keys move between tiles.` : this.label}
        @pointermove=${this.onMove}
        @pointerleave=${() => this.setHover(null, 0, 0)}
        @keydown=${this.onKey}
        @blur=${() => this.setHover(null, 0, 0)}
      ></canvas>
      ${this.trace ? nothing : html`<div class="empty">${this.placeholder}</div>`}
      ${tip
        ? html`<div class="tip" role="status" style="left:${flip ? x - 200 : x + 14}px; top:${Math.max(0, y + 14)}px">
            <b>${tip.title}</b>
            <dl>${tip.lines.map((l) => html`<dt>${l.label}</dt><dd>${l.value}</dd>`)}</dl>
          </div>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-chip-canvas': JpChipCanvas;
  }
}
