// <jp-split-bar>: an op's time split (compute / memory / launch gap / collective, op-split.ts) as one
// thin stacked bar, its parts in the colours of the Tokens tab's bars; its accessible name and tooltip
// are the split in words. With `labelled`, all four parts' numbers are written under the bar too (a
// phone has no hover; a part with no time reads 0). Renders its breakdown; no logic of its own.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { OpBreakdown } from '../models/types.ts';
import { opParts, partTime, splitText, TIME_KIND_TEXT, TIME_KINDS } from './op-split.ts';
import { sharedStyles } from './styles.ts';

@customElement('jp-split-bar')
export class JpSplitBar extends LitElement {
  @property({ attribute: false }) breakdown: OpBreakdown | null = null;
  /** Write the parts with their times under the bar. */
  @property({ type: Boolean }) labelled = false;

  static override styles = [sharedStyles, css`
    :host { display: block; min-width: 48px; }
    .bar { display: flex; height: 6px; border-radius: 2px; overflow: hidden; background: var(--jp-surface-2); margin-top: 2px; }
    .bar i { display: block; height: 100%; }
    ul { display: flex; flex-wrap: wrap; gap: 2px 12px; margin: 4px 0 0; padding: 0; list-style: none; font-size: 0.8rem; }
    li { white-space: nowrap; }
    .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
    .num { font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
  `];

  override render() {
    const b = this.breakdown;
    if (!b) return nothing;
    const parts = opParts(b);
    const text = splitText(b);
    return html`<div class="bar" role="img" aria-label=${text} title=${text} data-testid="split-bar">
        ${parts.map((p) => html`<i class="t-${p.kind}" style="width:${p.frac * 100}%"></i>`)}
      </div>
      ${this.labelled
        ? html`<ul data-testid="split-parts">${TIME_KINDS.map((k) => html`<li><i class="sw t-${k}"></i>${TIME_KIND_TEXT[k]} <span class="num">${partTime(b, k)}</span></li>`)}</ul>`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-split-bar': JpSplitBar;
  }
}
