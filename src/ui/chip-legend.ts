// <jp-chip-legend>: what the colours of <jp-chip-canvas> mean, in the palette the canvas uses
// for the current theme (so the swatches always match the picture).

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { defaultPalette, type ViewMode } from './chip-render.ts';

@customElement('jp-chip-legend')
export class JpChipLegend extends LitElement {
  /** The canvas's mode: utilization (packets moving) or traffic (whole-run heatmap). */
  @property() mode: ViewMode = 'utilization';
  /** The preset's note on what the drawing abstracts (GPU presets), shown under the legend. */
  @property() note = '';
  @state() private dark = document.documentElement.dataset.theme === 'dark';
  private watch = new MutationObserver(() => (this.dark = document.documentElement.dataset.theme === 'dark'));

  static override styles = css`
    :host { display: block; }
    ul { display: flex; gap: 4px 14px; flex-wrap: wrap; font-size: 0.8rem; color: var(--jp-muted); margin: 0; padding: 0; list-style: none; }
    .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
    .ramp { display: inline-block; width: 36px; height: 8px; border-radius: 2px; margin-right: 4px; vertical-align: 0; }
    .note { font-size: 0.8rem; color: var(--jp-muted); margin: 4px 0 0; }
    .out { display: inline-block; width: 9px; height: 9px; margin-right: 4px; vertical-align: -1px; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.watch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  }

  override disconnectedCallback(): void {
    this.watch.disconnect();
    super.disconnectedCallback();
  }

  override render() {
    const p = defaultPalette(this.dark);
    const ramp = (r: string[]) => `linear-gradient(90deg, ${r[0]}, ${r[Math.floor(r.length / 2)]}, ${r[r.length - 1]})`;
    return html`<ul aria-label="Colour legend" data-testid="chip-legend">
      <li><i class="ramp" style="background:${ramp(p.utilRamp)}"></i>tile busy ${this.mode === 'traffic' ? 'over the whole run' : 'so far'} (darker = busier)</li>
      ${this.mode === 'utilization'
        ? html`<li><i class="sw" style="background:${p.xferHbm}"></i>HBM transfer (stack ↔ edge tile)</li>
            <li><i class="sw" style="background:${p.xferNoc}"></i>NoC transfer (tile to tile)</li>
            <li><i class="out" style="border:2px solid ${p.activeOutline}"></i>computing now</li>
            <li><i class="ramp" style="background:${ramp(p.heatRamp)}"></i>link: bytes/cycle now</li>`
        : html`<li><i class="ramp" style="background:${ramp(p.heatRamp)}"></i>link: bytes over the whole run (hottest = most)</li>`}
      <li><i class="sw" style="background:${p.hbm}"></i>HBM stack (one block per stack)</li>
    </ul>${this.note ? html`<p class="note" data-testid="drawing-note">${this.note}</p>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-chip-legend': JpChipLegend;
  }
}
