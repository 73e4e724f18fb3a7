// <jp-model-tab>: a real model on your GPU through the playground's kernels. Pick (or drop) a
// .gguf, or .safetensors with config.json and tokenizer.json (generation_config.json and tokenizer_config.json
// optional); type a prompt (through the model's chat template when it has one and the option is on); the text streams in
// with tokens/s and ms per token (median, p10/p90), then one decode step is timed op by op beside
// the bytes and flops of its plans and the chip model's prediction for the same plans on every
// preset. Clicking an op opens its kernel in the chip view (and the bench/editor). The settings,
// the model's name and fingerprint and the results go into the share link; a receiver is told
// which file to pick and whether the one they picked matches. All work runs in the worker.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import { callback } from '../worker/client.ts';
import type { LlmEvent, LlmInfo, LlmProfile, LlmRun } from '../worker/llm.ts';
import type { LlmState } from '../share/state.ts';
import type { ChipPreset } from '../chip/types.ts';
import type { OpBreakdown, OpSimResult } from '../models/types.ts';
import type { OpPrediction } from '../models/predict.ts';
import { emit, emitStateChange, toast } from './events.ts';
import { sharedStyles } from './styles.ts';
import { formatBytes, formatDuration, formatPercent, fmtSig, linkValue, LINK_RANGES } from './format.ts';
import { addSplits, SPLIT_PARTS, splitText } from './op-split.ts';
import { SUPPORTED_ARCHITECTURES } from '../llm/config.ts';
import './split-bar.ts';

type Phase = 'idle' | 'loading' | 'running' | 'profiling';

/** The name of the GGUF the "Build a small model here" button writes (testmodel.ts DEMO_LLAMA); a link naming it says how to make it again. */
const DEMO_FILE = 'generated-llama-demo.gguf';

/** A prediction cell: the time (in the unit that reads best: predictions span nine decades) with its compute / memory / launch gap / collective split drawn under it (jp-split-bar). */
function splitCell(timeS: number, b: OpBreakdown | null, what = '') {
  return html`<td class="pred" title=${`${what}${b ? splitText(b) : ''}`}>${formatDuration(timeS)}${b ? html`<jp-split-bar .breakdown=${b}></jp-split-bar>` : nothing}</td>`;
}

/** A prediction cell: the op's time in the simulated step and its split, or where its work went (fused), or '–' (not modelled). */
function predCell(p: OpPrediction | undefined) {
  if (!p || p.timeS === null) return html`<td title="the chip model does not model this op (embedding gather, sampling)">–</td>`;
  if (p.fusedInto) return html`<td title="a deployment runs it inside ${p.fusedInto}">in ${p.fusedInto}</td>`;
  return splitCell(p.timeS, p.breakdown, `${p.source} (${p.mode}): `);
}

@customElement('jp-model-tab')
export class JpModelTab extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** This tab's slice of the share state (model name + fingerprint, prompt, sampling, results). */
  @property({ attribute: false }) state?: LlmState;

  @state() private info: LlmInfo | null = null;
  @state() private phase: Phase = 'idle';
  @state() private progress = '';
  @state() private text = '';
  @state() private tokenMs: number[] = [];
  @state() private run: LlmRun | null = null;
  @state() private profile: LlmProfile | null = null;
  /** The chip model's prediction per preset, by op id (predictOps), and its whole step (the Tokens tab's figure). */
  @state() private predictions: Array<{ preset: string; label: string; byId: Map<string, OpPrediction>; extra: OpSimResult[]; perTokenMs: number; precisionNote: string }> = [];
  @state() private error = '';
  @state() private elapsedMs = 0;
  @state() private int8 = false;
  @state() private context = 1024;
  /** The context asked for when the loaded model was loaded (the model may allow fewer positions). */
  @state() private askedContext = 1024;
  @state() private dragging = false;
  private timer = 0;
  /** The files of the loaded model (reloaded when the int8 box changes). */
  private files: File[] = [];
  /** The fingerprint this tab last put into the share state (its own load). */
  private ownHash: string | null = null;
  /**
   * The model and results a share link opened with: captured when the state arrives naming a model
   * this tab did not load. Without one there is no link warning and no sharer's run.
   */
  @state() private link: { name: string; hash: string; result: LlmState['result'] } | null = null;

  static override styles = [
    sharedStyles,
    css`
      :host { display: block; }
      .drop { border: 2px dashed var(--jp-border, #999); border-radius: 8px; padding: 16px; text-align: center; }
      .demo { margin: 10px 0 0; }
      .demo .hint { display: block; font-size: 0.8rem; color: var(--jp-muted); margin-top: 4px; }
      .drop.over { border-color: var(--jp-accent, #36c); background: color-mix(in srgb, var(--jp-accent, #36c) 8%, transparent); }
      .row { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 10px 0; }
      label { display: grid; gap: 2px; font-size: 0.85rem; }
      textarea { width: 100%; min-height: 4em; font: inherit; box-sizing: border-box; }
      input[type='number'] { width: 7em; }
      .shared-text { max-height: 16em; overflow: auto; }
      summary, .clip { overflow-wrap: anywhere; }
      .clip { max-width: 16em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .out { overflow-wrap: anywhere; white-space: pre-wrap; border: 1px solid var(--jp-border, #999); border-radius: 6px; padding: 10px; min-height: 4em; font-family: var(--jp-mono, monospace); }
      .stats { display: flex; flex-wrap: wrap; gap: 18px; margin: 8px 0; font-variant-numeric: tabular-nums; }
      .warn { color: var(--jp-warn, #b60); }
      .err { color: var(--jp-error, #c00); }
      table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.85rem; }
      th, td { padding: 3px 6px; border-bottom: 1px solid var(--jp-border, #ddd); text-align: right; }
      th:first-child, td:first-child { text-align: left; }
      tr.op { cursor: pointer; }
      tr.op:hover, tr.op:focus { background: color-mix(in srgb, var(--jp-accent, #36c) 10%, transparent); }
      .bar { display: inline-block; height: 0.8em; background: var(--jp-accent, #36c); vertical-align: middle; }
      td.pred jp-split-bar { min-width: 56px; }
      .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0; padding: 0; list-style: none; font-size: 0.8rem; color: var(--jp-muted); }
      .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
      .splits { display: grid; grid-template-columns: minmax(8em, max-content) minmax(0, 1fr); gap: 6px 12px; align-items: start; margin: 8px 0; }
      .splits .who { font-size: 0.85rem; }
      @media (max-width: 600px) { .splits { grid-template-columns: minmax(0, 1fr); gap: 2px; } .splits .who { margin-top: 6px; font-weight: 600; } }
      details { margin-top: 8px; }
    `,
  ];

  private patch(p: Partial<LlmState>): void {
    emitStateChange<'llm'>(this, p);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    const s = this.state;
    if (changed.has('state') && s?.modelHash && s.modelName && s.modelHash !== this.ownHash && s.modelHash !== this.link?.hash) {
      this.link = { name: s.modelName, hash: s.modelHash, result: s.result };
    }
  }

  override disconnectedCallback(): void {
    window.clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private startTimer(): void {
    const t0 = performance.now();
    window.clearInterval(this.timer);
    this.elapsedMs = 0;
    this.timer = window.setInterval(() => (this.elapsedMs = performance.now() - t0), 100);
  }

  private stopTimer(): void {
    window.clearInterval(this.timer);
  }

  private async load(files: File[]): Promise<void> {
    if (!this.api || files.length === 0) return;
    this.phase = 'loading';
    this.error = '';
    this.profile = null;
    this.run = null;
    this.progress = `reading ${files.map((f) => f.name).join(', ')}`;
    this.startTimer();
    const onEvent = callback((e: LlmEvent) => {
      if (e.kind === 'load') this.progress = `${e.what} ${e.done}/${e.total}`;
    });
    this.askedContext = this.context;
    this.info = null;
    const r = await this.api.loadLlm(files, { int8: this.int8, context: this.context }, onEvent);
    this.stopTimer();
    this.phase = 'idle';
    this.progress = '';
    if (r.status !== 'ok') {
      this.error = r.message;
      return;
    }
    this.files = files;
    this.info = r.result;
    const link = this.link;
    if (link && r.result.hash !== link.hash) {
      toast(this, `This is not the model the link was made with: ${r.result.name} has fingerprint ${r.result.hash}, the link's ${link.name} has ${link.hash}. Results will differ.`, 'error');
    }
    this.ownHash = r.result.hash;
    this.patch({ modelName: r.result.name, modelHash: r.result.hash, int8: this.int8 });
  }

  private async generate(): Promise<void> {
    const s = this.state;
    if (!this.api || !s || !this.info) return;
    this.phase = 'running';
    this.error = '';
    this.text = '';
    this.tokenMs = [];
    this.run = null; // the stats line shows this run's figures only
    this.profile = null;
    this.progress = 'compiling pipelines, then the prompt…';
    this.startTimer();
    const onEvent = callback((e: LlmEvent) => {
      if (e.kind === 'prefill') this.progress = `prompt: layer pass ${e.done}/${e.total}`; // layers × prefill chunks
      else if (e.kind === 'token') {
        this.progress = '';
        this.text += e.text;
        if (e.index > 0) this.tokenMs = [...this.tokenMs, e.ms];
      }
    });
    const r = await this.api.generateLlm({ prompt: s.prompt, tokens: s.tokens, seed: s.seed, temperature: s.temperature, topK: s.topK, chat: this.chatOn() }, onEvent);
    this.stopTimer();
    this.progress = '';
    if (r.status !== 'ok') {
      this.phase = 'idle';
      this.error = r.message;
      return;
    }
    this.run = r.result;
    this.text = r.result.text;
    await this.profileStep();
  }

  private async profileStep(): Promise<void> {
    if (!this.api || !this.run) return;
    this.phase = 'profiling';
    const p = await this.api.profileLlm();
    if (p.status !== 'ok') {
      this.phase = 'idle';
      this.error = p.message;
      return;
    }
    // The measured profile and the chip model's predictions appear together: the table is never
    // shown without its prediction columns (and a reader never sees columns pop in under them).
    const chips: ChipPreset[] = await this.api.listChips();
    const pred = await this.api.predictLlm(chips.map((c) => c.id));
    this.predictions = pred.status === 'ok'
      ? pred.result.map((x) => ({ preset: x.preset, label: chips.find((c) => c.id === x.preset)?.label ?? x.preset, byId: new Map(x.rows.map((r) => [r.id, r])), extra: x.extra, perTokenMs: x.perTokenMs, precisionNote: x.precisionNote }))
      : [];
    if (pred.status !== 'ok') this.error = `chip model: ${pred.message}`;
    this.profile = p.result;
    this.phase = 'idle';
    const st = this.run.stats;
    this.patch({
      result: {
        device: this.info?.device ?? '', text: this.run.text.slice(0, 16000), tokensPerS: st.tokensPerS, medianMs: st.medianMs, p10Ms: st.p10Ms, p90Ms: st.p90Ms,
        families: p.result.families.slice(0, 32).map((f) => ({ family: f.family, ms: f.ms, bytes: f.bytes })),
      },
    });
  }

  /** The chat option as it applies: only with a template; on by default (a link's or the user's choice else). */
  private chatOn(): boolean {
    return this.info?.chatTemplate != null && (this.state?.chat ?? true);
  }

  private stop(): void {
    void this.api?.cancelLlm();
  }

  private openOp(i: number): void {
    const k = this.profile?.kernels[i];
    if (k) emit(this, 'open-kernel', k);
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    this.dragging = false;
    void this.load([...(e.dataTransfer?.files ?? [])]);
  }

  private num(e: Event, key: 'tokens' | 'seed' | 'topK' | 'temperature', min: number, max: number): void {
    const v = Number((e.target as HTMLInputElement).value);
    const ok = Number.isFinite(v) && v >= min && v <= max && (key === 'temperature' || Number.isInteger(v));
    if (ok) this.patch({ [key]: v });
    else toast(this, `${key} must be ${key === 'temperature' ? 'a number' : 'an integer'} in [${min}, ${max}]`, 'error');
  }

  /**
   * "No model file?": writes DEMO_LLAMA's GGUF here (its module is loaded only on this click, so the page's
   * first load does not carry it) and loads it like a picked file.
   */
  private async loadDemo(): Promise<void> {
    this.phase = 'loading';
    this.progress = 'building a model with random weights';
    try {
      const { writeGgufModel, DEMO_LLAMA } = await import('../llm/testmodel.ts');
      const bytes = writeGgufModel(DEMO_LLAMA);
      this.phase = 'idle';
      await this.load([new File([bytes as BlobPart], DEMO_FILE)]);
    } catch (e) {
      this.phase = 'idle';
      this.progress = '';
      this.error = `could not build the generated model: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** The int8 box: applied at once to a loaded model (its weights reloaded, with progress). */
  private setInt8(v: boolean): void {
    this.int8 = v;
    if (this.info && this.files.length && this.phase === 'idle' && this.info.int8 !== v) void this.load(this.files);
  }

  private renderLoad() {
    const link = this.link;
    const wanted = link && (!this.info || this.info.hash !== link.hash)
      ? html`<p class="warn" role="status">This link was made with <b>${link.name}</b> (fingerprint <code>${link.hash}</code>). ${link.name === DEMO_FILE ? 'Press "Build a small model here" below to make it again' : 'Pick that file to reproduce it'}${this.info ? `; the loaded ${this.info.name} has ${this.info.hash}` : ''}.</p>`
      : nothing;
    return html`
      ${wanted}
      <div class="drop ${this.dragging ? 'over' : ''}" @dragover=${(e: DragEvent) => { e.preventDefault(); this.dragging = true; }}
        @dragleave=${() => (this.dragging = false)} @drop=${(e: DragEvent) => this.onDrop(e)}>
        <p>Drop a <b>.gguf</b> file, or <b>model.safetensors</b> + <b>config.json</b> + <b>tokenizer.json</b> (and, if the model has them, <b>tokenizer_config.json</b> for its chat template and <b>generation_config.json</b> for its end-of-turn tokens), here: files are read on this computer, never uploaded.</p>
        <p class="muted">Runs GGUF architectures ${SUPPORTED_ARCHITECTURES.gguf.join(', ')} and config.json model types ${SUPPORTED_ARCHITECTURES.configJson.join(', ')}; another is refused with what it names.</p>
        <label>Model files <input type="file" multiple accept=".gguf,.safetensors,.json" ?disabled=${this.phase !== 'idle'}
          @change=${(e: Event) => void this.load([...((e.target as HTMLInputElement).files ?? [])])} /></label>
        <p class="demo">No model file? <button type="button" ?disabled=${this.phase !== 'idle'} @click=${() => void this.loadDemo()}>Build a small model here</button>
          <span class="hint">Llama-shaped (4 layers, D 256, 8 query / 2 KV heads, f16 GGUF, ~6 MB) with seeded random weights and a real byte-level BPE tokenizer: the text it writes is gibberish, but the kernels, their timings and the chip model's predictions beside them are real.</span></p>
        <div class="row" style="justify-content:center">
          <label><span><input type="checkbox" .checked=${this.int8} ?disabled=${this.phase !== 'idle'} @change=${(e: Event) => this.setInt8((e.target as HTMLInputElement).checked)} /> int8 weights (matmul-int8, qkv fused-w8; a loaded model is reloaded)</span></label>
          <label>Context (KV cache positions) <input type="number" min="16" max="32768" .value=${String(this.context)} @change=${(e: Event) => (this.context = Math.max(16, Math.min(32768, Number((e.target as HTMLInputElement).value) || 1024)))} /></label>
        </div>
      </div>
      ${this.info ? html`<p>Loaded <b>${this.info.name}</b>: ${this.info.arch}, ${fmtSig(this.info.params / 1e6)} M parameters, weights ${this.info.weightFormat.replace(' -> ', ' → ')} (${formatBytes(this.info.weightBytes)}), ${formatBytes(this.info.gpuBytes)} in all on ${this.info.device}; context ${this.info.context}${this.info.context < this.askedContext ? ` (${this.askedContext} asked: the model's maximum positions)` : ''}; ${this.info.tokenizer}; chat template: ${this.info.chatTemplate ?? 'none in the file (the prompt runs as it is)'}; fingerprint <code>${this.info.hash}</code>.</p>` : nothing}`;
  }

  private renderStats() {
    const ms = this.run?.tokenMs ?? this.tokenMs;
    const sorted = [...ms].sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))] : NaN);
    const med = this.run?.stats.medianMs ?? q(0.5);
    return html`<div class="stats" aria-live="polite">
      <span>elapsed ${(this.elapsedMs / 1000).toFixed(1)} s</span>
      ${this.run ? html`<span>compiled in ${fmtSig(this.run.compileMs)} ms (pipelines, before the first run; not in the figures beside it)</span><span>prompt ${this.run.promptTokens} tokens in ${fmtSig(this.run.prefillMs)} ms</span>` : nothing}
      <span>${ms.length} decode steps</span>
      ${ms.length ? html`<span><b>${fmtSig(1000 / med)}</b> tokens/s</span><span>ms/token median ${fmtSig(med)} (p10 ${fmtSig(this.run?.stats.p10Ms ?? q(0.1))}, p90 ${fmtSig(this.run?.stats.p90Ms ?? q(0.9))})</span>` : nothing}
      <span>timer: wall clock per step (submit → sampled token read back)</span>
      ${this.run ? html`<span>stopped: ${this.run.stop}</span>` : nothing}
    </div>`;
  }

  private renderProfile() {
    const p = this.profile;
    if (!p) return nothing;
    const total = p.ops.reduce((s, o) => s + o.ms, 0);
    const byFamily = p.families;
    // a family's cell: its ops' predictions on preset k, summed; a family whose every op a deployment
    // runs inside another op (the KV-cache write inside RoPE) says where, not 0; one no op of which is modelled reads '–'
    const famCell = (fam: string, k: number) => {
      const preds = p.ops.filter((o) => o.family === fam).map((o) => this.predictions[k]?.byId.get(o.id));
      const into = preds.map((x) => x?.fusedInto ?? null);
      if (into.length && into.every((x) => x)) {
        const where = [...new Set(into)].join(', ');
        return html`<td title="a deployment runs it inside ${where}">in ${where}</td>`;
      }
      if (!preds.some((x) => x?.timeS != null)) return html`<td>–</td>`;
      return splitCell(preds.reduce((a, x) => a + (x?.timeS ?? 0), 0), addSplits(preds.map((x) => x?.breakdown)));
    };
    const firstOf = (fam: string) => p.ops.findIndex((o) => o.family === fam);
    return html`
      <h3>One decode step at position ${p.position}, op by op (${p.timer}): ${fmtSig(total)} ms</h3>
      ${this.predictions.length ? html`<p>Chip model columns: this model's own config simulated on each preset as the Tokens tab simulates a preset model
        (${this.predictions[0].precisionNote}; the chip's runtime, fusion and placement), joined to the measured ops by op id. The measured columns run the weights as the Loaded line says
        ${this.info ? `(${this.info.formatsNote})` : ''}, so their bytes can differ from the prediction's. A deployment fuses some ops
        ("in …" names the op that does their work), and "–" marks work the chip model does not model. The step row is the Tokens tab's per-token time.
        The bar under each predicted time splits it as every view splits an op's time:</p>
        <ul class="legend" aria-label="Parts of a predicted time">${SPLIT_PARTS.map(([k, label]) => html`<li><i class="sw t-${k}"></i>${label}</li>`)}</ul>` : nothing}
      <div class="table-scroll" tabindex="0" role="region" aria-label="One decode step by op family (scrolls sideways)"><table>
        <thead><tr><th>op</th><th>ops</th><th>measured ms</th><th>share</th><th>bytes</th><th>GB/s</th><th>GFLOP/s</th>
          ${this.predictions.map((x) => html`<th>${x.label} (chip model)</th>`)}</tr></thead>
        <tbody>${byFamily.map((f) => {
          const flops = p.ops.filter((o) => o.family === f.family).reduce((s, o) => s + o.flops, 0);
          return html`<tr class="op" tabindex="0" title="open in the chip view" @click=${() => this.openOp(firstOf(f.family))} @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter') this.openOp(firstOf(f.family)); }}>
            <td>${f.family}</td><td>${f.count}</td><td>${fmtSig(f.ms)}</td>
            <td><span class="bar" style="width:${(100 * f.share).toFixed(1)}px"></span> ${formatPercent(f.share)}</td>
            <td>${formatBytes(f.bytes)}</td><td>${f.ms > 0 ? fmtSig(f.bytes / (f.ms * 1e6)) : '-'}</td><td>${f.ms > 0 ? fmtSig(flops / (f.ms * 1e6)) : '-'}</td>
            ${this.predictions.map((_, k) => famCell(f.family, k))}</tr>`;
        })}${this.renderExtraRows(7)}</tbody>
        ${this.renderStepRow(7, total)}
      </table></div>
      ${this.renderSplits()}
      <details><summary>All ${p.ops.length} ops</summary>
        <div class="table-scroll" tabindex="0" role="region" aria-label="All ops of the step (scrolls sideways)"><table><thead><tr><th>op</th><th>kernel</th><th>measured ms</th><th>bytes</th><th>GB/s</th><th>GFLOP/s</th>${this.predictions.map((x) => html`<th>${x.label} (chip model)</th>`)}</tr></thead>
          <tbody>${p.ops.map((o, i) => html`<tr class="op" tabindex="0" @click=${() => this.openOp(i)} @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter') this.openOp(i); }}>
            <td>${o.id}</td><td>${o.kernel}/${o.variant}</td><td>${fmtSig(o.ms)}</td><td>${formatBytes(o.bytes)}</td><td>${fmtSig(o.gbps)}</td><td>${fmtSig(o.gflops)}</td>
            ${this.predictions.map((x) => predCell(x.byId.get(o.id)))}</tr>`)}${this.renderExtraRows(6)}</tbody>
          ${this.renderStepRow(6, total)}</table></div>
      </details>`;
  }

  /**
   * Each preset's predicted step split into compute / memory / launch gap / collective, the numbers
   * written out (a phone has no hover): the sum of the rows' and the extra ops' splits, which is the
   * Tokens tab's split for this model.
   */
  private renderSplits() {
    if (!this.predictions.length) return nothing;
    return html`<h4>Where each preset's predicted step goes</h4>
      <div class="splits" data-testid="model-splits">${this.predictions.map((x) => {
        const b = addSplits([...[...x.byId.values()].map((r) => r.breakdown), ...x.extra.map((o) => o.breakdown)]);
        return html`<div class="who">${x.label.replace(/\s*\(hypothetical what-if\)/i, '')}: <b>${formatDuration(x.perTokenMs / 1e3)}</b></div>
          <jp-split-bar labelled .breakdown=${b} data-preset=${x.preset}></jp-split-bar>`;
      })}</div>`;
  }

  /** Simulated ops no GPU op stands for (all-reduce, stage transfers), after the measured ones. */
  private renderExtraRows(cols: number) {
    const names = [...new Set(this.predictions.flatMap((x) => x.extra.map((o) => o.name)))];
    return names.map((n) => html`<tr><td>${n} (chip model only)</td>${Array.from({ length: cols - 1 }, () => html`<td></td>`)}
      ${this.predictions.map((x) => { const o = x.extra.find((e) => e.name === n); return o ? splitCell(o.timeS, o.breakdown, `${o.source} (${o.mode}): `) : html`<td>–</td>`; })}</tr>`);
  }

  /** The whole step: measured, and the chip model's per-token time (the Tokens tab's figure for this model). */
  private renderStepRow(cols: number, measuredMs: number) {
    return html`<tfoot><tr><th>step</th>${cols > 2 ? html`<td></td>` : nothing}<td>${fmtSig(measuredMs)}</td>${Array.from({ length: cols - 3 }, () => html`<td></td>`)}
      ${this.predictions.map((x) => html`<td title="simulateModel of this model's config, as the Tokens tab runs a preset"><b>${formatDuration(x.perTokenMs / 1e3)}</b></td>`)}</tr></tfoot>`;
  }

  private renderShared() {
    const r = this.link?.result;
    if (!r || this.run) return nothing;
    return html`<details open><summary>The sharer's run (${r.device})</summary>
      <p data-testid="shared-stats">${linkValue(r.tokensPerS, LINK_RANGES.tokensPerS)} tokens/s, ms/token median ${linkValue(r.medianMs, LINK_RANGES.ms)} (p10 ${linkValue(r.p10Ms, LINK_RANGES.ms)}, p90 ${linkValue(r.p90Ms, LINK_RANGES.ms)})</p>
      <div class="out shared-text">${r.text}</div>
      <div class="table-scroll" tabindex="0" role="region" aria-label="The sharer's measured ops">
      <table><thead><tr><th>op</th><th>measured ms</th><th>bytes</th></tr></thead>
        <tbody>${r.families.map((f) => html`<tr><td class="clip" title=${f.family}>${f.family}</td><td>${linkValue(f.ms, LINK_RANGES.ms)}</td><td>${linkValue(f.bytes, LINK_RANGES.bytes, formatBytes, false)}</td></tr>`)}</tbody></table></div>
    </details>`;
  }

  override render() {
    const s = this.state;
    if (!s) return nothing;
    const busy = this.phase !== 'idle';
    return html`
      <h2>Run a real model</h2>
      ${this.renderLoad()}
      ${this.info?.chatTemplate ? html`<label><span><input type="checkbox" data-testid="chat-option" .checked=${this.chatOn()} ?disabled=${busy} @change=${(e: Event) => this.patch({ chat: (e.target as HTMLInputElement).checked })} /> Chat: apply the model's template (${this.info.chatTemplate}) to the prompt as one user message; off: the prompt runs as it is</span></label>` : nothing}
      <label>Prompt <textarea .value=${s.prompt} @change=${(e: Event) => this.patch({ prompt: (e.target as HTMLTextAreaElement).value })}></textarea></label>
      <div class="row">
        <label>Tokens <input type="number" min="1" max="4096" .value=${String(s.tokens)} @change=${(e: Event) => this.num(e, 'tokens', 1, 4096)} /></label>
        <label>Seed <input type="number" min="0" .value=${String(s.seed)} @change=${(e: Event) => this.num(e, 'seed', 0, 2 ** 32 - 1)} /></label>
        <label>Temperature (0 = greedy) <input type="number" min="0" max="10" step="0.1" .value=${String(s.temperature)} @change=${(e: Event) => this.num(e, 'temperature', 0, 10)} /></label>
        <label>Top-k <input type="number" min="1" max="64" .value=${String(s.topK)} @change=${(e: Event) => this.num(e, 'topK', 1, 64)} /></label>
        <button ?disabled=${busy || !this.info} @click=${() => void this.generate()}>Generate</button>
        <button ?disabled=${this.phase !== 'running'} @click=${() => this.stop()}>Stop</button>
      </div>
      ${this.progress ? html`<p role="status">${this.progress}</p>` : nothing}
      ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}
      <div class="out" role="log" aria-live="polite" aria-label="generated text">${this.text}</div>
      ${this.renderStats()}
      ${this.phase === 'profiling' ? html`<p role="status">timing one decode step op by op, then the chip model's prediction for each op…</p>` : nothing}
      ${this.renderProfile()}
      ${this.renderShared()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-model-tab': JpModelTab;
  }
}
