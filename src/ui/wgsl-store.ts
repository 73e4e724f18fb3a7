// WGSL edits survive a reload: kept in localStorage (best effort; private mode just forgets).
const KEY = 'jp-wgsl-edits';

export function loadStoredEdits(): Record<string, string> {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0].length <= 64 && e[1].length <= 64 * 1024).slice(0, 16));
  } catch {
    return {};
  }
}

export function saveStoredEdits(edits: Record<string, string>): void {
  try {
    if (Object.keys(edits).length === 0) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, JSON.stringify(edits));
  } catch {
    // Storage full or unavailable: edits still live in the URL.
  }
}
