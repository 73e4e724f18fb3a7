// Helpers shared by the end-to-end case files (not a case file itself).

export const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];

export const stateOf = (page) => page.evaluate(() => JSON.parse(JSON.stringify(document.querySelector('jp-app').appState)));

/** A share link for the current state with `edit(state)` applied (through the app's own codec). */
export async function linkWith(page, edit) {
  return page.evaluate(async (src) => {
    const shell = document.querySelector('jp-app').shadowRoot;
    const btn = shell.querySelector('jp-share-button');
    const app = document.querySelector('jp-app');
    const state = JSON.parse(JSON.stringify(app.appState));
    const next = new Function('s', `return (${src})(s)`)(state);
    const old = btn.state;
    btn.state = next;
    try {
      return await btn.link();
    } finally {
      btn.state = old;
    }
  }, edit.toString());
}

/** The page does not scroll sideways: nothing is wider than the viewport. */
export async function assertNoPageOverflow(t, page, what) {
  const r = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  t.assert(r.scroll <= r.inner + 1, `${what}: the page is ${r.scroll} px wide in a ${r.inner} px viewport`);
}

/** Tab through the page and check every focused control shows a focus outline and is on screen. */
export async function assertFocusVisible(t, page, hostTag, presses = 25) {
  const seen = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    // CodeMirror marks .cm-focused (which carries its ring) a moment after the focus event: let it settle
    await page.waitForTimeout(40);
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    const info = await page.evaluate((tag) => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      if (!el) return null;
      let inHost = false;
      for (let n = el; n; n = n.parentNode ?? n.host) if (n.localName === tag) inHost = true;
      // The ring may sit on a wrapper that shows focus within (CodeMirror outlines .cm-editor.cm-focused).
      const ringed = (n) => {
        const cs = window.getComputedStyle(n);
        return cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
      };
      let outline = false;
      for (let n = el, i = 0; n && n.nodeType === 1 && i < 4; n = n.parentElement, i++) if (ringed(n)) outline = true;
      el.scrollIntoView?.({ block: 'nearest' });
      const r = el.getBoundingClientRect();
      return { tag: el.localName, id: el.id, cls: String(el.className).slice(0, 40), inHost, outline, onScreen: r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth };
    }, hostTag);
    if (info?.inHost) seen.push(info);
  }
  t.assert(seen.length > 0, `Tab never reached a control inside ${hostTag}`);
  const bad = seen.filter((x) => !x.outline || !x.onScreen);
  t.assert(bad.length === 0, `focused controls without a visible focus ring or off screen: ${JSON.stringify(bad.slice(0, 5))}`);
  return seen.length;
}

export async function openTab(t, page, where, name, tag) {
  await t.open(where, page);
  if (name) await page.getByRole('tab', { name, exact: true }).click();
  await page.locator(tag).first().waitFor({ timeout: 30_000 });
}

/** Sets a bench parameter the way a user does (type, then leave the field). */
export async function setParam(page, name, value) {
  const input = page.locator(`jp-bench-panel #p-${name}`);
  await input.fill(String(value));
  await input.press('Tab');
}

/** Waits until Run is enabled: 90 s, as the result waits (a busy CI machine compiling SwiftShader pipelines took over 30 s once). */
export async function waitRunnable(page) {
  await page.waitForFunction(() => {
    const b = document.querySelector('jp-app')?.shadowRoot?.querySelector('jp-bench-panel')?.shadowRoot?.querySelector('#run');
    return b && !b.disabled;
  }, null, { timeout: 90_000 });
}

/** Runs the bench once Run is enabled (waitRunnable) and waits for the result: 90 s, as waitRunnable. */
export async function runAndWait(page) {
  await waitRunnable(page);
  await page.locator('jp-bench-panel #run').click();
  await page.locator('jp-bench-panel #result').waitFor({ timeout: 90_000 });
}

/**
 * Waits until every Lit element on the page (shadow roots included) has rendered its current properties:
 * a state change has reached the DOM, through the hosts that hand it down. Work a render starts
 * (a worker's answer, a timer) is not waited for: see simulated().
 */
export async function rendered(page) {
  await page.evaluate(async () => {
    const elements = () => {
      const out = [];
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          if ('updateComplete' in el) out.push(el);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document);
      return out;
    };
    // an update can hand new properties down and so schedule others: until none is pending
    for (let i = 0; i < 50; i++) {
      const els = elements();
      await Promise.all(els.map((el) => el.updateComplete));
      if (elements().every((el) => !el.isUpdatePending)) return;
    }
    throw new Error('Lit updates still pending after 50 rounds');
  });
}

/**
 * Waits until the view `host` (a tab under <jp-app>) shows the simulation of its current state: the
 * state rendered, then no status line of the view saying "Simulating" (a view's simulation task marks
 * itself busy in the same render that hands it the new state), then that result rendered.
 */
export async function simulated(page, host, timeout = 60_000) {
  await rendered(page);
  await page.waitForFunction((tag) => {
    const root = document.querySelector('jp-app')?.shadowRoot?.querySelector(tag)?.shadowRoot;
    return root && ![...root.querySelectorAll('[role=status]')].some((s) => /Simulating/.test(s.textContent ?? ''));
  }, host, { timeout });
  await rendered(page);
}

/**
 * Waits until the URL holds the current state: the shell writes it 250 ms after the last change (the
 * encoding is async). Compared with the share button's link for the state as it is at each look (the
 * same codec), so a state that moves on meanwhile is followed. Results differ between the two (the
 * link carries this page's own runs, the URL a received link's): for a page without either.
 */
export async function urlHoldsState(page, timeout = 15_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const link = await linkWith(page, (s) => s);
    if ((await page.evaluate(() => window.location.hash)) === link.slice(link.indexOf('#'))) return;
    if (Date.now() > end) throw new Error(`the URL does not hold the current state after ${timeout} ms`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
