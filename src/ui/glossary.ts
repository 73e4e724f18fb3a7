// <jp-term name="waves">waves</jp-term>: a word the playground uses in its own sense, with its
// definition shown on hover and on keyboard focus (a tooltip, described-by for screen readers).
// GLOSSARY is also listed in full by the walkthrough.

import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';

export const GLOSSARY = {
  'output-stationary': 'Dataflow where each tile keeps its block of the output in place while the inputs and weights it needs stream through it; partial sums never leave the tile.',
  'weight-stationary': 'Dataflow where each tile keeps a block of the weights resident in its SRAM and the activations stream past it; needs the weights to fit on chip.',
  waves: 'A plan with more output blocks than the chip has tiles runs in rounds ("waves"): the first rows x cols blocks, then the next, each wave finishing its stores before the next starts.',
  'link-wait cycles': 'Summed over every block transfer, the cycles it spent waiting for a NoC link (or a tile\'s input port) that another transfer was using. Large values mean the mesh, not HBM, is the bottleneck.',
  'compulsory traffic': 'The bytes a kernel must move at the very least: each input read once and each output written once. Real kernels move more when tiles re-read shared inputs.',
  bound: 'What limited an op in the chip model: the largest part of its time split. compute (the MAC arrays), launch (launch gaps and per-layer cost), collective (the all-reduce between chips), or, for the memory part, what limited the kernel\'s waves: memory (HBM bandwidth), noc (the busiest mesh links) or array-schedule (MAC arrays working far below the chip\'s peak: padded or one-row tiles, idle tiles).',
  utilization: 'Multiply-accumulates done over what the MAC arrays could have done in the same time: 100% means every tile multiplied on every cycle.',
  ramp: 'The time before a kernel\'s first bytes arrive from HBM (memory latency plus the ramp-up of its requests). A GPU pays it once per kernel launch; short decode kernels pay it many times per token.',
  'launch gap': 'Idle time between two kernels on a GPU: the driver and the hardware start the next kernel only after the previous one ends. Dozens of kernels per layer make it add up per token.',
  pipeline: 'Pipeline stages: the model\'s layers are split over groups of chips; each group holds only its layers and passes the activations on. Needed when the weights do not fit on as many chips as tensor parallelism can use.',
  multicast: 'One block sent over the network-on-chip to several tiles at once, instead of one copy per tile: fewer bytes on the links when many tiles need the same data.',
  roofline: 'The largest FLOP/s a kernel can reach at its arithmetic intensity (FLOP per HBM byte): the lower of the compute peak and bandwidth x intensity. Below the ridge point a kernel is memory-bound.',
  mostly: 'The bound (compute, memory or NoC) of the ops that take most of the step\'s time, with their share of it.',
  'tiles used': 'A plan has one output block per tile at a time; a plan with fewer blocks than the chip has tiles leaves the rest idle, which caps the compute it can reach.',
} as const;
export type Term = keyof typeof GLOSSARY;

let nextId = 0;

@customElement('jp-term')
export class JpTerm extends LitElement {
  /** Key into GLOSSARY; the slotted text is what is shown in the sentence. */
  @property() name: Term = 'bound';
  private tipId = `jp-term-${++nextId}`;

  static override styles = css`
    :host { position: relative; display: inline; }
    .t { border-bottom: 1px dotted currentColor; cursor: help; }
    .t:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; border-radius: 2px; }
    [role='tooltip'] {
      display: none; position: absolute; left: 0; top: calc(100% + 4px); z-index: 30; width: max-content; max-width: min(320px, 80vw);
      background: var(--jp-surface); color: var(--jp-text); border: 1px solid var(--jp-border); border-radius: 6px;
      padding: 6px 8px; font-size: 0.82rem; line-height: 1.4; font-weight: normal; box-shadow: var(--jp-shadow); white-space: normal;
    }
    :host(:hover) [role='tooltip'], .t:focus + [role='tooltip'] { display: block; }
  `;

  override render() {
    return html`<span class="t" tabindex="0" aria-describedby=${this.tipId}><slot>${this.name}</slot></span><span role="tooltip" id=${this.tipId}>${GLOSSARY[this.name] ?? ''}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-term': JpTerm;
  }
}
