// <jp-tokens-tab>: one model preset (Llama-3-8B, 70B, GPT-2 small), prefill or decode, simulated on
// every chip preset side by side: per-token latency, tokens/s, J/token and tokens/s per watt, and
// each op's share of the step as a stacked bar coloured by op, hatched by what bounds it.
// The chip model runs in the worker; this element only renders its ModelSimResults.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { Bound, ChipPreset } from '../chip/types.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { ModelState, StateChangeDetail } from '../share/state.ts';
import { bestRow, fmtNum, opOrder, tokenRows, TIME_KINDS, type ModelOutcome, type TokenRow } from './token-table.ts';
import { fmtJoules } from './chip-tab.ts';

/** Categorical colours, one per op (readable on both themes' surfaces). */
export const OP_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#86bcb6', '#d37295', '#fabfd2', '#bab0ac'];
const BOUND_LETTER: Record<Bound, string> = { compute: 'C', memory: 'M', noc: 'N' };

type ModelInfo = { id: string; label?: string; name?: string };

@customElement('jp-tokens-tab')
export class JpTokensTab extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state (model preset, phase, tokens, context, batch, chips). */
  @property({ attribute: false }) state?: ModelState;

  @state() private chips: ChipPreset[] = [];
  @state() private models: ModelInfo[] = [];
  @state() private outcomes: Array<ModelOutcome | undefined> = [];
  @state() private busy = false;
  private simKey = '';
  private seq = 0;

  static override styles = css`
    :host { display: block; color: var(--jp-text); }
    .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 12px 14px; box-shadow: var(--jp-shadow); margin-bottom: var(--jp-gap); }
    form { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; }
    label { display: grid; gap: 2px; font-size: 0.85rem; color: var(--jp-muted); }
    select, input { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 4px 6px; min-height: 30px; box-sizing: border-box; }
    input[type='number'] { width: 92px; }
    select:focus-visible, input:focus-visible, button:focus-visible, summary:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    .seg-btns { display: inline-flex; border: 1px solid var(--jp-border); border-radius: 6px; overflow: hidden; }
    .seg-btns button { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: none; padding: 4px 12px; min-height: 30px; cursor: pointer; }
    .seg-btns button[aria-pressed='true'] { background: var(--jp-accent); color: var(--jp-accent-text); }
    .status { color: var(--jp-muted); font-size: 0.85rem; margin-left: auto; }
    h2 { font-size: 1rem; margin: 0 0 8px; }
    table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
    th, td { padding: 5px 8px; border-bottom: 1px solid var(--jp-border); text-align: right; white-space: nowrap; }
    th:first-child, td:first-child { text-align: left; white-space: normal; }
    thead th { color: var(--jp-muted); font-weight: 600; font-size: 0.8rem; }
    td.num { font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
    td.best { font-weight: 700; color: var(--jp-ok); }
    .whatif { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 10px; font-size: 0.72rem; font-weight: 600; border: 1px dashed var(--jp-accent); color: var(--jp-accent); white-space: nowrap; }
    .bound { font-weight: 600; }
    .bound.memory { color: var(--jp-plot-2); } .bound.compute { color: var(--jp-ok); } .bound.noc { color: var(--jp-accent); }
    .err { color: var(--jp-error); }
    .warn { color: var(--jp-warn, var(--jp-error)); font-size: 0.8rem; }
    .bars { display: grid; grid-template-columns: minmax(160px, 230px) 1fr; gap: 8px 12px; align-items: center; }
    .bars .name { font-size: 0.85rem; }
    .bar { display: flex; height: 26px; border-radius: 4px; overflow: hidden; background: var(--jp-surface-2); border: 1px solid var(--jp-border); }
    .bar .s { position: relative; height: 100%; display: flex; align-items: center; justify-content: center; font: 600 0.7rem var(--jp-mono); color: #111; min-width: 0; overflow: hidden; }
    .bar .s.memory { background-image: repeating-linear-gradient(45deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 7px); }
    .bar .s.noc { background-image: repeating-linear-gradient(0deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 6px); }
    .bar .s span { background: rgb(255 255 255 / 0.75); border-radius: 3px; padding: 0 3px; }
    .bar .s .parts { position: absolute; left: 0; right: 0; bottom: 0; height: 6px; display: flex; }
    .parts i, .sw.t { display: block; height: 100%; }
    .t-compute { background: #1b5e20; } .t-memory { background: #0d47a1; } .t-launch { background: #e65100; } .t-collective { background: #6a1b9a; }
    .legend { display: flex; gap: 6px 14px; flex-wrap: wrap; font-size: 0.8rem; color: var(--jp-muted); margin: 10px 0 0; padding: 0; list-style: none; }
    .sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -2px; border: 1px solid rgb(0 0 0 / 0.2); }
    .sw.memory { background: repeating-linear-gradient(45deg, #555 0 2px, #ddd 2px 7px); }
    .sw.noc { background: repeating-linear-gradient(0deg, #555 0 2px, #ddd 2px 6px); }
    .sw.compute { background: #ddd; }
    details { font-size: 0.85rem; color: var(--jp-muted); margin-top: 10px; }
    summary { cursor: pointer; }
    details th { text-align: left; }
    details table { font-size: 0.8rem; margin-top: 4px; }
    .msg { color: var(--jp-muted); font-size: 0.85rem; margin: 6px 0 0; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadLists();
  }

  private async loadLists(): Promise<void> {
    if (!this.api || this.chips.length) return;
    const [chips, models] = await Promise.all([this.api.listChips(), this.api.listModels()]);
    this.chips = chips;
    this.models = models;
    this.simKey = '';
    this.requestUpdate();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api && !this.chips.length) void this.loadLists();
    if (this.api && this.state && this.chips.length) {
      const s = this.state;
      const key = JSON.stringify([s.preset, s.phase, s.tokens, s.context, s.batch, s.chips, this.chips.length]);
      if (key !== this.simKey) {
        this.simKey = key;
        void this.simulateAll(s);
      }
    }
  }

  private async simulateAll(s: ModelState): Promise<void> {
    const seq = ++this.seq;
    this.busy = true;
    const opts = { phase: s.phase, tokens: s.tokens, context: s.context, batch: s.batch, chips: s.chips };
    const outs = await Promise.all(
      this.chips.map((c) =>
        this.api!.simulateModel(c.id, s.preset, opts).catch((e: Error): ModelOutcome => ({ status: 'unavailable', message: e.message })),
      ),
    );
    if (seq !== this.seq) return;
    this.outcomes = outs;
    this.busy = false;
  }

  private patch(p: Partial<ModelState>): void {
    this.dispatchEvent(new CustomEvent<StateChangeDetail<'model'>>('state-change', { detail: { patch: p }, bubbles: true, composed: true }));
  }

  private renderControls(s: ModelState) {
    const int = (key: 'tokens' | 'context' | 'batch' | 'chips', label: string, max: number, hint: string) => html`
      <label title=${hint}>${label}<input type="number" min="1" max=${max} step="1" .value=${String(s[key])}
        @change=${(e: Event) => {
          const v = Math.round(Number((e.target as HTMLInputElement).value));
          if (Number.isFinite(v) && v >= 1 && v <= max) this.patch({ [key]: v });
          else (e.target as HTMLInputElement).value = String(s[key]);
        }} /></label>`;
    return html`
      <form class="card" aria-label="Model setup" @submit=${(e: Event) => e.preventDefault()}>
        <label>Model
          <select .value=${s.preset} @change=${(e: Event) => this.patch({ preset: (e.target as HTMLSelectElement).value })}>
            ${(this.models.length ? this.models : [{ id: s.preset }]).map((m) => html`<option value=${m.id} ?selected=${m.id === s.preset}>${m.label ?? m.name ?? m.id}</option>`)}
          </select>
        </label>
        <div role="group" aria-label="Phase" class="seg-btns">
          ${(['prefill', 'decode'] as const).map((p) => html`<button type="button" aria-pressed=${s.phase === p ? 'true' : 'false'} @click=${() => this.patch({ phase: p })}>${p}</button>`)}
        </div>
        ${int('tokens', s.phase === 'prefill' ? 'Prompt tokens' : 'Tokens', 1 << 20, 'prefill: prompt length; decode: tokens generated per sequence this step')}
        ${int('context', 'Context', 1 << 21, 'tokens already in the KV cache')}
        ${int('batch', 'Batch', 4096, 'sequences served together')}
        ${int('chips', 'Chips', 4096, 'tensor-parallel chips per model copy')}
        <span class="status" role="status">${this.busy ? 'Simulating on every preset…' : this.chips.length ? `${this.chips.length} chip presets` : ''}</span>
      </form>`;
  }

  private renderTable(rows: TokenRow[]) {
    const cols: Array<{ h: string; unit: string; f: (r: ModelSimResult) => number; better: 'higher' | 'lower' | null; fmt: (v: number) => string }> = [
      { h: 'Per-token latency', unit: 'ms', f: (r) => r.perTokenMs, better: 'lower', fmt: (v) => fmtNum(v, 4) },
      { h: 'Tokens/s', unit: '', f: (r) => r.tokensPerS, better: 'higher', fmt: (v) => fmtNum(v, 4) },
      { h: 'Energy per token', unit: '', f: (r) => r.joulesPerToken, better: 'lower', fmt: fmtJoules },
      { h: 'Tokens/s per W', unit: '', f: (r) => r.tokensPerSPerW, better: 'higher', fmt: (v) => fmtNum(v, 3) },
      { h: 'Power', unit: 'W', f: (r) => r.powerW, better: null, fmt: (v) => fmtNum(v, 3) },
    ];
    const best = cols.map((c) => (c.better ? bestRow(rows, c.f, c.better) : -1));
    return html`
      <section class="card" aria-labelledby="tok-h">
        <h2 id="tok-h">Per chip preset</h2>
        <table data-testid="token-table">
          <thead><tr><th scope="col">Chip preset</th>${cols.map((c) => html`<th scope="col">${c.h}${c.unit ? html` (${c.unit})` : nothing}</th>`)}<th scope="col">Mostly</th><th scope="col">Precision</th></tr></thead>
          <tbody>
            ${rows.map(
              (row, i) => html`<tr data-preset=${row.id}>
                <th scope="row" style="font-weight:600;text-align:left">${row.label.replace(/\s*\(hypothetical what-if\)/i, '')}${row.hypothetical ? html`<span class="whatif" title="Hypothetical: built from public facts of the class plus our assumptions, not a datasheet">what-if</span>` : nothing}
                  ${row.result && !row.result.placement.fits
                    ? html`<div class="warn" title=${row.result.placement.messages.join(' ')}>does not fit on ${this.state!.chips} chip${this.state!.chips > 1 ? 's' : ''}: ${row.result.placement.messages[0]?.replace(/(\d+\.\d{2})\d+/g, '$1') ?? ''}</div>`
                    : nothing}</th>
                ${row.result
                  ? cols.map((c, j) => html`<td class="num ${best[j] === i ? 'best' : ''}">${c.fmt(c.f(row.result!))}</td>`)
                  : html`<td colspan=${cols.length} class="err">${row.error ?? (this.busy ? 'simulating…' : 'not simulated')}</td>`}
                <td>${row.bound ? html`<span class="bound ${row.bound}">${row.bound}</span> <span class="num">${Math.round(row.boundShare[row.bound] * 100)}%</span>` : '–'}</td>
                <td>${row.result?.precision ?? '–'}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        <p class="msg">Best in each column (among presets the model fits on) in bold green. Chip-model estimates for ${this.state!.chips} chip${this.state!.chips > 1 ? 's' : ''} per model copy; "Mostly" = the bound of the ops taking most of the step.</p>
      </section>`;
  }

  private renderBars(rows: TokenRow[]) {
    const order = opOrder(rows.map((r) => r.result));
    return html`
      <section class="card" aria-labelledby="ops-h">
        <h2 id="ops-h">Where the step's time goes</h2>
        <div class="bars">
          ${rows.map((row) => {
            const top = [...row.segments].sort((a, b) => b.share - a.share).slice(0, 3);
            const label = row.result
              ? `${row.label}: ${top.map((s) => `${s.name} ${Math.round(s.share * 100)}% (${s.bound}-bound)`).join(', ')}; time ${TIME_KINDS.map((k) => `${k} ${Math.round(row.timeShare[k] * 100)}%`).join(', ')}`
              : `${row.label}: no result`;
            return html`
              <div class="name">${row.label.replace(/\s*\(hypothetical what-if\)/i, '')}${row.hypothetical ? html`<span class="whatif">what-if</span>` : nothing}</div>
              <div class="bar" role="img" aria-label=${label}>
                ${row.segments.map(
                  (s) => html`<div class="s ${s.bound}" style="width:${(s.share * 100).toFixed(3)}%;background-color:${OP_COLORS[s.color % OP_COLORS.length]}"
                    title="${s.name}: ${(s.share * 100).toFixed(1)}% of the step, ${s.bound}-bound; ${s.parts.map((p) => `${p.kind} ${Math.round(p.frac * 100)}%`).join(', ')}">${s.share > 0.06 ? html`<span>${BOUND_LETTER[s.bound]}</span>` : nothing}<div class="parts">${s.parts.map((p) => html`<i class="t-${p.kind}" style="width:${(p.frac * 100).toFixed(2)}%"></i>`)}</div></div>`,
                )}
              </div>
              `;
          })}
        </div>
        <ul class="legend" aria-label="Ops">
          ${order.map((n, i) => html`<li><i class="sw" style="background:${OP_COLORS[i % OP_COLORS.length]}"></i>${n}</li>`)}
        </ul>
        <ul class="legend" aria-label="Bounds">
          <li><i class="sw compute"></i>C: compute-bound (solid)</li>
          <li><i class="sw memory"></i>M: memory-bound (diagonal hatch)</li>
          <li><i class="sw noc"></i>N: NoC-bound (horizontal hatch)</li>
        </ul>
        <ul class="legend" aria-label="Time kinds (strip under each op)">
          ${TIME_KINDS.map((k) => html`<li><i class="sw t-${k}"></i>${k === 'launch' ? 'launch gaps' : k === 'collective' ? 'collectives' : k}</li>`)}
        </ul>
        ${this.renderOpTable(rows, order)}
      </section>`;
  }

  /** The bars' numbers as a table (keyboard and screen-reader access to every segment). */
  private renderOpTable(rows: TokenRow[], order: string[]) {
    const live = rows.filter((r) => r.result);
    if (!live.length) return nothing;
    const short = (r: TokenRow) => r.label.replace(/\s*\(.*\)$/, '');
    return html`<details>
      <summary>Op breakdown: share of the step and bound, per preset</summary>
      <table>
        <thead><tr><th scope="col">Op</th>${live.map((r) => html`<th scope="col">${short(r)}</th>`)}</tr></thead>
        <tbody>${order.map(
          (name) => html`<tr><th scope="row">${name}</th>${live.map((r) => {
            const seg = r.segments.find((x) => x.name === name);
            return html`<td class="num">${seg ? html`${(seg.share * 100).toFixed(1)}% <span class="bound ${seg.bound}">${BOUND_LETTER[seg.bound]}</span>` : '–'}</td>`;
          })}</tr>`,
        )}</tbody>
      </table></details>`;
  }

  override render() {
    if (!this.state) return html`<p class="msg">Loading…</p>`;
    const s = this.state;
    if (this.api && !this.chips.length) return html`${this.renderControls(s)}<p class="msg" role="status">Loading chip presets…</p>`;
    const rows = tokenRows(this.chips, this.outcomes);
    const hyp = this.chips.find((c) => c.hypothetical);
    return html`
      ${this.renderControls(s)}
      ${this.renderTable(rows)}
      ${this.renderBars(rows)}
      ${hyp ? html`<p class="msg"><span class="whatif">what-if</span> ${hyp.label}: ${hyp.description}${hyp.caveat ? html` <strong>Public claims:</strong> ${hyp.caveat}` : nothing}</p>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-tokens-tab': JpTokensTab;
  }
}
