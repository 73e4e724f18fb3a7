// <jp-power-basis>: the power figures a per-watt number rests on, where that number is shown (Tokens'
// Power column, Compare's story): per preset its static power and parts, board power and memory energy
// per byte, each marked "assumed" where no public figure exists, the sources one click away; and, when
// given, the tokens/s-per-W verdict with each assumption moved (src/chip/power.ts writes the text).

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ChipPreset } from '../chip/types.ts';
import { powerBasisLines, powerSummary } from '../chip/power.ts';

@customElement('jp-power-basis')
export class JpPowerBasis extends LitElement {
  /** The presets whose power figures to show, in order. */
  @property({ attribute: false }) presets: ReadonlyArray<Pick<ChipPreset, 'id' | 'label' | 'power'>> = [];
  /** The per-watt verdict text (perWattVerdict), or empty when the two runs it needs are not there. */
  @property() verdict = '';
  /** Each preset's modelled power split in words (powerSplitText), by preset id; absent where it did not run. */
  @property({ attribute: false }) splits: Readonly<Record<string, string>> = {};

  static override styles = css`
    :host { display: block; }
    p, li { margin: 0 0 4px; line-height: 1.45; font-size: 0.88rem; }
    ul { margin: 4px 0 6px; padding-left: 18px; }
    .name { font-weight: 600; }
    .assumed { font-weight: 600; color: var(--jp-warn); }
    summary { cursor: pointer; font-size: 0.88rem; }
    details ul { color: var(--jp-muted); }
  `;

  /** "assumed" in the summary text set off so it is seen. */
  private marked(text: string) {
    const parts = text.split(/(assumed)/);
    return parts.map((p) => (p === 'assumed' ? html`<span class="assumed">assumed</span>` : p));
  }

  override render() {
    if (!this.presets.length) return nothing;
    return html`
      ${this.verdict ? html`<p data-testid="perw-verdict"><span class="name">Tokens/s per W at these inputs, Jalapeño-class over H100:</span> ${this.marked(this.verdict)}</p>` : nothing}
      <p class="name">Power figures behind these numbers</p>
      <ul data-testid="power-basis">
        ${this.presets.map((p) => html`<li data-preset=${p.id}><span class="name">${p.label.replace(/\s*\(.*\)$/, '')}:</span> ${this.splits[p.id] ? `${this.splits[p.id]}; ` : ''}${this.marked(powerSummary(p.power))}</li>`)}
      </ul>
      <details>
        <summary>Sources of each power figure</summary>
        <ul>
          ${this.presets.map((p) => html`<li><span class="name">${p.label.replace(/\s*\(.*\)$/, '')}</span><ul>${powerBasisLines(p).map((l) => html`<li>${l}</li>`)}</ul></li>`)}
        </ul>
      </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-power-basis': JpPowerBasis;
  }
}
