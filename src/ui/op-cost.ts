// <jp-op-cost>: one kernel costed by the chip model's per-op function (src/models/cost.ts), as the
// Compare rows, the Walkthrough's animated op and the Bench prediction show it: how the plan was
// chosen (raw or as deployed), the op's time split into compute / memory / launch gap / collective,
// its bound, the runtime mechanisms that applied, the model's run of the same op beside it, and the
// computed sentence that says why the two differ. Renders the worker's KernelCost; no logic of its own.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { KernelCost } from '../models/kernel-cost.ts';
import { formatDuration as fmtSeconds } from './format.ts';
import { SPLIT_PARTS, splitText } from './op-split.ts';
import { sharedStyles } from './styles.ts';
import './split-bar.ts';

@customElement('jp-op-cost')
export class JpOpCost extends LitElement {
  @property({ attribute: false }) cost: KernelCost | null = null;
  /** Without the split list (a table beside it shows the split): how, mechanisms, the model's op, why they differ. */
  @property({ type: Boolean }) compact = false;

  static override styles = [sharedStyles, css`
    :host { display: block; font-size: 0.88rem; }
    p { margin: 4px 0; }
    .how, .mech { color: var(--jp-muted); }
    dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(96px, 1fr)); gap: 4px 12px; margin: 6px 0; }
    dl div { display: grid; }
    dt { color: var(--jp-muted); font-size: 0.78rem; }
    dd { margin: 0; font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
    .sw { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; }
    .why { border-left: 3px solid var(--jp-accent); padding-left: 8px; }
  `];

  override render() {
    const c = this.cost;
    if (!c) return nothing;
    const b = c.cost.breakdown;
    return html`
      <p class="how" data-testid="op-how">${c.how}</p>
      ${this.compact ? nothing : html`<jp-split-bar .breakdown=${b}></jp-split-bar><dl data-testid="op-split">
        <div><dt>Op time</dt><dd data-testid="op-time">${fmtSeconds(c.cost.timeS)}</dd></div>
        ${SPLIT_PARTS.map(([k, label]) => html`<div><dt><i class="sw t-${k}"></i>${label}</dt><dd data-testid="op-${k}">${fmtSeconds(b[k])}</dd></div>`)}
        <div><dt>Bound (largest part)</dt><dd data-testid="op-bound"><span class="bound ${c.cost.bound}">${c.cost.bound}</span></dd></div>
      </dl>`}
      <p class="mech">Mechanisms: ${c.cost.mechanisms.length ? c.cost.mechanisms.map((m) => m.text).join('; ') : 'none (this chip has the ideal runtime)'}.</p>
      ${c.modelOp
        ? html`<p data-testid="op-model">In ${c.modelOp.model}: its ${c.modelOp.name} op takes ${fmtSeconds(c.modelOp.timeS)} per run (${splitText(c.modelOp.breakdown)}; ${c.modelOp.mode}), ${c.modelOp.times} runs per step.</p>`
        : nothing}
      ${c.modelOp && c.differences.length === 0 ? html`<p class="why" data-testid="op-why">The kernel and the model's op agree.</p>` : nothing}
      ${c.differences.map((d) => html`<p class="why" data-testid="op-why">${d}</p>`)}
      ${c.deployed
        ? html`<p data-testid="op-deployed">${c.deployed.how}: ${fmtSeconds(c.deployed.timeS)} (${splitText(c.deployed.breakdown)}; bound ${c.deployed.bound}).</p>
            ${c.deployed.differences.map((d) => html`<p class="why" data-testid="op-why">${d}</p>`)}`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-op-cost': JpOpCost;
  }
}
