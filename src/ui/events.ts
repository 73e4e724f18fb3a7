// The playground's DOM events, typed once: every element dispatches them through `emit` and
// every listener gets a typed `detail` (HTMLElementEventMap is augmented below, so
// `el.addEventListener('toast', (e) => e.detail.message)` type-checks without casts).
//
// All of them bubble and are composed (they cross shadow roots up to <jp-app>).

import type { BenchOk } from '../worker/api.ts';
import type { ShareState, SliceKey, StateChangeDetail } from '../share/state.ts';

/** detail of `toast`: a short message the shell shows in its toast stack. */
export interface ToastDetail {
  /** 'error' toasts stay longer and are announced assertively. Default 'info'. */
  kind?: 'info' | 'error';
  message: string;
}

/** detail of `share-link`: the link that was just built (and copied when the clipboard allowed). */
export interface ShareLinkDetail {
  url: string;
}

/** detail of `open-kernel`: show this kernel configuration in the chip view and the bench/editor. */
export interface OpenKernelDetail {
  kernel: string;
  variant: string;
  params: Record<string, number | boolean | string>;
}

/** Event name -> detail type, for every event the playground's elements dispatch. */
export interface JpEventDetails {
  /** A message for the user (the shell shows it). */
  toast: ToastDetail;
  /** A tab's patch of its own slice of the share state (the shell merges it and writes the URL). */
  'state-change': StateChangeDetail;
  /** A successful GPU run (the shell keeps it for the roofline and for share links). */
  'bench-result': BenchOk;
  /** A share link was built. */
  'share-link': ShareLinkDetail;
  /** An op picked in the Model tab (the shell switches to the chip view with it). */
  'open-kernel': OpenKernelDetail;
}

export type JpEventName = keyof JpEventDetails;

/** Dispatches a bubbling, composed CustomEvent with a typed detail; returns dispatchEvent's value. */
export function emit<K extends JpEventName>(from: EventTarget, type: K, detail: JpEventDetails[K]): boolean {
  return from.dispatchEvent(new CustomEvent<JpEventDetails[K]>(type, { detail, bubbles: true, composed: true }));
}

/** Dispatches `state-change` with a patch of slice K (the element's own slice). */
export function emitStateChange<K extends SliceKey>(from: EventTarget, patch: Partial<ShareState[K]>): boolean {
  return emit(from, 'state-change', { patch } as StateChangeDetail);
}

/** Dispatches a `toast`. */
export function toast(from: EventTarget, message: string, kind: ToastDetail['kind'] = 'info'): boolean {
  return emit(from, 'toast', { kind, message });
}

declare global {
  interface HTMLElementEventMap {
    toast: CustomEvent<ToastDetail>;
    'state-change': CustomEvent<StateChangeDetail>;
    'bench-result': CustomEvent<BenchOk>;
    'share-link': CustomEvent<ShareLinkDetail>;
    'open-kernel': CustomEvent<OpenKernelDetail>;
  }
}
