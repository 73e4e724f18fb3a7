// <jp-story-card>: the short version of the walkthrough's story, shown above Compare: a decode
// token of Llama 3 8B on the GPU reference and on the Jalapeño-class chip (bf16 and int8), each
// sentence computed from the chip model's runs, with links to the walkthrough steps that tell it
// in full (#learn/N opens step N).

import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { ModelSimResult } from '../models/types.ts';
import { STORY_RUNS, WALKTHROUGH, storySentences, type StoryKey } from './walkthrough-steps.ts';
import { perWattText, powerSplit, powerSplitText } from './token-table.ts';
import type { ChipPreset } from '../chip/types.ts';
import './power-basis.ts';

type Key = StoryKey;

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
        (Object.keys(STORY_RUNS) as Key[]).map(async (k) => {
          const setup = STORY_RUNS[k];
          const out = await this.api!.simulateModel(setup.preset, setup.model, setup.opts);
          if (out.status !== 'ok') throw new Error(out.message);
          return [k, out.result] as const;
        }),
      );
      const all = await this.api!.listChips();
      this.presets = [STORY_RUNS.chip.preset, STORY_RUNS.gpu.preset].map((id) => all.find((p) => p.id === id)).filter((p): p is ChipPreset => !!p);
      this.runs = Object.fromEntries(entries);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  override render() {
    const all = (Object.keys(STORY_RUNS) as Key[]).every((k) => this.runs[k]);
    return html`<section class="card" aria-labelledby="story-h" data-testid="story-card">
      <h2 id="story-h">The story in short: Llama 3 8B on the H100 model and the Jalapeño-class chip</h2>
      ${all
        ? html`${storySentences(this.runs as Record<Key, ModelSimResult>).map((t) => html`<p>${t}</p>`)}
            <jp-power-basis .presets=${this.presets} .verdict=${perWattText(
              { preset: this.presets.find((p) => p.id === STORY_RUNS.chip.preset), result: this.runs.chip! },
              { preset: this.presets.find((p) => p.id === STORY_RUNS.gpu.preset), result: this.runs.gpu! },
            )} .splits=${{ [STORY_RUNS.chip.preset]: powerSplitText(powerSplit(this.runs.chip!)), [STORY_RUNS.gpu.preset]: powerSplitText(powerSplit(this.runs.gpu!)) }}></jp-power-basis>
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
