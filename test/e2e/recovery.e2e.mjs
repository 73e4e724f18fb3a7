// Recovery paths of the bench panel: a lost GPU device is reported and reconnected without losing
// the page's state, and a long run can be cancelled.

import { runAndWait, setParam, urlHoldsState, waitRunnable } from './h5a-helpers.mjs';

async function choose(page, kernel, variant, params) {
  await page.locator('jp-bench-panel #kernel').selectOption(kernel);
  await page.locator('jp-bench-panel #variant').selectOption(variant);
  for (const [k, v] of Object.entries(params)) await setParam(page, k, v);
}


export const cases = [
  {
    name: 'a lost GPU device is reported, a fresh one is made, the configuration is kept and the next run is correct',
    async run(t) {
      await t.open('/#bench');
      await t.page.locator('jp-gpu-status .badge.ok').waitFor({ timeout: 30_000 });
      await choose(t.page, 'matmul', 'tiled', { M: 32, N: 32, K: 16, BM: 16, BN: 16, TM: 2, TN: 2 });
      // the shell writes the URL 250 ms after the last change: read it once it holds the last one
      await t.page.waitForFunction(() => document.querySelector('jp-app').appState.bench.params.TN === 2);
      await urlHoldsState(t.page);
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
      await runAndWait(t.page);
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
      await waitRunnable(t.page);
      await t.page.locator('jp-bench-panel #run').click();
      const cancel = t.page.locator('jp-bench-panel #cancel');
      await cancel.waitFor({ timeout: 30_000 });
      await cancel.click();
      await t.page.locator('jp-bench-panel', { hasText: 'Run cancelled.' }).waitFor({ timeout: 120_000 });
      await waitRunnable(t.page);
    },
  },
];
