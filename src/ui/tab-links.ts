// Hand-written links into the playground (`#bench`, `#learn/9`): pure, so Node tests check them.
import { defaultState, TABS, type ShareState, type Tab } from '../share/state.ts';

/**
 * A hand-written link: `#bench`, `#tokens`... opens that tab in the default setup, `#learn/9` the
 * walkthrough at step 9 (1-based, as the walkthrough numbers its steps). Null for anything else.
 */
export function shortcutState(hash: string): ShareState | null {
  const m = /^#([a-z]+)(?:\/(\d{1,4}))?$/.exec(hash);
  if (!m || !(TABS as readonly string[]).includes(m[1])) return null;
  const s = defaultState();
  s.tab = m[1] as Tab;
  if (m[2] !== undefined) {
    if (s.tab !== 'learn') return null;
    s.learn = { step: Math.max(0, Number(m[2]) - 1) };
  }
  return s;
}
