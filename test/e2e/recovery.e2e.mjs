// Recovery paths of the bench panel: a lost GPU device is reported and reconnected without losing
// the page's state, and a long run can be cancelled.

async function setParam(page, name, value) {
  const input = page.locator(`jp-bench-panel #p-${name}`);
  await input.fill(String(value));
  await input.press('Tab');
}

async function choose(page, kernel, variant, params) {
  await page.locator('jp-bench-panel #kernel').selectOption(kernel);
  await page.locator('jp-bench-panel #variant').selectOption(variant);
  for (const [k, v] of Object.entries(params)) await setParam(page, k, v);
}

async function runButtonEnabled(page) {
  await page.waitForFunction(() => {
    const b = document.querySelector('jp-app')?.shadowRoot?.querySelector('jp-bench-panel')?.shadowRoot?.querySelector('#run');
    return b && !b.disabled;
  }, null, { timeout: 60_000 });
}

export const cases = [
  {
    name: 'a lost GPU device is reported, a fresh one is made, the configuration is kept and the next run is correct',
    async run(t) {
      await t.open('/#bench');
      await t.page.locator('jp-gpu-status .badge.ok').waitFor({ timeout: 30_000 });
      await choose(t.page, 'matmul', 'tiled', { M: 32, N: 32, K: 16, BM: 16, BN: 16, TM: 2, TN: 2 });
      const before = await t.page.evaluate(() => window.location.hash);
      // The worker's test hook destroys the device, as a driver reset would.
      await t.page.evaluate(() => document.querySelector('jp-app').api.loseDeviceForTesting());
      // The loss is reported, a fresh device is made, and the configuration is untouched.
      const toast = t.page.locator('jp-app .toast', { hasText: 'device was lost' });
      await toast.waitFor({ timeout: 30_000 });
      const text = await toast.textContent();
      t.assert(/fresh device was created/.test(text), `expected the toast to say the device was re-created, got: ${text}`);
      await t.page.locator('jp-gpu-status .badge.ok').waitFor({ timeout: 30_000 });
      t.assert((await t.page.evaluate(() => window.location.hash)) === before, 'the configuration (URL state) changed when the device was lost');
      await t.screenshot('device-lost');
      await runButtonEnabled(t.page);
      await t.page.locator('jp-bench-panel #run').click();
      await t.page.locator('jp-bench-panel #result').waitFor({ timeout: 90_000 });
      const ok = await t.page.locator('jp-bench-panel #ok').textContent();
      t.assert(/ok/.test(ok), `run after reconnect: ${ok}`);
    },
  },
  {
    name: 'a long run can be cancelled and the panel says so',
    async run(t) {
      await t.open('/#bench');
      await t.page.locator('jp-gpu-status .badge.ok').waitFor({ timeout: 30_000 });
      // Naive 512^3 takes seconds per sample on SwiftShader: long enough to cancel mid-run.
      await choose(t.page, 'matmul', 'naive', { M: 512, N: 512, K: 512 });
      await runButtonEnabled(t.page);
      await t.page.locator('jp-bench-panel #run').click();
      const cancel = t.page.locator('jp-bench-panel #cancel');
      await cancel.waitFor({ timeout: 30_000 });
      await cancel.click();
      await t.page.locator('jp-bench-panel', { hasText: 'Run cancelled.' }).waitFor({ timeout: 120_000 });
      await runButtonEnabled(t.page);
    },
  },
];
