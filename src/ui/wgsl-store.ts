// WGSL edits survive a reload: kept in localStorage (best effort; private mode just forgets).
//
// Edits that arrive in a share link are the sharer's, not the receiver's: they apply to that link
// only, are never written to storage on their own, and become the receiver's edits only when the
// receiver changes them or chooses "keep as mine". The shell calls `receiveEdits` when it opens a
// link that carries WGSL and `saveStoredEdits` after every state change; the bench panel and the
// editor ask `receivedEdits()` to label them and call `keepReceivedEdits()`.
const KEY = 'jp-wgsl-edits';
const MAX_FILES = 16;
const MAX_CHARS = 64 * 1024;

type Edits = Record<string, string>;

/** The sharer's edits of the link being viewed (null: no link edits are in play). */
let received: Edits | null = null;

export function loadStoredEdits(): Edits {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0].length <= 64 && e[1].length <= MAX_CHARS).slice(0, MAX_FILES));
  } catch {
    return {};
  }
}

function writeStored(edits: Edits): void {
  try {
    if (Object.keys(edits).length === 0) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, JSON.stringify(edits));
  } catch {
    // Storage full or unavailable: edits still live in the URL.
  }
}

/**
 * Stores the state's edits as the user's own. While a link's edits are in play, a shader whose
 * text is still the sharer's is left out (and the user's own stored edit of it is kept); a
 * shader the user changed becomes theirs.
 */
export function saveStoredEdits(edits: Edits): void {
  if (!received) return writeStored(edits);
  const own = loadStoredEdits();
  let changed = false;
  for (const [shader, text] of Object.entries(edits)) {
    if (received[shader] === text || own[shader] === text) continue;
    own[shader] = text;
    delete received[shader];
    changed = true;
  }
  if (changed) writeStored(own);
  if (Object.keys(received).length === 0) received = null;
}

/** The shell opened a link carrying these edits (pass {} or call with a plain URL to clear). */
export function receiveEdits(edits: Edits): void {
  received = Object.keys(edits).length ? { ...edits } : null;
}

/** The sharer's edits still in play, by shader (empty when none). */
export function receivedEdits(): Readonly<Edits> {
  return received ?? {};
}

/** Whether `shader`'s text in the state is the sharer's (from the link), not the user's own. */
export function isReceived(shader: string, text: string | undefined): boolean {
  return received !== null && text !== undefined && received[shader] === text;
}

/** "Keep it as mine": the link's edits become the user's own stored edits. */
export function keepReceivedEdits(): void {
  if (!received) return;
  writeStored({ ...loadStoredEdits(), ...received });
  received = null;
}
