// <jp-tokens-tab>: one model preset (Llama-3-8B, 70B, GPT-2 small), prefill or decode, simulated on
// every chip preset side by side: per-token latency, tokens/s, J/token and tokens/s per watt, and
// each op's share of the step as a stacked bar coloured by op, hatched by what bounds it.
// The chip model runs in the worker; this element only renders its ModelSimResults.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { Task, TaskStatus } from '@lit/task';
import type { ApiRemote } from '../worker/client.ts';
import type { ChipPreset } from '../chip/types.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { ModelState } from '../share/state.ts';
import { checkModelInputs, chipChoices, chipSplit, DEFAULT_ISL, DEFAULT_OSL, maxFor, type ModelField, type ModelInputLimits, type ModelShape } from '../share/model-limits.ts';
import { claimChecks } from '../models/claim-checks.ts';
import { emitStateChange } from './events.ts';
import { formStyles, sharedStyles } from './styles.ts';
import './glossary.ts';
import { fmtNum, formatEnergy, formatPercent, plural } from './format.ts';
import { batchingText, bestRow, opOrder, perWattText, powerSplit, powerSplitText, segmentText, tokenRows, type ModelOutcome, type TokenRow } from './token-table.ts';
import { BOUND_LETTER, TIME_KINDS } from './op-split.ts';
import { OP_BOUNDS } from '../models/bound.ts';
import type { OpBound } from '../models/types.ts';

/** How a bar segment's bound is drawn (the legend's words for each pattern). */
const BOUND_PATTERN: Record<OpBound, string> = { compute: 'solid', memory: 'diagonal hatch', noc: 'horizontal hatch', 'array-schedule': 'dots', launch: 'vertical hatch', collective: 'cross hatch' };
import './power-basis.ts';

/** Categorical colours, one per op (readable on both themes' surfaces). */
export const OP_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#86bcb6', '#d37295', '#fabfd2', '#bab0ac'];

type ModelInfo = ModelShape & { id: string; label?: string; name?: string };

@customElement('jp-tokens-tab')
export class JpTokensTab extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state (model preset, phase, tokens, context, batch, chips). */
  @property({ attribute: false }) state?: ModelState;

  /** A typed value the model does not accept (kept out of the state, shown at its field). */
  @state() private draft: Partial<Record<ModelField, string>> = {};
  /** Per preset row, the bar segment that holds the bar's tab stop. */
  @state() private barFocus: Record<string, number> = {};
  /** The bar segment with keyboard focus (its numbers show under the bar). */
  @state() private focused: { row: string; seg: number } | null = null;

  private listsTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => {
      if (!api) return null;
      const [chips, models, limits] = await Promise.all([api.listChips(), api.listModels(), api.modelLimits()]);
      // No preset scales out past its own chip limit: the choices stop at the largest of them.
      const maxChips = Math.max(1, ...chips.map((c) => c.config.scaleOut.maxChips));
      return { chips, models: models as ModelInfo[], limits: { ...limits, chips: Math.min(limits.chips, maxChips) } };
    },
    args: () => [this.api] as const,
  });

  /** Every chip preset simulated for the current state; a state the model cannot take is not sent. */
  private simTask = new Task(this, {
    task: async ([api, k]: readonly [ApiRemote | undefined, string]): Promise<Array<ModelOutcome | undefined>> => {
      void k;
      const s = this.state;
      const lists = this.listsTask.value;
      if (!api || !s || !lists || Object.keys(this.problems).length) return [];
      const split = this.model && s.chips > 0 ? chipSplit(this.model, s.chips) : null;
      const chips = split ? { chips: s.chips, stages: split.stages } : {};
      const precision = s.precision ?? 'bf16';
      return Promise.all(lists.chips.map(async (c): Promise<ModelOutcome> => {
        // a preset that does not scale out that far is explained in its row, in the user's terms
        if (s.chips > c.config.scaleOut.maxChips) return { status: 'invalid', message: `${c.label.replace(/\s*\(.*\)$/, '')} scales out to at most ${plural(c.config.scaleOut.maxChips, 'chip')} per model copy; choose fewer chips or "fewest that hold the model".` };
        try {
          if (s.phase !== 'inflight') return await api.simulateModel(c.id, s.preset, { phase: s.phase, tokens: s.tokens, context: s.context, batch: s.batch, precision, ...chips });
          // in-flight batching: the steady-state step (the preset's own batch and carried prefill)
          const r = await api.simulateInflight(c.id, s.preset, { isl: s.tokens, osl: s.osl ?? DEFAULT_OSL, maxBatch: s.batch, precision, ...chips });
          return r.status === 'ok' ? { status: 'ok', result: r.result.step, mechanism: r.result.text } : r;
        } catch (e) { return { status: 'unavailable', message: (e as Error).message }; }
      }));
    },
    args: () => [this.api, JSON.stringify([this.state, this.listsTask.value?.chips.map((c) => c.id)])] as const,
  });

  private get chips(): ChipPreset[] {
    return this.listsTask.value?.chips ?? [];
  }

  /** The selected model preset's shape (heads, layers, longest context). */
  private get model(): ModelInfo | undefined {
    return this.listsTask.value?.models.find((m) => m.id === this.state?.preset);
  }

  private get limits(): ModelInputLimits | undefined {
    return this.listsTask.value?.limits;
  }

  /** What the model would refuse in the current state (a link may carry batch 4096); set in willUpdate. */
  private problems: Partial<Record<ModelField, string>> = {};
  /** One row per preset from the simulations on hand; set in willUpdate. */
  private rows: TokenRow[] = [];
  /** The inputs `problems` and `rows` were derived from. */
  private derivedFrom: { state?: ModelState; lists?: unknown; outcomes?: unknown } = {};

  /**
   * Derives `problems` (from the state, the limits and the model's shape) and `rows` (from the presets
   * and the simulations) when those inputs change, not on every render; before the tasks' hostUpdate,
   * so the simulation task reads the current state's problems.
   */
  override willUpdate(): void {
    const lists = this.listsTask.value, outcomes = this.simTask.value, d = this.derivedFrom;
    if (d.state !== this.state || d.lists !== lists) this.problems = this.state && this.limits ? checkModelInputs(this.state, this.limits, this.model) : {};
    if (d.lists !== lists || d.outcomes !== outcomes) this.rows = tokenRows(this.chips, outcomes ?? []);
    this.derivedFrom = { state: this.state, lists, outcomes };
  }

  private get busy(): boolean {
    return this.simTask.status === TaskStatus.PENDING;
  }

  static override styles = [sharedStyles, formStyles, css`
    :host { display: block; }
    .card { margin-bottom: var(--jp-gap); }
    .field-error { color: var(--jp-error); font-size: 0.8rem; max-width: 260px; white-space: normal; }
    #input-problems { margin: 0 0 var(--jp-gap); }
    td.nofit { color: var(--jp-muted); text-align: left; white-space: normal; min-width: 14em; }
    tbody th { min-width: 8em; }
    td.nofit b { color: var(--jp-error); }
    form { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; }
    input[type='number'] { width: 92px; }
    summary:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
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
    .err { color: var(--jp-error); }
    .warn { color: var(--jp-warn, var(--jp-error)); font-size: 0.8rem; }
    .bars { display: grid; grid-template-columns: minmax(160px, 230px) 1fr; gap: 8px 12px; align-items: center; }
    .bars .name { font-size: 0.85rem; }
    .bar { display: flex; height: 26px; border-radius: 4px; overflow: hidden; background: var(--jp-surface-2); border: 1px solid var(--jp-border); }
    .bar .s { position: relative; height: 100%; display: flex; align-items: center; justify-content: center; font: 600 0.7rem var(--jp-mono); color: #111; min-width: 0; overflow: hidden; }
    .bar .s.memory { background-image: repeating-linear-gradient(45deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 7px); }
    .bar .s.noc { background-image: repeating-linear-gradient(0deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 6px); }
    .bar .s span { background: rgb(255 255 255 / 0.75); border-radius: 3px; padding: 0 3px; }
    .bar .s:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: -3px; z-index: 1; }
    .seg-tip { grid-column: 2; margin-top: -4px; font-size: 0.8rem; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-focus); border-radius: 6px; padding: 3px 8px; }
    .bar .s .parts { position: absolute; left: 0; right: 0; bottom: 0; height: 6px; display: flex; }
    .parts i, .sw.t { display: block; height: 100%; }
    .legend { display: flex; gap: 6px 14px; flex-wrap: wrap; font-size: 0.8rem; color: var(--jp-muted); margin: 10px 0 0; padding: 0; list-style: none; }
    .sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -2px; border: 1px solid rgb(0 0 0 / 0.2); }
    .sw.memory { background: repeating-linear-gradient(45deg, #555 0 2px, #ddd 2px 7px); }
    .sw.noc { background: repeating-linear-gradient(0deg, #555 0 2px, #ddd 2px 6px); }
    .sw.compute { background: #ddd; }
    .bar .s.launch { background-image: repeating-linear-gradient(90deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 6px); }
    .bar .s.array-schedule { background-image: radial-gradient(rgb(0 0 0 / 0.35) 1px, transparent 1.5px); background-size: 5px 5px; }
    .bar .s.collective { background-image: repeating-linear-gradient(45deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 7px), repeating-linear-gradient(-45deg, rgb(0 0 0 / 0.28) 0 2px, transparent 2px 7px); }
    .sw.launch { background: repeating-linear-gradient(90deg, #555 0 2px, #ddd 2px 6px); }
    .sw.array-schedule { background: radial-gradient(#555 1px, #ddd 1.5px); background-size: 5px 5px; }
    .sw.collective { background: repeating-linear-gradient(45deg, #555 0 2px, transparent 2px 7px), repeating-linear-gradient(-45deg, #555 0 2px, #ddd 2px 7px); }
    details { font-size: 0.85rem; color: var(--jp-muted); margin-top: 10px; }
    summary { cursor: pointer; }
    details th { text-align: left; }
    details table { font-size: 0.8rem; margin-top: 4px; }
    .msg { color: var(--jp-muted); font-size: 0.85rem; margin: 6px 0 0; }
    .stale table, .stale .bars { opacity: 0.45; }
    .stale-tag { color: var(--jp-error); font-weight: 600; font-size: 0.85rem; }
    @media (max-width: 600px) { .bars { grid-template-columns: minmax(0, 1fr); } .seg-tip { grid-column: 1; } form { gap: 8px 10px; } input[type='number'] { width: 84px; } }
  `];

  private patch(p: Partial<ModelState>): void {
    emitStateChange<'model'>(this, p);
  }

  /** A typed value: sent when the model accepts it with the other inputs, else explained at the field. */
  private setField(key: ModelField, raw: string): void {
    const s = this.state;
    if (!s) return;
    const v = Number(raw);
    const next = { ...s, [key]: v };
    const problem = this.limits ? checkModelInputs(next, this.limits, this.model)[key] : Number.isInteger(v) && v >= 1 ? undefined : `${key} must be a whole number ≥ 1.`;
    const { [key]: _old, ...rest } = this.draft;
    if (problem) {
      this.draft = { ...rest, [key]: raw };
      return;
    }
    this.draft = rest;
    this.patch({ [key]: v });
  }

  private renderControls(s: ModelState) {
    const lim = this.limits;
    const problems = this.problems;
    const int = (key: ModelField, label: string, hint: string) => {
      const max = lim ? maxFor(key, s, lim, this.model) : undefined;
      const draft = this.draft[key];
      const problem = draft !== undefined && lim ? checkModelInputs({ ...s, [key]: Number(draft) }, lim, this.model)[key] : problems[key];
      return html`
      <label title=${hint}>${label}<input id="in-${key}" type="number" min="1" max=${max ?? nothing} step="1" .value=${draft ?? String(s[key] ?? DEFAULT_OSL)}
        aria-invalid=${problem ? 'true' : 'false'} aria-describedby=${problem ? `err-${key}` : nothing}
        @change=${(e: Event) => this.setField(key, (e.target as HTMLInputElement).value)} />
        ${problem ? html`<span class="field-error" id="err-${key}" role="alert">${problem}</span>` : max !== undefined ? html`<span class="muted">1 to ${max.toLocaleString('en-US')}</span>` : nothing}</label>`;
    };
    const models = this.listsTask.value?.models ?? [];
    return html`
      <form class="card" aria-label="Model setup" @submit=${(e: Event) => e.preventDefault()}>
        <label>Model
          <select .value=${s.preset} @change=${(e: Event) => this.setModel((e.target as HTMLSelectElement).value)}>
            ${(models.length ? models : [{ id: s.preset } as ModelInfo]).map((m) => html`<option value=${m.id} ?selected=${m.id === s.preset}>${m.label ?? m.name ?? m.id}</option>`)}
          </select>
        </label>
        <div role="group" aria-label="Phase" class="seg-btns">
          ${(['prefill', 'decode', 'inflight'] as const).map((p) => html`<button type="button" aria-pressed=${s.phase === p ? 'true' : 'false'} title=${p === 'inflight' ? 'serving under in-flight batching: decode steps that carry the prefill of newly admitted requests' : p} @click=${() => this.patch({ phase: p, ...(p === 'inflight' && s.tokens === 1 ? { tokens: DEFAULT_ISL } : {}) })}>${p === 'inflight' ? 'in-flight' : p}</button>`)}
        </div>
        ${s.phase !== 'decode' ? int('tokens', 'Prompt tokens', s.phase === 'prefill' ? 'prefill: prompt length per sequence' : 'in-flight: prompt tokens per request') : nothing}
        ${s.phase === 'inflight' ? int('osl', 'Output tokens', 'in-flight: output tokens per request (the first comes from the prefill)') : int('context', 'Context', 'tokens already in the KV cache')}
        ${int('batch', s.phase === 'inflight' ? 'Max batch' : 'Batch', s.phase === 'inflight' ? 'in-flight: the most sequences decoding together (max_batch_size / max_num_seqs); the KV cache may allow fewer' : 'sequences served together')}
        <div role="group" aria-label="Precision" class="seg-btns" title="weights and activations of the simulated deployment">
          ${(['bf16', 'int8'] as const).map((p) => html`<button type="button" aria-pressed=${(s.precision ?? 'bf16') === p ? 'true' : 'false'} @click=${() => this.patch({ precision: p })}>${p}</button>`)}
        </div>
        ${this.renderChips(s)}
        <span class="status" role="status">${this.busy ? 'Simulating on every preset…' : this.chips.length ? `${this.chips.length} chip presets` : ''}</span>
      </form>`;
  }

  /** A model preset change: the context is clamped to what the new model handles. */
  private setModel(id: string): void {
    const s = this.state;
    const m = this.listsTask.value?.models.find((x) => x.id === id);
    const lim = this.limits;
    const patch: Partial<ModelState> = { preset: id };
    if (s && m && lim) {
      const max = maxFor('context', { ...s }, lim, m);
      if (s.context > max) patch.context = max;
      if (s.chips > 0 && !chipSplit(m, s.chips)) patch.chips = 0;
    }
    this.draft = {};
    this.patch(patch);
  }

  /** Chips per model copy: only counts the model accepts (divisors of its heads, then whole pipeline stages), or the fewest that hold it on each preset. */
  private renderChips(s: ModelState) {
    const m = this.model;
    const choices = m && this.limits ? chipChoices(m, this.limits.chips) : [1];
    if (s.chips > 0 && !choices.includes(s.chips)) choices.push(s.chips);
    const split = m && s.chips > 0 ? chipSplit(m, s.chips) : null;
    return html`<label title="chips per model copy: tensor parallel over the attention heads, pipeline stages beyond them">Chips
      <select id="in-chips" @change=${(e: Event) => { this.draft = {}; this.patch({ chips: Number((e.target as HTMLSelectElement).value) }); }}>
        <option value="0" ?selected=${s.chips === 0}>fewest that hold the model</option>
        ${choices.map((c) => html`<option value=${c} ?selected=${c === s.chips}>${c}</option>`)}
      </select>
      <span class="muted" data-testid="chips-note">${s.chips === 0 ? 'chosen per preset' : split && split.stages > 1 ? html`${split.tp} tensor-parallel × ${split.stages} <jp-term name="pipeline">pipeline stages</jp-term> (chosen for you: ${m?.nHeads} heads)` : split ? `${split.tp} tensor-parallel` : ''}</span></label>`;
  }

  private renderTable(rows: TokenRow[], stale: boolean) {
    // one unit per column (the largest value's), so rows read alike
    const colMax = (f: (r: ModelSimResult) => number) => Math.max(0, ...rows.filter((r) => r.result?.placement.fits).map((r) => Math.abs(f(r.result!))));
    const cols: Array<{ h: string; unit: string; f: (r: ModelSimResult) => number; better: 'higher' | 'lower' | null; fmt: (v: number) => string }> = [
      { h: 'Per-token latency', unit: 'ms', f: (r) => r.perTokenMs, better: 'lower', fmt: (v) => fmtNum(v, 4) },
      { h: 'Tokens/s', unit: '', f: (r) => r.tokensPerS, better: 'higher', fmt: (v) => fmtNum(v, 4) },
      { h: 'Energy per token', unit: '', f: (r) => r.joulesPerToken, better: 'lower', fmt: (v) => formatEnergy(v, colMax((r) => r.joulesPerToken)) },
      { h: 'Tokens/s per W', unit: '', f: (r) => r.tokensPerSPerW, better: 'higher', fmt: (v) => fmtNum(v, 3) },
      { h: 'Power', unit: 'W', f: (r) => r.powerW, better: null, fmt: (v) => fmtNum(v, 3) },
    ];
    const best = cols.map((c) => (c.better ? bestRow(rows, c.f, c.better) : -1));
    return html`
      <section class="card ${stale ? 'stale' : ''}" aria-labelledby="tok-h" data-stale=${stale ? 'true' : 'false'}>
        <h2 id="tok-h">Per chip preset${stale ? html` <span class="stale-tag">(stale: last accepted inputs)</span>` : nothing}</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Per chip preset table (scrolls sideways)">
        <table data-testid="token-table">
          <thead><tr><th scope="col">Chip preset</th>${cols.map((c) => html`<th scope="col">${c.h}${c.unit ? html` (${c.unit})` : nothing}</th>`)}<th scope="col"><jp-term name="mostly">Mostly</jp-term></th><th scope="col">Precision</th></tr></thead>
          <tbody>
            ${rows.map(
              (row, i) => html`<tr data-preset=${row.id}>
                <th scope="row" style="font-weight:600;text-align:left">${row.label.replace(/\s*\(hypothetical what-if\)/i, '')}${row.hypothetical ? html`<span class="whatif" title="Hypothetical: built from public facts of the class plus our assumptions, not a datasheet">what-if</span>` : nothing}
</th>
                ${row.result && !row.result.placement.fits
                  ? html`<td colspan=${cols.length + 1} class="nofit" data-testid="nofit" title=${row.result.placement.messages.join(' ')}><b>Does not fit</b> on ${plural(row.result.chips, 'chip')}: ${row.result.placement.messages[0]?.replace(/(\d+\.\d{2})\d+/g, '$1').replace(/ with \d+ chip\(s\)$/, '') ?? 'the weights and KV cache do not fit'}. No speed or energy for it; ${this.state!.chips === 0 ? 'it does not fit on as many chips as this preset scales out to.' : 'choose more chips, or "fewest that hold the model".'}</td>`
                  : row.result
                    ? html`${cols.map((c, j) => html`<td class="num ${best[j] === i ? 'best' : ''}">${c.fmt(c.f(row.result!))}</td>`)}
                        <td>${row.bound ? html`<span class="bound ${row.bound}">${row.bound}</span> <span class="num">${formatPercent(row.boundShare[row.bound])}</span>` : '–'}</td>`
                    : html`<td colspan=${cols.length + 1} class="err">${row.error ?? (this.busy ? 'simulating…' : 'not simulated')}</td>`}
                <td>${row.result?.precision ?? '–'}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        </div>
        <jp-power-basis .presets=${this.chips} .verdict=${perWattText(
          { preset: this.chips.find((c) => c.id === 'jalapeno'), result: rows.find((r) => r.id === 'jalapeno')?.result },
          { preset: this.chips.find((c) => c.id === 'h100'), result: rows.find((r) => r.id === 'h100')?.result },
        )} .splits=${Object.fromEntries(rows.filter((r) => r.result?.placement.fits).map((r) => [r.id, powerSplitText(powerSplit(r.result!))]))}></jp-power-basis>
        <p class="msg">Best in each column (among presets the model fits on) in bold green. Chip-model estimates for ${this.state!.chips === 0 ? 'the fewest chips that hold the model on each preset' : plural(this.state!.chips, 'chip')} per model copy, ${this.state!.precision ?? 'bf16'}; "Mostly" = the bound of the ops taking most of the step.</p>
        <p class="msg" data-testid="batching">${batchingText(this.state!)}</p>
        ${this.state!.phase === 'inflight' ? html`<ul class="msg" data-testid="mechanisms">${rows.filter((r) => r.mechanism && r.result?.placement.fits).map((r) => html`<li>${r.label.replace(/\s*\(.*\)$/, '')}: ${r.mechanism}</li>`)}</ul>` : nothing}
      </section>`;
  }

  private renderBars(rows: TokenRow[]) {
    const order = opOrder(rows.map((r) => r.result));
    return html`
      <section class="card" aria-labelledby="ops-h">
        <h2 id="ops-h">Where the step's time goes</h2>
        <div class="bars">
          ${rows.map((row) => {
            if (row.result && !row.result.placement.fits) {
              return html`<div class="name">${row.label.replace(/\s*\(hypothetical what-if\)/i, '')}</div><div class="muted">does not fit: no breakdown</div>`;
            }
            const top = [...row.segments].sort((a, b) => b.share - a.share).slice(0, 3);
            const short = row.label.replace(/\s*\(.*\)$/, '');
            const label = row.result
              ? `${row.label}: ${top.map((s) => `${s.name} ${formatPercent(s.share)} (${s.bound}-bound)`).join(', ')}; time ${TIME_KINDS.map((k) => `${k} ${formatPercent(row.timeShare[k])}`).join(', ')}`
              : `${row.label}: no result`;
            return html`
              <div class="name">${row.label.replace(/\s*\(hypothetical what-if\)/i, '')}${row.hypothetical ? html`<span class="whatif">what-if</span>` : nothing}</div>
              <div class="bar" role="group" aria-label=${label} data-preset=${row.id} @keydown=${(e: KeyboardEvent) => this.onBarKey(e, row)}>
                ${row.segments.map((s, k) => {
                  const text = segmentText(short, s);
                  // One tab stop per bar (roving tabindex): the arrow keys, Home and End move between its ops.
                  return html`<div class="s ${s.bound}" role="img" tabindex=${k === this.focusIndex(row) ? 0 : -1} aria-label=${text} data-seg=${k}
                    style="width:${(s.share * 100).toFixed(3)}%;background-color:${OP_COLORS[s.color % OP_COLORS.length]}" title=${text}
                    @focus=${() => (this.focused = { row: row.id, seg: k })} @blur=${() => (this.focused = null)}
                    >${s.share > 0.06 ? html`<span>${BOUND_LETTER[s.bound]}</span>` : nothing}<div class="parts">${s.parts.map((p) => html`<i class="t-${p.kind}" style="width:${(p.frac * 100).toFixed(2)}%"></i>`)}</div></div>`;
                })}
              </div>
              ${this.focused?.row === row.id && row.segments[this.focused.seg]
                ? html`<div class="seg-tip" aria-hidden="true" data-testid="seg-tip">${segmentText(short, row.segments[this.focused.seg])}</div>`
                : nothing}
              `;
          })}
        </div>
        <ul class="legend" aria-label="Ops">
          ${order.map((n, i) => html`<li><i class="sw" style="background:${OP_COLORS[i % OP_COLORS.length]}"></i>${n}</li>`)}
        </ul>
        <ul class="legend" aria-label="Bounds">
          ${OP_BOUNDS.map((b) => html`<li><i class="sw ${b}"></i>${BOUND_LETTER[b]}: ${b === 'noc' ? 'NoC' : b}-bound (${BOUND_PATTERN[b]})</li>`)}
        </ul>
        <ul class="legend" aria-label="Time kinds (strip under each op)">
          ${TIME_KINDS.map((k) => html`<li><i class="sw t-${k}"></i>${k === 'launch' ? html`<jp-term name="launch gap">launch gaps</jp-term>` : k === 'collective' ? 'collectives' : k === 'memory' ? html`memory (incl. <jp-term name="ramp">ramps</jp-term>)` : k}</li>`)}
        </ul>
        ${this.renderOpTable(rows, order)}
      </section>`;
  }

  /** The segment of `row` that holds the bar's tab stop: the last one focused there, else the first. */
  private focusIndex(row: TokenRow): number {
    const k = this.barFocus[row.id] ?? 0;
    return k < row.segments.length ? k : 0;
  }

  private onBarKey(e: KeyboardEvent, row: TokenRow): void {
    const n = row.segments.length;
    const cur = this.focusIndex(row);
    const next = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? Math.min(n - 1, cur + 1) : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? Math.max(0, cur - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
    if (next < 0 || !n) return;
    e.preventDefault();
    this.barFocus = { ...this.barFocus, [row.id]: next };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`.bar[data-preset="${row.id}"] [data-seg="${next}"]`)?.focus());
  }

  /** The bars' numbers as a table (keyboard and screen-reader access to every segment). */
  private renderOpTable(rows: TokenRow[], order: string[]) {
    const live = rows.filter((r) => r.result?.placement.fits);
    if (!live.length) return nothing;
    const short = (r: TokenRow) => r.label.replace(/\s*\(.*\)$/, '');
    return html`<details>
      <summary>Op breakdown: share of the step and bound, per preset</summary>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Op breakdown">
      <table>
        <thead><tr><th scope="col">Op</th>${live.map((r) => html`<th scope="col">${short(r)}</th>`)}</tr></thead>
        <tbody>${order.map(
          (name) => html`<tr><th scope="row">${name}</th>${live.map((r) => {
            const seg = r.segments.find((x) => x.name === name);
            return html`<td class="num">${seg ? html`${formatPercent(seg.share)} <span class="bound ${seg.bound}">${BOUND_LETTER[seg.bound]}</span>` : '–'}</td>`;
          })}</tr>`,
        )}</tbody>
      </table></div></details>`;
  }

  override render() {
    if (!this.state) return html`<p class="msg">Loading…</p>`;
    const s = this.state;
    if (this.listsTask.status === TaskStatus.ERROR) return html`${this.renderControls(s)}<p class="err" role="alert">Could not load the chip presets: ${String(this.listsTask.error)}</p>`;
    if (this.api && !this.chips.length) return html`${this.renderControls(s)}<p class="msg" role="status">Loading chip presets…</p>`;
    const problems = Object.values(this.problems);
    if (problems.length) {
      return html`${this.renderControls(s)}
        <p class="warn" id="input-problems" role="alert">Not simulated: ${problems.join(' ')}</p>`;
    }
    const rows = this.rows;
    const hyp = this.chips.find((c) => c.hypothetical);
    // a typed value the model refused: the table still shows the last accepted inputs, marked stale
    const stale = Object.keys(this.draft).length > 0;
    return html`
      ${this.renderControls(s)}
      ${this.renderTable(rows, stale)}
      ${this.renderBars(rows)}
      ${hyp ? html`<p class="msg" data-testid="claims"><span class="whatif">what-if</span> ${hyp.label}: ${hyp.description} ${this.claimsText(rows, hyp.id, s)}</p>` : nothing}`;
  }

  /** The class's public claims judged on the rows on screen (the what-if chip against the H100 reference), for these inputs. */
  private claimsText(rows: TokenRow[], hypId: string, s: ModelState) {
    const c = rows.find((r) => r.id === hypId)?.result, g = rows.find((r) => r.id === 'h100')?.result;
    if (!c || !g || !c.placement.fits || !g.placement.fits) return html`<strong>Public claims:</strong> not checked for these inputs (the chip or the H100 reference has no result above).`;
    const { checks } = claimChecks(c, g, this.chips.find((x) => x.id === hypId)?.power, this.chips.find((x) => x.id === 'h100')?.power);
    const batch1Decode = s.phase === 'decode' && s.batch === 1;
    return html`<strong>Public claims</strong> against the H100 row above (${s.phase}, context ${s.context.toLocaleString('en-US')}, batch ${s.batch}, ${c.precision}${batch1Decode ? '' : '; the claims are stated for batch-1 decode'}):
      ${checks.map((k, i) => html`${i ? '; ' : ''}${k.claim} <b class=${k.holds ? 'holds' : 'fails'}>${k.holds ? 'holds' : 'does not hold'}</b> (${k.model})`)}.
      Tokens/s per W rests on the presets' power figures (above).`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-tokens-tab': JpTokensTab;
  }
}
