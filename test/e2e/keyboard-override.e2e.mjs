// Keyboard and override checks: the Tokens tab's op bars reachable by keyboard (one tab stop per
// bar, arrow keys between ops, the numbers as each segment's accessible name and shown on focus),
// and the Roofline following the Chip tab's grid override. Screenshots at 1440x900 and 390x844.
import { SIZES, assertNoPageOverflow, openTab, rendered, stateOf } from './h5a-helpers.mjs';

/** The deepest focused element: its class, accessible name, outline and the bar it is in. */
const focused = (page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const cs = el ? window.getComputedStyle(el) : null;
    return el
      ? { seg: el.classList.contains('s') && el.parentElement?.classList.contains('bar'), role: el.getAttribute('role'), name: el.getAttribute('aria-label') ?? '', bar: el.parentElement?.dataset.preset ?? '', idx: el.dataset.seg ?? '', outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 }
      : null;
  });

async function tabToBar(t, page, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f?.seg) return f;
  }
  throw new Error(`no op bar segment took focus within ${max} Tab presses`);
}

export const cases = [
  ...SIZES.map(({ name, viewport }) => ({
    name: `tokens at ${viewport.width}x${viewport.height}: op bars take keyboard focus, name their numbers, arrows move between ops`,
    async run(t) {
      const p = await t.newPage({ viewport });
      await openTab(t, p, '/', 'Tokens', 'jp-tokens-tab');
      await p.locator('jp-tokens-tab .bar .s').first().waitFor({ timeout: 60_000 });
      const first = await tabToBar(t, p);
      t.assert(first.role === 'img' && first.idx === '0', `the bar's tab stop is its first op: ${JSON.stringify(first)}`);
      t.assert(/^.+, .+: \d+(\.\d+)?% of the step \(\d.*(s)\), (compute|memory|noc|array-schedule|launch|collective)-bound/.test(first.name), `accessible name without the numbers: "${first.name}"`);
      t.assert(first.outline, 'the focused segment shows no focus ring');
      // the segment's numbers are the op table's: its share appears there for that op
      const share = first.name.match(/: (\d+(?:\.\d+)?)% of the step/)[1];
      const op = first.name.split(': ')[0].split(', ').slice(1).join(', ');
      // the table sits in a closed <details>: read its text, not its rendering
      const tableText = await p.locator('jp-tokens-tab details table').textContent();
      t.assert(tableText.includes(`${share}%`), `share ${share}% of ${op} not in the op table`);
      const tip = p.locator('jp-tokens-tab [data-testid=seg-tip]');
      t.assert((await tip.innerText()) === first.name, `the focus tooltip does not show the segment's numbers: ${await tip.innerText()}`);
      await p.keyboard.press('ArrowRight');
      const second = await focused(p);
      t.assert(second.seg && second.bar === first.bar && second.idx === '1' && second.name !== first.name, `ArrowRight did not move to the next op: ${JSON.stringify(second)}`);
      await t.screenshot(`tokens-bar-focus-${name}`, p);
      await p.keyboard.press('End');
      const last = await focused(p);
      t.assert(last.seg && last.bar === first.bar && Number(last.idx) > 1, `End did not move to the last op: ${JSON.stringify(last)}`);
      // one tab stop per bar: the next Tab leaves this bar (to the next bar, or past the bars)
      await p.keyboard.press('Tab');
      const next = await focused(p);
      t.assert(!(next?.seg && next.bar === first.bar), `Tab stayed inside the same bar: ${JSON.stringify(next)}`);
      await assertNoPageOverflow(t, p, `tokens at ${viewport.width}`);
      t.assert(t.errors(p).length === 0, `console errors:\n${t.errors(p).join('\n')}`);
    },
  })),
  ...SIZES.map(({ name, viewport }) => ({
    name: `roofline at ${viewport.width}x${viewport.height}: the Chip tab's grid override rescales that preset's roof and point`,
    async run(t) {
      const p = await t.newPage({ viewport });
      await openTab(t, p, '/', 'Roofline', 'jp-roofline');
      const rows = p.locator('jp-roofline [data-testid=roofline-points] tbody tr');
      await rows.nth(4).waitFor({ timeout: 60_000 });
      const jalRow = rows.filter({ hasText: 'Jalapeño-class' }).first();
      const tilesBefore = await jalRow.locator('td').nth(5).innerText();
      t.assert(/ of 256$/.test(tilesBefore), `Jalapeño-class has 256 tiles before the override: ${tilesBefore}`);
      await p.evaluate(() => {
        const el = document.querySelector('jp-app').shadowRoot.querySelector('jp-roofline');
        el.dispatchEvent(new window.CustomEvent('state-change', { detail: { patch: { preset: 'jalapeno', grid: { rows: 8, cols: 8 } } }, bubbles: true, composed: true }));
      });
      t.assert((await stateOf(p)).chip.grid?.rows === 8, 'the grid override did not land in the chip state');
      const over = rows.filter({ hasText: '8×8 tiles' }).first();
      await over.waitFor({ timeout: 60_000 });
      const tiles = await over.locator('td').nth(5).innerText();
      t.assert(/ of 64$/.test(tiles), `the overridden preset's point does not use its 64 tiles: ${tiles}`);
      const legend = await p.locator('jp-roofline ul.legend').innerText();
      t.assert(/8×8 tiles/.test(legend), `the legend does not name the override: ${legend}`);
      t.assert(!/8×8/.test(await rows.filter({ hasText: 'H100' }).first().innerText()), 'the override leaked into another preset');
      await p.locator('jp-roofline .plot canvas').first().scrollIntoViewIfNeeded();
      await rendered(p);
      await t.screenshot(`roofline-override-${name}`, p);
      await assertNoPageOverflow(t, p, `roofline at ${viewport.width}`);
      t.assert(t.errors(p).length === 0, `console errors:\n${t.errors(p).join('\n')}`);
    },
  })),
];
