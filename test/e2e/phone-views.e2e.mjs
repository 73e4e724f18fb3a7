// Issue 25 views at 1440x900 and 390x844, each with a check of what the issue found wrong there and a
// screenshot (test-artifacts/issue25-VIEW-SIZE.png, copied to docs/screenshots): Compare's five
// columns on a phone, the walkthrough's int8 and prefill steps, one HBM block per stack in the chip
// view with the GPU drawing note, and Tokens with the fewest chips that hold the model on each preset.

import { SIZES, simulated } from './h5a-helpers.mjs';

const app = (page, tag) => page.locator(tag);

export const cases = SIZES.map(({ name, viewport }) => ({
  name: `issue 25 views at ${viewport.width}x${viewport.height}: compare columns, walkthrough steps 7 and 11, HBM stacks, tokens with the fewest chips`,
  async run(t) {
    const page = await t.newPage({ viewport });
    // Compare: B, B/A and the winner are on screen without scrolling sideways
    await t.open('/#compare', page);
    const table = app(page, 'jp-compare [data-testid=compare-table]');
    await table.locator('td.ratio').first().waitFor({ timeout: 60_000 });
    await table.scrollIntoViewIfNeeded();
    await t.screenshot(`issue25-compare-${name}`, page);
    const winner = await table.locator('thead th').last().boundingBox();
    t.assert(winner && winner.x + winner.width <= viewport.width, `the Winner column ends at ${winner?.x + winner?.width} px, past the ${viewport.width} px screen`);

    // Walkthrough step 7 (int8): the bound change is named, time and energy judged against the bytes
    await t.open('/#learn/7', page);
    await page.waitForFunction(() => /The bytes fall to/.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-learn-tab')?.shadowRoot.textContent ?? ''), null, { timeout: 60_000 });
    const seven = await app(page, 'jp-learn-tab [data-testid=step-text]').innerText();
    t.assert(/where step 3 was bound = /.test(seven) && !/still bound/.test(seven) && !/almost proportionally/.test(seven), `step 7: ${seven.slice(0, 600)}`);
    await t.screenshot(`issue25-walkthrough-step7-${name}`, page);
    // step 11: the H100's prefill win said plainly
    await t.open('/#learn/11', page);
    await page.waitForFunction(() => /512-token prefill/.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-learn-tab')?.shadowRoot.textContent ?? ''), null, { timeout: 90_000 });
    t.assert(/here the GPU wins/.test(await app(page, 'jp-learn-tab [data-testid=step-text]').innerText()), 'step 11 does not say the GPU wins prefill');
    await t.screenshot(`issue25-walkthrough-step11-${name}`, page);

    // Chip view on the H100: the drawing note, and the canvas names 5 stacks feeding 10 edge tiles
    await t.open('/#chip', page);
    await app(page, 'jp-chip-tab select').first().selectOption('h100');
    await app(page, 'jp-chip-tab [data-testid=drawing-note]').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => /5 HBM stacks/.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-chip-tab')?.shadowRoot.querySelector('jp-chip-canvas.main')?.shadowRoot.querySelector('canvas')?.getAttribute('aria-label') ?? ''), null, { timeout: 60_000 });
    await t.screenshot(`issue25-chip-h100-${name}`, page);

    // Tokens with the fewest chips that hold the model: every preset has numbers
    await t.open('/#tokens', page);
    await app(page, 'jp-tokens-tab #in-chips').selectOption('0');
    await page.waitForFunction(() => document.querySelector('jp-app').appState.model.chips === 0);
    await simulated(page, 'jp-tokens-tab');
    t.assert((await app(page, 'jp-tokens-tab [data-testid=nofit]').count()) === 0, 'a preset still does not fit');
    await t.screenshot(`issue25-tokens-fewest-chips-${name}`, page);
    t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
  },
}));
