// Says whether GPU runs are possible here: the adapter in use, or why not and how to enable it.
// Also reports device loss and offers to reconnect.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import { callback } from '../worker/client.ts';
import type { GpuStatus } from '../worker/api.ts';
import { toast } from './events.ts';

@customElement('jp-gpu-status')
export class GpuStatusElement extends LitElement {
  /** The worker facade. */
  @property({ attribute: false }) api?: ApiRemote;
  /** 'badge' in the header, 'panel' for the full explanation. */
  @property() mode: 'badge' | 'panel' = 'badge';
  @state() private status: GpuStatus | null = null;
  @state() private lost: string | null = null;
  @state() private busy = false;
  private watching = false;

  static override styles = css`
    :host { display: block; font-size: 0.9rem; }
    .badge { display: inline-flex; align-items: center; gap: 6px; padding: 4px 10px; border-radius: 999px; border: 1px solid var(--jp-border); background: var(--jp-surface); color: var(--jp-muted); max-width: 340px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--jp-muted); flex: none; }
    .ok .dot { background: var(--jp-ok); }
    .bad .dot { background: var(--jp-error); }
    .panel { border: 1px solid var(--jp-border); border-left: 4px solid var(--jp-warn); background: var(--jp-warn-bg); padding: 10px 14px; border-radius: var(--jp-radius); }
    .panel.lost { border-left-color: var(--jp-error); background: var(--jp-error-bg); }
    .panel p { margin: 4px 0; }
    button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--jp-border); background: var(--jp-surface); color: var(--jp-text); cursor: pointer; }
    button:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 2px; }
  `;

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api) {
      void this.refresh();
      if (!this.watching) {
        this.watching = true;
        void this.api.onDeviceLost(
          callback(async (message: string) => {
            this.lost = message;
            // The worker creates a fresh device on the next status check when it can.
            await this.refresh();
            const recovered = this.status?.available === true;
            const text = recovered
              ? `${message} A fresh device was created; your configuration and results are kept.`
              : `${message} Reconnect from the bench panel.`;
            if (this.mode === 'panel') toast(this, text, 'error');
          }),
        );
      }
    }
  }

  async refresh(): Promise<void> {
    if (!this.api) return;
    this.status = await this.api.gpuStatus();
    if (this.status.available) this.lost = null;
  }

  private async reconnect(): Promise<void> {
    if (!this.api || this.busy) return;
    this.busy = true;
    try {
      this.status = await this.api.resetGpu();
      if (this.status.available) this.lost = null;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const s = this.status;
    if (this.mode === 'badge') {
      if (!s) return html`<span class="badge" role="status"><span class="dot"></span>Checking WebGPU…</span>`;
      return s.available
        ? html`<span class="badge ok" role="status" title=${s.deviceName}><span class="dot"></span>GPU: ${s.device.adapter.description || s.device.adapter.vendor || 'WebGPU'}${s.device.software ? ' (software)' : ''}</span>`
        : html`<span class="badge bad" role="status" title=${s.reason}><span class="dot"></span>${this.lost ? 'GPU lost' : 'No WebGPU'}</span>`;
    }
    if (this.lost || (s && !s.available)) {
      return html`<div class="panel ${this.lost ? 'lost' : ''}" role="alert">
        ${this.lost
          ? html`<p><strong>${this.lost}</strong></p><p>Results so far are kept. Reconnect to create a fresh device.</p>
              <button @click=${this.reconnect} ?disabled=${this.busy}>${this.busy ? 'Reconnecting…' : 'Reconnect GPU'}</button>`
          : nothing}
        ${s && !s.available && !this.lost
          ? html`<p><strong>GPU runs are unavailable here.</strong> ${s.reason}</p><p>${s.howTo}</p>
              <p>The chip model, its animation and the walkthrough work without WebGPU.</p>`
          : nothing}
      </div>`;
    }
    return nothing;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-gpu-status': GpuStatusElement;
  }
}
