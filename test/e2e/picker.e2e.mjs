// Issue 23 item 7: one kernel / variant picker (<jp-kernel-picker>) wherever a kernel is chosen in
// the chip views, following the kernel's shape rule as the Bench does: a one-token matmul runs as
// gemv, and a variant the user picked stays when the shape changes.

const pick = (page, host) => page.locator(`${host} jp-kernel-picker`).first();

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
];
