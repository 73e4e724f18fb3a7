// Old share links migrate forward one version at a time (Compiler Explorer's url.ts style):
// each case upgrades to the next version and falls through to the following one.
//
// v1 (first public links): { v: 1, tab?, kernel, variant, params, wgsl? } - only the bench.
// v2: slices per tab (see state.ts).
// v3: the Model tab's slice `llm` (model file name and fingerprint, prompt, sampling, results).

import { STATE_VERSION, defaultLlmState, defaultState } from './state.ts';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Upgrades a parsed link object to the current version. Returns the upgraded (still unvalidated)
 * object, or an error naming the version problem. Never throws.
 */
export function migrate(raw: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!isObj(raw)) return { ok: false, error: 'the link does not hold a state object' };
  const version = raw.v;
  if (typeof version !== 'number' || !Number.isInteger(version)) return { ok: false, error: 'the link has no version number' };
  if (version < 1 || version > STATE_VERSION) {
    return { ok: false, error: `the link has version ${version}; this playground reads versions 1 to ${STATE_VERSION} (a newer link needs a newer playground)` };
  }
  let s: Obj = { ...raw };
  switch (version) {
    case 1: {
      const d = defaultState();
      const tab = s.tab === 'editor' ? 'editor' : 'bench';
      s = {
        ...d,
        tab,
        bench: { kernel: s.kernel, variant: s.variant, params: s.params ?? {}, wgsl: s.wgsl ?? {} },
        v: 2,
      };
    }
    // falls through
    case 2:
      s = { ...s, llm: defaultLlmState(), v: 3 };
    // falls through
    case 3:
      break;
  }
  return { ok: true, value: s };
}
