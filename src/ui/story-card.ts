// <jp-story-card>: the short version of the walkthrough's story, shown above Compare: a decode
// token of Llama 3 8B on the GPU reference and on the Jalapeño-class chip (bf16 and int8), each
// sentence computed from the chip model's runs, with links to the walkthrough steps that tell it
// in full (#learn/N opens step N).

import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { ModelSimResult } from '../models/types.ts';
import { WALKTHROUGH, timeRatio } from './walkthrough-steps.ts';
import { formatBytes as fmtBytesSI } from './format.ts';
import { perWattText, powerSplit, powerSplitText } from './token-table.ts';
import type { ChipPreset } from '../chip/types.ts';
import './power-basis.ts';

const RUNS = {
  gpu: { preset: 'h100', precision: 'bf16' },
  chip: { preset: 'jalapeno', precision: 'bf16' },
  int8: { preset: 'jalapeno', precision: 'int8' },
} as const;
type Key = keyof typeof RUNS;

/** 1-based walkthrough step numbers of the story chapter, found by title so they follow the list. */
const stepOf = (prefix: string) => WALKTHROUGH.findIndex((s) => s.title.includes(prefix)) + 1;

@customElement('jp-story-card')
export class JpStoryCard extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  @state() private runs: Partial<Record<Key, ModelSimResult>> = {};
  /** The GPU's and the chip's presets (their power figures), in that order. */
  @state() private presets: ChipPreset[] = [];
  @state() private error: string | null = null;
  private started = false;

  static override styles = css`
    :host { display: block; margin-bottom: var(--jp-gap); }
    .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-left: 4px solid var(--jp-accent); border-radius: var(--jp-radius); padding: 12px 16px; box-shadow: var(--jp-shadow); }
    h2 { font-size: 1rem; margin: 0 0 6px; }
    p { margin: 0 0 6px; line-height: 1.5; font-size: 0.92rem; }
    a { color: var(--jp-focus); }
    .muted { color: var(--jp-muted); }
  `;

  override willUpdate(): void {
    if (this.api && !this.started) {
      this.started = true;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    try {
      const entries = await Promise.all(
        (Object.keys(RUNS) as Key[]).map(async (k) => {
          const out = await this.api!.simulateModel(RUNS[k].preset, 'llama3-8b', { phase: 'decode', context: 1024, batch: 1, precision: RUNS[k].precision });
          if (out.status !== 'ok') throw new Error(out.message);
          return [k, out.result] as const;
        }),
      );
      const all = await this.api!.listChips();
      this.presets = [RUNS.chip.preset, RUNS.gpu.preset].map((id) => all.find((p) => p.id === id)).filter((p): p is ChipPreset => !!p);
      this.runs = Object.fromEntries(entries);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  override render() {
    const { gpu, chip, int8 } = this.runs;
    const ms = (sec: number) => (sec * 1e3).toFixed(2);
    const pct = (f: number) => `${(f * 100).toFixed(f < 0.01 ? 2 : 1)}%`;
    return html`<section class="card" aria-labelledby="story-h" data-testid="story-card">
      <h2 id="story-h">The story in three numbers: one decode token of Llama 3 8B, batch 1</h2>
      ${gpu && chip && int8
        ? html`<p>On the H100 model the token takes ${gpu.perTokenMs.toFixed(2)} ms with the tensor cores busy ${pct(gpu.utilization)} of their peak: every weight byte read from HBM feeds one multiply-add, and ${pct(gpu.ops.filter((o) => o.bound !== 'compute').reduce((a, o) => a + o.share, 0))} of the step is in ops the model finds memory- or NoC-bound: far below its roofline.</p>
            <p>Where the H100's time goes, per the model's mechanisms: ${ms(gpu.breakdown.launch)} ms of kernel-launch and per-layer gaps, ${ms(gpu.memoryLatencyS)} ms of per-kernel memory ramps and ${ms(gpu.breakdown.memory - gpu.memoryLatencyS)} ms streaming bytes from HBM; the Jalapeño-class chip has ${ms(chip.breakdown.launch)} ms of gaps and, with fusion "${chip.fusion.applied}", does not move ${fmtBytesSI(chip.savedBytes.hbm)} of activations through HBM.</p>
            <p>The Jalapeño-class what-if chip takes ${chip.perTokenMs.toFixed(2)} ms (${timeRatio(chip.timeS, gpu.timeS)}): at batch 1 both are paced by the bytes they read. Its int8 path reads ${(int8.bytes.hbm / chip.bytes.hbm).toFixed(2)}× the bytes and takes ${int8.perTokenMs.toFixed(2)} ms (${timeRatio(int8.timeS, chip.timeS)} than bf16).</p>
            <jp-power-basis .presets=${this.presets} .verdict=${perWattText(
              { preset: this.presets.find((p) => p.id === RUNS.chip.preset), result: chip },
              { preset: this.presets.find((p) => p.id === RUNS.gpu.preset), result: gpu },
            )} .splits=${{ [RUNS.chip.preset]: powerSplitText(powerSplit(chip)), [RUNS.gpu.preset]: powerSplitText(powerSplit(gpu)) }}></jp-power-basis>
            <p class="muted">The whole story, step by step: <a href="#learn/${stepOf('below its roofline')}">a GPU below its roofline</a> · <a href="#learn/${stepOf('dataflow chip changes')}">what a dataflow chip changes</a> · <a href="#learn/${stepOf('Prefill vs decode')}">prefill vs decode</a> · <a href="#learn/${stepOf('Batching many')}">batching</a> · <a href="#learn/${stepOf('tensor parallelism')}">many chips</a>.</p>`
        : this.error
          ? html`<p class="muted" role="status">The model runs for this summary are unavailable: ${this.error}</p>`
          : html`<p class="muted" role="status">Simulating…</p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-story-card': JpStoryCard;
  }
}
