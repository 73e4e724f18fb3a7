// Main-thread handle on the worker facade. The UI imports only this (and types).
import { proxy, wrap, type Remote } from 'comlink';
import type { Api } from './api.ts';

export type { Api };
export type ApiRemote = Remote<Api>;

let remote: ApiRemote | null = null;

/** One worker per page, started on first use. */
export function workerApi(): ApiRemote {
  remote ??= wrap<Api>(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'jalapeno-worker' }));
  return remote;
}

/** Wraps a callback so the worker can call it (progress, device loss). */
export const callback = proxy;
