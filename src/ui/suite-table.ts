// <jp-suite-table>: runs every registered kernel (its optimized variant and its baseline) on
// modest shapes on the user's GPU, one after another, and tabulates time, GFLOP/s, max error and
// correctness. The quick answer to "do all the kernels work on my GPU, and how do the variants compare?"
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { ApiRemote } from '../worker/client.ts';
import type { BenchResult, KernelInfo } from '../worker/api.ts';
import { sharedStyles } from './styles.ts';
import { timeRatioWords } from './format.ts';

/** Shapes small enough for a CPU-emulated GPU, big enough for the variants to differ. */
export const SUITE_SHAPES: Record<string, Record<string, number | boolean>> = {
  matmul: { M: 128, N: 128, K: 128 },
  'matmul-int8': { M: 128, N: 128, K: 128 },
  qkv: { M: 32, D: 256, Hq: 4, Hkv: 2, dh: 32 },
  'attention-prefill': { S: 64, Hq: 4, Hkv: 2, dh: 32, causal: true },
  'attention-decode': { L: 512, Hq: 4, Hkv: 2, dh: 32 },
};

interface Row {
  kernel: string;
  variant: string;
  role: 'optimized' | 'baseline';
  result?: BenchResult;
}

@customElement('jp-suite-table')
export class SuiteTable extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; }
    .head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
    h2 { font-size: 1rem; margin: 0; flex: 1; }
    button { font: inherit; padding: 6px 14px; border-radius: 8px; border: 1px solid var(--jp-border); background: var(--jp-surface-2); color: var(--jp-text); cursor: pointer; }
    button.primary { background: var(--jp-accent); color: var(--jp-accent-text); border-color: var(--jp-accent); }
    button:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
    table { width: 100%; border-collapse: collapse; margin-top: 10px; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--jp-border); }
    th { color: var(--jp-muted); font-weight: 600; }
    td.num { text-align: right; }
    .ok { color: var(--jp-ok, #1a7f37); font-weight: 600; }
    .bad { color: var(--jp-error, #b42318); font-weight: 600; }
    .muted { color: var(--jp-muted); }
  `];

  /** The worker API (Comlink facade). */
  @property({ attribute: false }) api?: ApiRemote;
  @state() private rows: Row[] = [];
  @state() private running = false;
  private cancelled = false;

  /** Whether this browser can run kernels at all (Run all is disabled, with the reason, when not). */
  private gpuTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => (api ? api.gpuStatus() : null),
    args: () => [this.api] as const,
  });

  private async runAll(): Promise<void> {
    if (!this.api || this.running) return;
    // Running from the click on, so a second click during the kernel listing cannot start a second
    // run, and Run all comes back only when this run is over.
    this.running = true;
    this.cancelled = false;
    try {
      const kernels: KernelInfo[] = await this.api.listKernels();
      this.rows = kernels.flatMap((k) => [
        { kernel: k.name, variant: k.defaultVariant, role: 'optimized' as const },
        ...(k.baselineVariant !== k.defaultVariant ? [{ kernel: k.name, variant: k.baselineVariant, role: 'baseline' as const }] : []),
      ]);
      for (let i = 0; i < this.rows.length && !this.cancelled; i++) {
        const row = this.rows[i];
        const result = await this.api.runBench({ kernel: row.kernel, variant: row.variant, params: SUITE_SHAPES[row.kernel] ?? {}, samples: 7 });
        this.rows = this.rows.map((r, j) => (j === i ? { ...r, result } : r));
        if (result.status === 'no-gpu') break;
      }
    } finally {
      this.running = false;
    }
  }

  private cancel(): void {
    this.cancelled = true;
    void this.api?.cancel();
  }

  private renderRow(r: Row) {
    const res = r.result;
    const base = this.rows.find((x) => x.kernel === r.kernel && x.role === 'baseline')?.result;
    let ratio: unknown = nothing;
    if (r.role === 'optimized' && res?.status === 'ok' && base?.status === 'ok') {
      // the optimized kernel's time against its baseline's: "1.43× faster", "2.1× slower" (the one wording)
      ratio = timeRatioWords(res.medianMs, base.medianMs, 0);
    }
    const cells =
      res === undefined
        ? html`<td colspan="6" class="muted">${this.running ? 'waiting…' : ''}</td>`
        : res.status === 'ok'
          ? html`<td>${res.shape}</td>
              <td class="num">${res.medianMs.toPrecision(3)}</td>
              <td class="num">${res.gflops.toPrecision(3)}</td>
              <td class="num">${res.maxAbsErr.toExponential(1)}</td>
              <td class=${res.ok ? 'ok' : 'bad'}>${res.ok ? '✓ ok' : '✗ wrong'}</td>
              <td>${ratio}</td>`
          : html`<td colspan="6" class=${res.status === 'cancelled' ? 'muted' : 'bad'}>${res.status}: ${'message' in res ? res.message : ''}</td>`;
    return html`<tr><td>${r.kernel}</td><td>${r.variant}</td>${cells}</tr>`;
  }

  override render() {
    return html`<div class="head">
        <h2>All kernels on your GPU</h2>
        ${this.running
          ? html`<button @click=${() => this.cancel()}>Cancel</button>`
          : html`<button class="primary" id="run-all" @click=${() => this.runAll()} ?disabled=${this.gpuTask.value?.available !== true}
              title=${this.gpuTask.value && !this.gpuTask.value.available ? `WebGPU is unavailable here: ${this.gpuTask.value.reason}` : 'Run every kernel and its baseline on this GPU'}>Run all kernels</button>`}
      </div>
      ${this.rows.length === 0
        ? html`<p class="muted">Each kernel's optimized variant and its baseline on a small shape, checked against the CPU reference.</p>`
        : html`<div class="table-scroll" tabindex="0" role="region" aria-label="All kernels, scrollable"><table aria-label="All kernels">
            <thead><tr><th>kernel</th><th>variant</th><th>shape</th><th>median ms</th><th>GFLOP/s</th><th>max |err|</th><th>vs CPU</th><th>vs baseline</th></tr></thead>
            <tbody>${this.rows.map((r) => this.renderRow(r))}</tbody>
          </table></div>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-suite-table': SuiteTable;
  }
}
