// Issue 23 item 7: one kernel / variant picker (<jp-kernel-picker>) wherever a kernel is chosen in
// the chip views, following the kernel's shape rule as the Bench does: a one-token matmul runs as
// gemv, and a variant the user picked stays when the shape changes.

import { linkWith, setParam } from './h5a-helpers.mjs';

const pick = (page, host) => page.locator(`${host} jp-kernel-picker`).first();
const benchState = (page) => page.evaluate(() => document.querySelector('jp-app').appState.bench);

export const cases = [
  {
    name: 'roofline, chip view and compare share the picker; M = 1 moves matmul to gemv unless a variant was chosen',
    async run(t) {
      const page = t.page;
      await t.open('/#roofline', page);
      const p = pick(page, 'jp-roofline');
      await p.locator('#roof-kernel').waitFor({ timeout: 30_000 });
      await p.locator('#roof-kernel').selectOption('matmul');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.chip.kernel === 'matmul');
      const m = p.locator('input[data-param=M]');
      await m.fill('1');
      await m.press('Tab');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.chip.variant === 'gemv', null, { timeout: 10_000 });
      // a chosen variant stays through a shape change
      await p.locator('#roof-variant').selectOption('tiled');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.chip.variant === 'tiled');
      await m.fill('2');
      await m.press('Tab');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.chip.params.M === 2);
      t.assert((await page.evaluate(() => document.querySelector('jp-app').appState.chip.variant)) === 'tiled', 'a chosen variant was overridden');
      // the same element on the Chip view and on both Compare sides
      await page.getByRole('tab', { name: 'Chip view', exact: true }).click();
      await pick(page, 'jp-chip-tab').locator('#chip-kernel').waitFor({ timeout: 30_000 });
      await page.getByRole('tab', { name: 'Compare', exact: true }).click();
      await page.locator('jp-compare jp-kernel-picker #cmp-b-kernel').waitFor({ timeout: 30_000 });
      t.assert((await page.locator('jp-compare jp-kernel-picker').count()) === 2, 'compare should hold one picker per side');
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  },
  {
    // The Bench uses the same element (its own documented shape and tile fields hand their params to it):
    // the shape rule moves matmul to gemv at M = 1 until the user picks a variant, and a link keeps the
    // sharer's kernel, variant, shape and tiles (a deliberate variant is not moved by the rule).
    name: 'the bench picks with the shared picker: M = 1 moves matmul to gemv, a chosen variant stays, a link restores all',
    async run(t) {
      const page = t.page;
      await t.open('/#bench', page);
      const p = page.locator('jp-bench-panel jp-kernel-picker');
      await p.locator('#kernel option').first().waitFor({ state: 'attached', timeout: 30_000 });
      t.assert((await page.locator('jp-bench-panel jp-kernel-picker').count()) === 1, 'the bench should hold one shared picker');
      await p.locator('#kernel').selectOption('matmul');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.bench.kernel === 'matmul');
      await setParam(page, 'M', 1);
      await page.waitForFunction(() => document.querySelector('jp-app').appState.bench.variant === 'gemv', null, { timeout: 10_000 });
      t.assert((await p.locator('#variant').inputValue()) === 'gemv', 'the dropdown does not show gemv');
      await setParam(page, 'M', 64);
      await page.waitForFunction(() => document.querySelector('jp-app').appState.bench.variant !== 'gemv', null, { timeout: 10_000 });
      // a chosen variant stays through a shape change
      await p.locator('#variant').selectOption('naive');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.bench.variant === 'naive');
      await setParam(page, 'M', 1);
      await page.waitForFunction(() => document.querySelector('jp-app').appState.bench.params.M === 1);
      // deliberate negative check: no later shape-rule answer overrides the chosen variant within 300 ms
      await page.waitForTimeout(300);
      t.assert((await benchState(page)).variant === 'naive', 'a chosen variant was overridden by the shape rule');
      // a link restores kernel, variant, shape and tiles
      const link = await linkWith(page, (s) => ({ ...s, bench: { ...s.bench, kernel: 'matmul', variant: 'tiled', params: { M: 96, N: 40, K: 24, BM: 32 } } }));
      const p2 = await t.newPage();
      await p2.goto(link);
      const q2 = (sel) => p2.locator(`jp-bench-panel ${sel}`);
      await q2('#p-BM').waitFor({ timeout: 30_000 });
      // deliberate negative check: nothing (a late shape-rule answer) changes the link's choices within 500 ms
      await p2.waitForTimeout(500);
      const b = await benchState(p2);
      t.assert(b.kernel === 'matmul' && b.variant === 'tiled' && b.params.M === 96 && b.params.N === 40 && b.params.K === 24 && b.params.BM === 32, `link not restored: ${JSON.stringify(b)}`);
      t.assert((await q2('#variant').inputValue()) === 'tiled' && (await q2('#p-M').inputValue()) === '96' && (await q2('#p-BM').inputValue()) === '32', 'the fields do not show the link');
      t.assert(t.errors(page).length === 0 && t.errors(p2).length === 0, `console errors:\n${[...t.errors(page), ...t.errors(p2)].join('\n')}`);
    },
  },  {
    // The picker queues its param changes (the shape rule asks the worker first): on the Chip view and a
    // Compare side, as on the Bench (shell.e2e), M, N, K typed faster than the answers all land.
    name: 'chip view and compare: typing through the picker fields faster than the worker answers keeps every value',
    async run(t) {
      const page = t.page;
      const slice = (path) => page.evaluate((path) => path.reduce((o, k) => o[k], document.querySelector('jp-app').appState), path);
      const typeSlowly = async (host, kernelSel, path) => {
        const p = pick(page, host);
        await p.locator(kernelSel).waitFor({ timeout: 30_000 });
        await p.locator(kernelSel).selectOption('matmul');
        await page.waitForFunction((path) => path.reduce((o, k) => o[k], document.querySelector('jp-app').appState).kernel === 'matmul', path, { timeout: 10_000 });
        await p.locator('input[data-param=M]').waitFor();
        // each shape-rule answer takes 400 ms, as on a loaded machine
        await p.evaluate((el) => {
          const orig = el.pick.bind(el);
          el.pick = async (...a) => { await new Promise((r) => setTimeout(r, 400)); return orig(...a); };
        });
        for (const [k, v] of [['M', 48], ['N', 40], ['K', 24]]) {
          await p.locator(`input[data-param=${k}]`).fill(String(v));
          await p.locator(`input[data-param=${k}]`).press('Tab');
        }
        await page.waitForFunction((path) => {
          const p = path.reduce((o, k) => o[k], document.querySelector('jp-app').appState).params;
          return p.M === 48 && p.N === 40 && p.K === 24;
        }, path, { timeout: 10_000 }).catch(async () => {
          t.assert(false, `${host}: a value was lost: params ${JSON.stringify((await slice(path)).params)}`);
        });
      };
      await t.open('/#chip', page);
      await typeSlowly('jp-chip-tab', '#chip-kernel', ['chip']);
      await page.getByRole('tab', { name: 'Compare', exact: true }).click();
      await typeSlowly('jp-compare', '#cmp-a-kernel', ['compare', 'a']);
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  },
];
