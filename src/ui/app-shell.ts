// The page: header (tabs, GPU status, share, theme), one panel per tab, toasts, and the
// URL <-> state sync. The state lives here; tabs get their slice as `.state` and send back
// `state-change` events with a patch, which the shell merges and writes to the URL hash.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { html as staticHtml, unsafeStatic } from 'lit/static-html.js';
import { workerApi, type ApiRemote } from '../worker/client.ts';
import { decodeState, encodeState, payloadFromHash, HASH_KEY } from '../share/codec.ts';
import { applyPatch, defaultState, TABS, type Results, type ShareState, type SliceKey, type StateChangeDetail, type Tab } from '../share/state.ts';
import type { BenchOk } from '../worker/api.ts';
import type { OpenKernelDetail } from './events.ts';
import { loadStoredEdits, receiveEdits, saveStoredEdits } from './wgsl-store.ts';
import './gpu-status.ts';
import './share-button.ts';
import './bench-panel.ts';
import type { OpenTabDetail } from './start-view.ts';
import { shortcutState } from './tab-links.ts';

interface Toast {
  id: number;
  kind: 'info' | 'error';
  message: string;
}

/** Part B's tab elements, mounted by tag when their files exist (lazy chunks). */
const PART_B = import.meta.glob([
  './chip-tab.ts', './tokens-tab.ts', './learn-tab.ts', './roofline-plot.ts', './compare-view.ts', './model-tab.ts', './start-view.ts', './story-card.ts',
]);

const TAB_INFO: Record<Tab, { label: string; tag?: string; file?: string; slice?: SliceKey }> = {
  start: { label: 'Start', tag: 'jp-start', file: './start-view.ts' },
  bench: { label: 'Bench' },
  editor: { label: 'WGSL editor' },
  chip: { label: 'Chip view', tag: 'jp-chip-tab', file: './chip-tab.ts', slice: 'chip' },
  tokens: { label: 'Tokens', tag: 'jp-tokens-tab', file: './tokens-tab.ts', slice: 'model' },
  model: { label: 'Model', tag: 'jp-model-tab', file: './model-tab.ts', slice: 'llm' },
  roofline: { label: 'Roofline', tag: 'jp-roofline', file: './roofline-plot.ts', slice: 'chip' },
  compare: { label: 'Compare', tag: 'jp-compare', file: './compare-view.ts', slice: 'compare' },
  learn: { label: 'Walkthrough', tag: 'jp-learn-tab', file: './learn-tab.ts', slice: 'learn' },
};

/** The order of the tab strip: the landing first, the walkthrough among the first views (not last). */
export const TAB_ORDER: readonly Tab[] = ['start', 'learn', 'bench', 'editor', 'chip', 'tokens', 'model', 'roofline', 'compare'];

@customElement('jp-app')
export class AppShell extends LitElement {
  @state() private appState: ShareState = defaultState();
  @state() private linkError: string | null = null;
  @state() private toasts: Toast[] = [];
  @state() private loaded = new Set<string>();
  @state() private myResults: BenchOk[] = [];
  @state() private theme: 'light' | 'dark' = document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
  @state() private ready = false;
  private api: ApiRemote = workerApi();
  private toastId = 0;
  private writeTimer = 0;
  private lastHash = '';

  static override styles = css`
    :host { display: grid; grid-template-rows: auto auto 1fr; grid-template-columns: minmax(0, 1fr); min-height: 100vh; }
    header { background: var(--jp-surface); }
    /* Only the tab strip stays on screen while scrolling: a compact bar on every screen size. */
    .sticky { position: sticky; top: 0; z-index: 5; background: var(--jp-surface); border-bottom: 1px solid var(--jp-border); box-shadow: var(--jp-shadow); display: flex; align-items: stretch; min-width: 0; }
    .bar { display: flex; align-items: center; gap: 16px; padding: 10px 20px 4px; flex-wrap: wrap; }
    h1 { font-size: 1.1rem; margin: 0; white-space: nowrap; }
    h1 a { color: inherit; text-decoration: none; }
    h1 a:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 2px; border-radius: 4px; }
    h1 span[aria-hidden] { color: var(--jp-accent); }
    .spacer { flex: 1; }
    [role='tablist'] { display: flex; gap: 2px; padding: 0 14px; overflow-x: auto; scrollbar-width: none; flex: 1; min-width: 0; scroll-padding: 0 28px; }
    [role='tablist']::-webkit-scrollbar { display: none; }
    [role='tablist'].fade-r { mask-image: linear-gradient(to right, #000 calc(100% - 40px), transparent); }
    [role='tablist'].fade-l { mask-image: linear-gradient(to left, #000 calc(100% - 40px), transparent); }
    [role='tablist'].fade-l.fade-r { mask-image: linear-gradient(to right, transparent, #000 40px, #000 calc(100% - 40px), transparent); }
    .more { font: inherit; font-size: 1.3rem; line-height: 1; border: none; background: var(--jp-surface); color: var(--jp-accent); padding: 0 8px; cursor: pointer; }
    .more[hidden] { display: none; }
    [role='tab'] { font: inherit; background: none; border: none; border-bottom: 3px solid transparent; padding: 8px 12px; color: var(--jp-muted); cursor: pointer; white-space: nowrap; }
    [role='tab'][aria-selected='true'] { color: var(--jp-text); border-bottom-color: var(--jp-accent); font-weight: 600; }
    [role='tab']:hover { color: var(--jp-text); }
    button:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: -3px; }
    .theme { font: inherit; padding: 5px 10px; border: 1px solid var(--jp-border); border-radius: 6px; background: var(--jp-surface-2); color: var(--jp-text); cursor: pointer; }
    main { padding: 18px 20px 40px; max-width: 1400px; width: 100%; min-width: 0; box-sizing: border-box; margin: 0 auto; }
    section[role='tabpanel'] { min-width: 0; }
    .banner { display: flex; gap: 12px; align-items: start; background: var(--jp-error-bg); border: 1px solid var(--jp-error); color: var(--jp-text); border-radius: var(--jp-radius); padding: 10px 14px; margin-bottom: 14px; }
    .banner p { margin: 0; flex: 1; }
    .banner button { font: inherit; background: none; border: 1px solid var(--jp-border); border-radius: 6px; padding: 2px 10px; color: var(--jp-text); cursor: pointer; }
    .placeholder { padding: 40px; text-align: center; color: var(--jp-muted); border: 1px dashed var(--jp-border); border-radius: var(--jp-radius); }
    .toasts { position: fixed; right: 16px; bottom: 16px; display: grid; gap: 8px; z-index: 20; max-width: min(460px, calc(100vw - 32px)); }
    .toast { background: var(--jp-surface); color: var(--jp-text); border: 1px solid var(--jp-border); border-left: 4px solid var(--jp-focus); border-radius: var(--jp-radius); padding: 10px 12px; box-shadow: var(--jp-shadow); display: flex; gap: 10px; align-items: start; overflow-wrap: anywhere; }
    .toast.error { border-left-color: var(--jp-error); }
    .toast p { margin: 0; flex: 1; font-size: 0.9rem; max-height: 6em; overflow: auto; }
    .toast button { font: inherit; background: none; border: none; color: var(--jp-muted); cursor: pointer; }
    @media (max-width: 720px) {
      .bar { padding: 6px 12px 2px; gap: 6px 8px; }
      .long { display: none; }
      [role='tablist'] { padding: 0 4px; }
      [role='tab'] { padding: 8px 10px; }
      main { padding: 12px; }
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    window.addEventListener('popstate', this.onHashChange);
    this.addEventListener('toast', this.onToast as EventListener);
    this.addEventListener('open-kernel', this.onOpenKernel);
    this.addEventListener('open-tab', this.onOpenTab as EventListener);
    void this.readUrl(true);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHashChange);
    window.removeEventListener('popstate', this.onHashChange);
    this.headerSize.disconnect();
    super.disconnectedCallback();
  }

  private onHashChange = () => {
    if (location.hash !== this.lastHash) void this.readUrl(false);
  };

  private onOpenTab = (e: CustomEvent<OpenTabDetail>) => {
    e.stopPropagation();
    this.selectTab(e.detail.tab);
    window.scrollTo({ top: 0 });
  };

  private onToast = (e: CustomEvent<{ kind?: 'info' | 'error'; message: string }>) => {
    this.toast(e.detail.message, e.detail.kind ?? 'info');
  };

  /** An op of the Model tab opened in the chip view (and the bench/editor) with its kernel and params. */
  private onOpenKernel = (e: CustomEvent<OpenKernelDetail>) => {
    const { kernel, variant, params } = e.detail;
    const s = this.appState;
    this.setState({ ...s, tab: 'chip', bench: { ...s.bench, kernel, variant, params }, chip: { ...s.chip, kernel, variant, params, timeFrac: 0 } });
    void this.ensureTab('chip');
  };

  toast(message: string, kind: 'info' | 'error' = 'info'): void {
    const id = ++this.toastId;
    this.toasts = [...this.toasts.slice(-3), { id, kind, message }];
    window.setTimeout(() => this.dismiss(id), kind === 'error' ? 12000 : 6000);
  }

  private dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  /** Reads the state from the URL hash; a bad link leaves a visible message and the default state. */
  private async readUrl(first: boolean): Promise<void> {
    const payload = payloadFromHash(location.hash);
    let next: ShareState;
    if (payload === null) {
      // The plain URL is the landing view; `#tab` shortcuts open a view in the default setup.
      next = shortcutState(location.hash) ?? { ...defaultState(), tab: 'start' };
      this.linkError = null;
    } else {
      const r = await decodeState(payload);
      next = r.state;
      this.linkError = r.error ?? null;
      if (r.migrated) this.toast('This link came from an older version of the playground and was upgraded.');
    }
    // A link's WGSL edits are the sharer's: they apply to this link only (wgsl-store keeps them out of storage).
    receiveEdits(payload !== null && !this.linkError ? next.bench.wgsl : {});
    // Edits the user made here before come back when the link carries none.
    if (Object.keys(next.bench.wgsl).length === 0 && (payload === null || this.linkError)) {
      next = { ...next, bench: { ...next.bench, wgsl: loadStoredEdits() } };
    }
    this.appState = next;
    this.lastHash = location.hash;
    this.ready = true;
    await this.ensureTab(next.tab);
    if (first) performance.mark('jp-first-render');
  }

  /** Set when the pending URL write is a new place (another tab or walkthrough step): Back returns to the one before. */
  private pushNext = false;

  private scheduleWrite(): void {
    clearTimeout(this.writeTimer);
    this.writeTimer = window.setTimeout(async () => {
      const hash = `#${HASH_KEY}=${await encodeState(this.appState)}`;
      const push = this.pushNext;
      this.pushNext = false;
      if (hash !== location.hash) {
        this.lastHash = hash;
        if (push) history.pushState(null, '', hash);
        else history.replaceState(null, '', hash);
      }
    }, 250);
  }

  private setState(next: ShareState): void {
    if (next.tab !== this.appState.tab || next.learn.step !== this.appState.learn.step) this.pushNext = true;
    this.appState = next;
    saveStoredEdits(next.bench.wgsl);
    this.scheduleWrite();
  }

  private onSliceChange(key: SliceKey, e: CustomEvent<StateChangeDetail>): void {
    e.stopPropagation();
    this.setState(applyPatch(this.appState, key, e.detail.patch as Partial<ShareState[typeof key]>));
  }

  private async ensureTab(tab: Tab): Promise<void> {
    if (tab === 'compare') void this.ensureFile('./story-card.ts', 'Compare');
    const f = TAB_INFO[tab].file;
    if (f) await this.ensureFile(f, TAB_INFO[tab].label);
  }

  private async ensureFile(f: string, label: string): Promise<void> {
    if (PART_B[f] && !this.loaded.has(f)) {
      try {
        await PART_B[f]();
        this.loaded = new Set([...this.loaded, f]);
      } catch (e) {
        this.toast(`Could not load the ${label} view: ${(e as Error).message}`, 'error');
      }
    }
  }

  private selectTab(tab: Tab): void {
    if (tab === this.appState.tab) return;
    this.setState({ ...this.appState, tab });
    void this.ensureTab(tab);
  }

  private onTabKey(e: KeyboardEvent): void {
    const order = TAB_ORDER;
    const i = order.indexOf(this.appState.tab);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % order.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + order.length) % order.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = order.length - 1;
    if (j < 0) return;
    e.preventDefault();
    this.selectTab(order[j]);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${order[j]}`)?.focus());
  }

  // ---- the tab strip on a narrow screen: scrolls sideways, with a cue where more tabs hide ----

  @state() private moreLeft = false;
  @state() private moreRight = false;

  private onStripScroll = () => {
    const nav = this.renderRoot.querySelector<HTMLElement>('[role=tablist]');
    if (!nav) return;
    this.moreLeft = nav.scrollLeft > 2;
    this.moreRight = nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 2;
  };

  private scrollStrip(dir: 1 | -1): void {
    const nav = this.renderRoot.querySelector<HTMLElement>('[role=tablist]');
    nav?.scrollBy({ left: dir * nav.clientWidth * 0.7, behavior: 'smooth' });
  }

  /** Keeps the page's scroll padding equal to the sticky part's height, so nothing scrolled to lands under it. */
  private headerSize = new ResizeObserver((entries) => {
    const h = entries[0]?.target.getBoundingClientRect().height ?? 0;
    document.documentElement.style.scrollPaddingTop = `${Math.ceil(h) + 8}px`;
    this.onStripScroll();
  });

  override updated(): void {
    const sticky = this.renderRoot.querySelector('.sticky');
    if (sticky && !this.observedSticky) {
      this.observedSticky = true;
      this.headerSize.observe(sticky);
      const nav = this.renderRoot.querySelector<HTMLElement>('[role=tablist]');
      nav?.addEventListener('scroll', this.onStripScroll, { passive: true });
    }
    const sel = this.renderRoot.querySelector<HTMLElement>(`#tab-${this.appState.tab}`);
    if (sel && this.shownTab !== this.appState.tab) {
      this.shownTab = this.appState.tab;
      sel.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      this.onStripScroll();
    }
  }

  private observedSticky = false;
  private shownTab: Tab | null = null;

  private toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = this.theme;
    try {
      localStorage.setItem('jp-theme', this.theme);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }

  private onBenchResult(e: CustomEvent<BenchOk>): void {
    const r = e.detail;
    this.myResults = [r, ...this.myResults.filter((x) => !(x.kernel === r.kernel && x.variant === r.variant && x.shape === r.shape))].slice(0, 16);
  }

  private get sharedResults(): Results | undefined {
    const first = this.myResults[0];
    if (!first) return undefined;
    return {
      device: first.deviceName.slice(0, 256),
      browser: first.device.runtimeVersion.slice(0, 256),
      rows: this.myResults.map((r) => ({
        kernel: r.kernel,
        variant: r.variant,
        shape: r.shape.slice(0, 256),
        dtype: r.dtype,
        medianMs: r.medianMs,
        p10Ms: r.p10Ms,
        p90Ms: r.p90Ms,
        gflops: r.gflops,
        gbps: r.gbps,
        maxAbsErr: Number.isFinite(r.maxAbsErr) ? r.maxAbsErr : null,
        ok: r.ok,
        timer: r.timer,
      })),
    };
  }

  private renderPanel(tab: Tab) {
    const s = this.appState;
    if (tab === 'bench' || tab === 'editor') return nothing;
    const info = TAB_INFO[tab];
    if (tab === 'start' && info.tag && info.file && this.loaded.has(info.file)) return html`<jp-start .api=${this.api}></jp-start>`;
    if (!info.tag || !info.slice || !info.file || !PART_B[info.file]) {
      return html`<div class="placeholder">The ${info.label} view is not part of this build yet.</div>`;
    }
    if (!this.loaded.has(info.file)) return html`<div class="placeholder" role="status">Loading ${info.label}…</div>`;
    const tag = unsafeStatic(info.tag);
    const key = info.slice;
    const story = tab === 'compare' && PART_B['./story-card.ts'] && this.loaded.has('./story-card.ts')
      ? html`<jp-story-card .api=${this.api}></jp-story-card>` : nothing;
    return staticHtml`${story}<${tag} .api=${this.api} .state=${s[key]} .results=${s.results} .benchResults=${this.myResults}
      @state-change=${(e: CustomEvent<StateChangeDetail>) => this.onSliceChange(key, e)}></${tag}>`;
  }

  override render() {
    const s = this.appState;
    return html`
      <header>
        <div class="bar">
          <h1><a href="#start" @click=${(e: Event) => { e.preventDefault(); this.selectTab('start'); }} aria-label="Jalapeño Playground: start page"><span aria-hidden="true">◆</span> Jalapeño<span class="long"> Playground</span></a></h1>
          <jp-gpu-status .api=${this.api} mode="badge"></jp-gpu-status>
          <div class="spacer"></div>
          <jp-share-button .state=${s} .results=${this.sharedResults}></jp-share-button>
          <button class="theme" @click=${this.toggleTheme} aria-label="Switch to ${this.theme === 'dark' ? 'light' : 'dark'} theme">${this.theme === 'dark' ? '☀' : '☾'}<span class="long">${this.theme === 'dark' ? ' Light' : ' Dark'}</span></button>
        </div>
      </header>
      <nav class="sticky" aria-label="Views">
        <button class="more left" tabindex="-1" aria-hidden="true" ?hidden=${!this.moreLeft} @click=${() => this.scrollStrip(-1)}>‹</button>
        <div role="tablist" aria-label="Views" @keydown=${this.onTabKey} class=${`${this.moreLeft ? 'fade-l' : ''} ${this.moreRight ? 'fade-r' : ''}`}>
          ${TAB_ORDER.map(
            (t) => html`<button role="tab" id="tab-${t}" aria-controls="panel-${t}" aria-selected=${String(s.tab === t)} tabindex=${s.tab === t ? 0 : -1} @click=${() => this.selectTab(t)}>${TAB_INFO[t].label}</button>`,
          )}
        </div>
        <button class="more right" tabindex="-1" aria-hidden="true" ?hidden=${!this.moreRight} @click=${() => this.scrollStrip(1)}>›</button>
      </nav>
      <main>
        ${this.linkError
          ? html`<div class="banner" role="alert" id="link-error"><p>${this.linkError}</p><button @click=${() => (this.linkError = null)} aria-label="Dismiss message">Dismiss</button></div>`
          : nothing}
        ${this.ready
          ? html`
              <section role="tabpanel" id="panel-bench" aria-labelledby="tab-bench" ?hidden=${s.tab !== 'bench'}>
                <jp-bench-panel .api=${this.api} .state=${s.bench} .chip=${s.chip} .shared=${s.results}
                  @state-change=${(e: CustomEvent<StateChangeDetail>) => this.onSliceChange('bench', e)}
                  @bench-result=${this.onBenchResult}></jp-bench-panel>
              </section>
              <section role="tabpanel" id="panel-editor" aria-labelledby="tab-editor" ?hidden=${s.tab !== 'editor'}>
                ${s.tab === 'editor' || this.loaded.has('editor') ? this.renderEditor() : nothing}
              </section>
              ${TABS.filter((t) => t !== 'bench' && t !== 'editor' && t === s.tab).map(
                (t) => html`<section role="tabpanel" id="panel-${t}" aria-labelledby="tab-${t}">${this.renderPanel(t)}</section>`,
              )}
            `
          : html`<div class="placeholder" role="status">Loading…</div>`}
      </main>
      <div class="toasts" role="status" aria-live="polite">
        ${this.toasts.map(
          (t) => html`<div class="toast ${t.kind}" role=${t.kind === 'error' ? 'alert' : 'status'}><p>${t.message}</p><button aria-label="Dismiss notification" @click=${() => this.dismiss(t.id)}>✕</button></div>`,
        )}
      </div>
    `;
  }

  private editorLoading = false;

  private renderEditor() {
    if (!customElements.get('jp-wgsl-editor')) {
      if (!this.editorLoading) {
        this.editorLoading = true;
        import('./wgsl-editor.ts')
          .then(() => (this.loaded = new Set([...this.loaded, 'editor'])))
          .catch((e: Error) => this.toast(`Could not load the editor: ${e.message}`, 'error'));
      }
      return html`<div class="placeholder" role="status">Loading the editor…</div>`;
    }
    return html`<jp-wgsl-editor .api=${this.api} .state=${this.appState.bench}
      @state-change=${(e: CustomEvent<StateChangeDetail>) => this.onSliceChange('bench', e)}
      @bench-result=${this.onBenchResult}></jp-wgsl-editor>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-app': AppShell;
  }
}
