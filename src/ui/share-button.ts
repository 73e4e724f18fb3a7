// One button that copies a link holding the whole state (optionally with the sharer's results).
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shareUrl } from '../share/codec.ts';
import type { Results, ShareState } from '../share/state.ts';
import { emit, toast, type ShareLinkDetail } from './events.ts';

/** @deprecated the detail of `share-link`; see events.ts. */
export type ShareEventDetail = ShareLinkDetail;

@customElement('jp-share-button')
export class ShareButton extends LitElement {
  /** The state to share (results are added here when chosen and available). */
  @property({ attribute: false }) state?: ShareState;
  /** This user's latest results, offered for inclusion. */
  @property({ attribute: false }) results?: Results;
  @state() private includeResults = true;
  @state() private copied = false;
  private timer = 0;

  static override styles = css`
    :host { display: inline-flex; align-items: center; gap: 10px; }
    button { font: inherit; font-weight: 600; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--jp-accent); background: var(--jp-accent); color: var(--jp-accent-text); cursor: pointer; }
    button:focus-visible, input:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 2px; }
    label { font-size: 0.85rem; color: var(--jp-muted); display: inline-flex; gap: 4px; align-items: center; }
    label[aria-disabled='true'] { opacity: 0.6; }
  `;

  /** Builds the link (exposed for tests and the shell). */
  async link(): Promise<string> {
    if (!this.state) throw new Error('nothing to share yet');
    const { results: _old, ...rest } = this.state;
    const s: ShareState = this.includeResults && this.results ? { ...rest, results: this.results } : { ...rest };
    return shareUrl(location.href, s);
  }

  private async share(): Promise<void> {
    try {
      const url = await this.link();
      let copied = false;
      try {
        await navigator.clipboard.writeText(url);
        copied = true;
      } catch {
        // Clipboard permission denied (or headless): the link is still in the address bar and the toast.
      }
      this.copied = copied;
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => (this.copied = false), 2500);
      emit(this, 'share-link', { url });
      toast(this, copied ? `Link copied (${url.length} characters).` : `Copy this link: ${url}`);
    } catch (e) {
      toast(this, `Could not build the link: ${(e as Error).message}`, 'error');
    }
  }

  override render() {
    const has = !!this.results;
    return html`
      <label aria-disabled=${String(!has)} title=${has ? 'Add your latest measurements to the link' : 'Run a kernel first to include results'}>
        <input type="checkbox" .checked=${this.includeResults} ?disabled=${!has} @change=${(e: Event) => (this.includeResults = (e.target as HTMLInputElement).checked)} />
        include my results
      </label>
      <button @click=${this.share} aria-live="polite">${this.copied ? 'Copied ✓' : 'Copy share link'}</button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-share-button': ShareButton;
  }
}
