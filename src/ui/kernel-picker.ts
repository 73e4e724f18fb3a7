// <jp-kernel-picker>: the one kernel / variant / parameter picker wherever a kernel is chosen (the
// Bench, the Chip view, Compare's two sides, the Roofline). It follows the kernel's shape rule
// (bench-logic followShapeVariant over the worker's pickVariant: gemv for one token, the tiled kernel for 256):
// a new kernel starts at the variant its rule picks for its default shape; a shape change moves the
// variant with the rule until the user picks one; a link's deliberate variant stays.
// The element renders its props and emits `picker-change` with the whole new choice; its host
// keeps the state. Its labels lay out in the host's flex or grid (the host element is display: contents).
// The Bench renders its own documented, grouped parameter fields (`no-params`) and hands each new value
// to `setParam`, so the shape rule lives here only; it also names the kernels by title, marks the
// baseline variant and disables the variants this GPU cannot run (`blocked`).
// The shape rule answers late (the worker): param changes queue (PickerParamQueue), each built on the
// newest requested params, so typing through several fields faster than the worker answers loses no value.

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ApiRemote } from '../worker/client.ts';
import type { KernelInfo, Params } from '../worker/api.ts';
import { PickerParamQueue, paramUsedBy, type PickerChange } from './bench-logic.ts';
import { sharedStyles } from './styles.ts';

export type { PickerChange } from './bench-logic.ts';

@customElement('jp-kernel-picker')
export class JpKernelPicker extends LitElement {
  /** The worker facade, for the shape rule (pickVariant). */
  @property({ attribute: false }) api?: ApiRemote;
  @property({ attribute: false }) kernels: KernelInfo[] = [];
  @property() kernel = '';
  @property() variant = '';
  @property({ attribute: false }) params: Params = {};
  /** Show boolean and choice parameters too (the Chip view); otherwise only numeric ones. */
  @property({ type: Boolean }) all = false;
  /** Prefix of the controls' ids (unique per page: two pickers on Compare); '' gives plain ids (kernel, variant). */
  @property({ attribute: 'id-prefix' }) idPrefix = 'kp';
  /** The host renders the parameter fields itself and reports each change through setParam. */
  @property({ type: Boolean, attribute: 'no-params' }) noParams = false;
  /** Kernel options show the kernel's title, variant options mark the baseline. */
  @property({ type: Boolean }) titles = false;
  /** Variants this GPU cannot run, with why: disabled (unless current) and explained below the dropdown. */
  @property({ attribute: false }) blocked: ReadonlyMap<string, string> = new Map();
  /** The user picked a variant since the kernel was chosen: shape changes no longer move it. */
  private userChose = false;

  static override styles = [sharedStyles, css`
    :host { display: contents; }
    label { display: grid; gap: 2px; font-size: 0.85rem; color: var(--jp-muted); }
    input[type='number'] { width: 76px; }
  `];

  private emit(c: PickerChange): void {
    this.dispatchEvent(new CustomEvent<PickerChange>('picker-change', { detail: c, bubbles: true, composed: true }));
  }

  /** The shape rule's last answer (pickVariant is pure): the next change's "before" is this change's "now", not asked again. */
  private lastPick: { key: string; variant: string | null } | null = null;

  private async pick(kernel: string, params: Params): Promise<string | null> {
    if (!this.api) return null;
    const key = JSON.stringify([kernel, params]);
    if (this.lastPick?.key === key) return this.lastPick.variant;
    const variant = await this.api.pickVariant(kernel, params).catch(() => null);
    this.lastPick = { key, variant };
    return variant;
  }

  /** The param changes in turn, each on the newest requested params (pick is read each time, so it can be wrapped). */
  private queue = new PickerParamQueue(
    () => ({ kernel: this.kernel, variant: this.variant, params: this.params, userChose: this.userChose }),
    (kernel, params) => this.pick(kernel, params),
    (c) => this.emit(c),
  );

  /** A new kernel: default params, the variant its shape rule picks (else its default); a newer choice supersedes it. */
  private async chooseKernel(name: string): Promise<void> {
    const k = this.kernels.find((x) => x.name === name);
    this.userChose = false;
    const newest = this.queue.chooseKernel();
    const picked = await this.pick(name, {});
    if (!newest()) return;
    this.emit({ kernel: name, variant: picked && k?.variants.includes(picked) ? picked : (k?.defaultVariant ?? ''), params: {} });
  }

  private chooseVariant(v: string): void {
    this.userChose = true;
    this.emit({ kernel: this.kernel, variant: v, params: this.queue.latest() });
  }

  /**
   * A new parameter value (undefined: back to its default, the field dropped), merged into the newest
   * requested params: the variant follows the shape rule unless the user (or the link) chose one.
   */
  setParam(name: string, value: number | boolean | string | undefined): Promise<void> {
    const params = { ...this.queue.latest() };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return this.setParams(params);
  }

  /** New params (from the picker's own fields or its host's), queued: the variant follows the shape rule unless the user (or the link) chose one. */
  setParams(params: Params): Promise<void> {
    return this.queue.set(params);
  }

  private idOf(what: string): string {
    return this.idPrefix ? `${this.idPrefix}-${what}` : what;
  }

  override updated(): void {
    // The selects' displayed options follow the props, even after the user has touched them (a touched
    // option no longer moves with its `selected` attribute).
    for (const [what, value] of [['kernel', this.kernel], ['variant', this.variant]] as const) {
      const el = this.renderRoot.querySelector<HTMLSelectElement>(`#${this.idOf(what)}`);
      if (el && value && el.value !== value) el.value = value;
    }
  }

  override render() {
    const k = this.kernels.find((x) => x.name === this.kernel);
    const shown = this.noParams ? [] : (k?.params ?? []).filter((p) => (this.all || typeof p.default === 'number') && paramUsedBy(p, this.variant, k?.variants ?? []));
    const blocked = (k?.variants ?? []).filter((v) => this.blocked.has(v));
    return html`
      <label>Kernel
        <select id=${this.idOf('kernel')} .value=${this.kernel} @change=${(e: Event) => void this.chooseKernel((e.target as HTMLSelectElement).value)}>
          ${this.kernels.map((x) => html`<option value=${x.name} ?selected=${x.name === this.kernel}>${this.titles ? x.title : x.name}</option>`)}
        </select>
      </label>
      <label>Variant
        <select id=${this.idOf('variant')} .value=${this.variant} @change=${(e: Event) => this.chooseVariant((e.target as HTMLSelectElement).value)}>
          ${(k?.variants ?? [this.variant]).map((v) => {
            const why = this.blocked.get(v);
            // A blocked variant stays selectable only when it is the current one, so the dropdown never lies.
            return html`<option value=${v} ?selected=${v === this.variant} ?disabled=${why !== undefined && v !== this.variant}>${v}${this.titles && v === k?.baselineVariant ? ' (baseline)' : ''}${why ? ' (not on this GPU)' : ''}</option>`;
          })}
        </select>
      </label>
      ${blocked.map((v) => html`<p class="muted" data-testid="variant-why">${v} is disabled: ${this.blocked.get(v)}.</p>`)}
      ${shown.map((p) => {
        const cur = this.params[p.name] ?? p.default;
        if (typeof p.default === 'number')
          return html`<label title=${p.doc}>${p.name}<input type="number" step=${p.float ? 'any' : '1'} data-param=${p.name} .value=${String(cur)}
            @change=${(e: Event) => {
              const el = e.target as HTMLInputElement;
              const v = Number(el.value);
              // An empty field holds no number: restore it (the chip model then explains a bad value, e.g. M = 0).
              if (el.value === '' || !Number.isFinite(v)) el.value = String(cur);
              else void this.setParam(p.name, v);
            }} /></label>`;
        if (typeof p.default === 'boolean')
          return html`<label title=${p.doc}>${p.name}<input type="checkbox" data-param=${p.name} .checked=${Boolean(cur)}
            @change=${(e: Event) => void this.setParam(p.name, (e.target as HTMLInputElement).checked)} /></label>`;
        return html`<label title=${p.doc}>${p.name}<select data-param=${p.name} .value=${String(cur)} @change=${(e: Event) => void this.setParam(p.name, (e.target as HTMLSelectElement).value)}>
          ${((p.allowed as string[] | undefined) ?? [String(p.default)]).map((a) => html`<option ?selected=${a === cur}>${a}</option>`)}</select></label>`;
      })}
      ${k ? nothing : html`<span class="muted">Loading kernels…</span>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-kernel-picker': JpKernelPicker;
  }
}
