// WGSL editor (loaded on demand): view each shader the selected kernel uses, edit it, re-run.
// Compile errors become lint markers on their lines; the result is still checked against the
// CPU reference. Edits live in the bench slice (so they travel in links) and in localStorage;
// a link's edits are the sharer's (labelled so, not stored) until the user keeps or changes them.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, keymap, lineNumbers } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { EditorState, Compartment } from '@codemirror/state';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { wgsl } from '@iizukak/codemirror-lang-wgsl';
import { callback, type ApiRemote } from '../worker/client.ts';
import type { BenchOk, BenchResult } from '../worker/api.ts';
import type { BenchState } from '../share/state.ts';
import type { CompileMessage } from '../gpu/runner.ts';
import { emit, emitStateChange, toast } from './events.ts';
import { sharedStyles } from './styles.ts';
import { isReceived, keepReceivedEdits } from './wgsl-store.ts';

const theme = EditorView.theme({
  '&': { color: 'var(--jp-text)', backgroundColor: 'var(--jp-surface)', fontSize: '13px', height: '100%' },
  '.cm-content': { fontFamily: 'var(--jp-mono)', caretColor: 'var(--jp-text)' },
  '.cm-gutters': { backgroundColor: 'var(--jp-surface-2)', color: 'var(--jp-muted)', borderRight: '1px solid var(--jp-border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--jp-focus) 8%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--jp-focus) 14%, transparent)' },
  '&.cm-focused': { outline: '3px solid var(--jp-focus)' },
  // The scroller takes Tab focus (so keyboard users can scroll before editing): show it.
  '.cm-scroller:focus-visible': { outline: '3px solid var(--jp-focus)', outlineOffset: '-3px' },
  '.cm-scroller': { overflow: 'auto' },
  '.cm-tooltip': { backgroundColor: 'var(--jp-surface)', color: 'var(--jp-text)', border: '1px solid var(--jp-border)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--jp-text)' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { backgroundColor: 'color-mix(in srgb, var(--jp-focus) 30%, transparent)' },
});

/** Syntax colours from theme tokens, so both themes keep WCAG AA contrast. */
const highlight = HighlightStyle.define([
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--jp-syn-comment)', fontStyle: 'italic' },
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.modifier], color: 'var(--jp-syn-keyword)' },
  { tag: [t.typeName, t.className], color: 'var(--jp-syn-type)' },
  { tag: [t.number, t.bool, t.literal], color: 'var(--jp-syn-number)' },
  { tag: [t.function(t.variableName), t.attributeName, t.meta], color: 'var(--jp-syn-fn)' },
]);

/** Maps compile messages (1-based line/column; 0 = no position) to CodeMirror diagnostics. */
export function diagnosticsFor(doc: EditorState['doc'], messages: readonly CompileMessage[]): Diagnostic[] {
  return messages.map((m) => {
    const lineNo = Math.min(Math.max(1, m.line || 1), doc.lines);
    const line = doc.line(lineNo);
    const from = Math.min(line.from + Math.max(0, (m.column || 1) - 1), line.to);
    return { from, to: Math.max(from, Math.min(line.to, from + 1)) === from && line.to > from ? from + 1 : line.to, severity: 'error', message: m.message, source: 'WGSL compiler' };
  });
}

@customElement('jp-wgsl-editor')
export class WgslEditor extends LitElement {
  /** The worker facade. */
  @property({ attribute: false }) api?: ApiRemote;
  /** The bench slice: kernel, variant, params and the WGSL edits. */
  @property({ attribute: false }) state?: BenchState;

  @state() private shaders: string[] = [];
  @state() private shader = '';
  @state() private result: BenchResult | null = null;
  @state() private running = false;
  @state() private phase = '';
  @query('#cm') private host?: HTMLElement;
  private view?: EditorView;
  private original = new Map<string, string>();
  private emitTimer = 0;
  private readonly langConf = new Compartment();
  private suppress = false;

  /** The shaders the current kernel/variant uses, with their bundled sources (stale answers dropped). */
  private shadersTask = new Task(this, {
    task: async ([api, k]: readonly [ApiRemote | undefined, string]) => {
      void k;
      const st = this.state;
      if (!api || !st) return [] as string[];
      const c = await api.checkParams(st.kernel, st.variant, st.params);
      const names = c.status === 'ok' ? c.shaders : await api.shaderNames();
      for (const n of names) if (!this.original.has(n)) this.original.set(n, (await api.shaderSource(n)) ?? '');
      return names;
    },
    args: () => [this.api, JSON.stringify([this.state?.kernel, this.state?.variant, this.state?.params])] as const,
    onComplete: (names) => {
      this.shaders = names;
      if (!names.includes(this.shader)) this.shader = names[0] ?? '';
      void this.updateComplete.then(() => this.syncDoc(true));
    },
  });

  static override styles = [sharedStyles, css`
    :host { display: block; }
    .card { padding: 14px 16px; }
    .badge.theirs { background: var(--jp-info-bg); border-color: var(--jp-focus); }
    #received { margin: 0 0 10px; }
    #received button { padding: 3px 10px; min-height: 28px; margin-left: 6px; }
    .toolbar { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin-bottom: 10px; }
    h2 { font-size: 1rem; margin: 0 12px 0 0; }
    label { font-size: 0.9rem; }
    select { font: inherit; padding: 4px 6px; border: 1px solid var(--jp-border); border-radius: 6px; background: var(--jp-surface-2); color: var(--jp-text); }
    button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--jp-border); background: var(--jp-surface-2); color: var(--jp-text); cursor: pointer; }
    button.primary { background: var(--jp-accent); border-color: var(--jp-accent); color: var(--jp-accent-text); font-weight: 600; }
    button:disabled { opacity: 0.55; cursor: not-allowed; }
    :is(select, button):focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 1px; }
    #cm { height: min(62vh, 620px); border: 1px solid var(--jp-border); border-radius: 6px; overflow: hidden; }
    .badge { font-size: 0.8rem; padding: 2px 8px; border-radius: 999px; background: var(--jp-warn-bg); color: var(--jp-text); border: 1px solid var(--jp-warn); }
    .status { margin-top: 10px; font-size: 0.9rem; }
    .error { color: var(--jp-error); background: var(--jp-error-bg); border-radius: 6px; padding: 8px 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .ok { color: var(--jp-ok); font-weight: 700; }
    .bad { color: var(--jp-error); font-weight: 700; }
    .muted { color: var(--jp-muted); }
    .spacer { flex: 1; }
    @media (max-width: 600px) { #cm { height: 55vh; } .toolbar { gap: 8px; } }
  `];

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('state') && this.state) {
      const old = changed.get('state') as BenchState | undefined;
      if (old && old.wgsl !== this.state.wgsl) this.syncDoc();
    }
  }

  override disconnectedCallback(): void {
    this.view?.destroy();
    this.view = undefined;
    super.disconnectedCallback();
  }

  private get text(): string {
    return this.state?.wgsl[this.shader] ?? this.original.get(this.shader) ?? '';
  }

  /** Puts the current shader's text into the editor (creating it on first use). */
  private syncDoc(force = false): void {
    if (!this.host || !this.shader) return;
    const text = this.text;
    if (!this.view) {
      this.view = new EditorView({
        parent: this.host,
        root: this.shadowRoot ?? undefined,
        state: EditorState.create({
          doc: text,
          extensions: [
            lineNumbers(),
            history(),
            // Tab indents; Escape then Tab leaves the editor (CodeMirror's accessible tab handling).
            keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
            highlightActiveLineGutter(),
            highlightSpecialChars(),
            drawSelection(),
            indentOnInput(),
            bracketMatching(),
            highlightActiveLine(),
            syntaxHighlighting(highlight),
            this.langConf.of(wgsl()),
            lintGutter(),
            theme,
            EditorView.contentAttributes.of({ 'aria-label': 'WGSL source' }),
            EditorView.updateListener.of((u) => {
              if (u.docChanged && !this.suppress) this.onEdit(u.state.doc.toString());
            }),
          ],
        }),
      });
      // Keyboard users can scroll the source even before editing (axe: scrollable-region-focusable).
      this.view.scrollDOM.tabIndex = 0;
      this.view.scrollDOM.setAttribute('aria-label', 'WGSL source, scrollable');
      return;
    }
    if (force || this.view.state.doc.toString() !== text) {
      if (!force && this.view.hasFocus) return; // the user is typing; the state follows the editor
      this.suppress = true;
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
      this.view.dispatch(setDiagnostics(this.view.state, []));
      this.suppress = false;
    }
  }

  private onEdit(text: string): void {
    clearTimeout(this.emitTimer);
    const shader = this.shader;
    this.emitTimer = window.setTimeout(() => {
      if (!this.state) return;
      const wgslEdits = { ...this.state.wgsl };
      if (text === this.original.get(shader)) delete wgslEdits[shader];
      else wgslEdits[shader] = text;
      this.emit({ wgsl: wgslEdits });
    }, 300);
  }

  private emit(patch: Partial<BenchState>): void {
    emitStateChange<'bench'>(this, patch);
  }

  private reset(): void {
    if (!this.state) return;
    const wgslEdits = { ...this.state.wgsl };
    delete wgslEdits[this.shader];
    this.emit({ wgsl: wgslEdits });
    this.suppress = true;
    this.view?.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: this.original.get(this.shader) ?? '' } });
    if (this.view) this.view.dispatch(setDiagnostics(this.view.state, []));
    this.suppress = false;
  }

  private async run(): Promise<void> {
    // Ctrl/⌘+Enter reaches here while the button is disabled: one run at a time.
    if (!this.api || !this.state || !this.view || this.running) return;
    clearTimeout(this.emitTimer);
    const current = this.view.state.doc.toString();
    const edits = { ...this.state.wgsl };
    if (current !== this.original.get(this.shader)) edits[this.shader] = current;
    else delete edits[this.shader];
    this.emit({ wgsl: edits });
    this.running = true;
    this.result = null;
    try {
      const r = await this.api.runBench(
        { kernel: this.state.kernel, variant: this.state.variant, params: this.state.params, wgsl: edits, samples: 5 },
        callback((_d: number, _t: number, phase: string) => (this.phase = phase)),
      );
      this.result = r;
      const diags = r.status === 'compile-error' && r.shader === this.shader ? diagnosticsFor(this.view.state.doc, r.messages) : [];
      this.view.dispatch(setDiagnostics(this.view.state, diags));
      if (r.status === 'ok') emit(this, 'bench-result', r satisfies BenchOk);
    } catch (e) {
      this.result = { status: 'error', message: (e as Error).message };
    } finally {
      this.running = false;
    }
  }

  private renderStatus() {
    const r = this.result;
    if (this.running) return html`<p class="status muted" role="status">Running… ${this.phase}</p>`;
    if (!r) return html`<p class="status muted">Edit the shader and run it: the output is compared with the CPU reference. Ctrl/⌘+Enter runs.</p>`;
    switch (r.status) {
      case 'ok':
        return html`<p class="status" role="status" id="editor-result">
          <span class=${r.ok ? 'ok' : 'bad'}>${r.ok ? '✓ matches the CPU reference' : '✗ differs from the CPU reference'}</span>
          · median ${r.medianMs.toPrecision(3)} ms · max |error| ${r.maxAbsErr.toExponential(2)}${r.ok ? '' : html`<br /><span class="muted">${r.check.join(' · ')}</span>`}
        </p>`;
      case 'compile-error':
        return html`<div class="status error" role="alert" id="compile-error">${r.shader}.wgsl does not compile (${r.messages.length} error${r.messages.length === 1 ? '' : 's'}; see the markers):\n${r.messages
          .map((m) => `line ${m.line}:${m.column} ${m.message}`)
          .join('\n')}</div>`;
      case 'cancelled':
        return html`<p class="status muted">Cancelled.</p>`;
      default:
        return html`<p class="status error" role="alert">${r.message}</p>`;
    }
  }

  override render() {
    const st = this.state;
    const edited = st ? Object.keys(st.wgsl) : [];
    const theirs = st ? edited.filter((n) => isReceived(n, st.wgsl[n])) : [];
    return html`<div class="card" @keydown=${(e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.run();
      }
    }}>
      <div class="toolbar">
        <h2>WGSL</h2>
        <label for="shader">Shader</label>
        <select id="shader" @change=${(e: Event) => {
          this.shader = (e.target as HTMLSelectElement).value;
          void this.updateComplete.then(() => this.syncDoc(true));
        }}>
          ${this.shaders.map((s) => html`<option value=${s} ?selected=${s === this.shader}>${s}.wgsl${edited.includes(s) ? ' (edited)' : ''}</option>`)}
        </select>
        ${edited.includes(this.shader)
          ? theirs.includes(this.shader)
            ? html`<span class="badge theirs" id="badge-theirs">the sharer's edit, from the link: not saved in this browser</span>`
            : html`<span class="badge" id="badge-mine">your edit: saved in this browser and in share links</span>`
          : nothing}
        <span class="spacer"></span>
        <button @click=${this.reset} ?disabled=${!edited.includes(this.shader)}>Reset to original</button>
        <button class="primary" id="editor-run" @click=${this.run} ?disabled=${this.running}>Run edited kernel</button>
      </div>
      ${theirs.length
        ? html`<p class="warn" id="received" role="note">This link carries the sharer's edited ${theirs.map((n) => `${n}.wgsl`).join(', ')}. It runs for this link only; editing it or keeping it makes it yours.
            <button id="keep-edits" @click=${() => {
              keepReceivedEdits();
              toast(this, `Kept the sharer's ${theirs.join(', ')} as your own edit (saved in this browser).`);
              this.requestUpdate();
            }}>Keep it as mine</button></p>`
        : nothing}
      <div id="cm"></div>
      ${this.renderStatus()}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-wgsl-editor': WgslEditor;
  }
}
