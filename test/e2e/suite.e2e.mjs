// Issue 2's page check: the playground runs every kernel (optimized variant and baseline) on the
// browser's WebGPU (SwiftShader here) and shows each one correct against the CPU reference.
export const cases = [
  {
    name: 'run all kernels: every registry kernel and its baseline run and match the CPU reference',
    async run(t) {
      await t.open('/#bench');
      await t.page.locator('jp-gpu-status .badge.ok').waitFor({ timeout: 30_000 });
      const kernels = await t.page.locator('jp-bench-panel #kernel option').evaluateAll((os) => os.map((o) => o.value));
      await t.page.locator('jp-suite-table #run-all').click();
      // The rows appear together with the Cancel button; the run is done when Run all is back.
      // (Waiting for Run all alone could see the button before the run had started.)
      await t.page.locator('jp-suite-table tbody tr').first().waitFor({ timeout: 30_000 });
      await t.page.locator('jp-suite-table #run-all').waitFor({ timeout: 240_000 });
      const left = await t.page.locator('jp-suite-table tbody td', { hasText: 'waiting…' }).count();
      t.assert(left === 0, `Run all came back with ${left} rows still waiting`);
      const rows = await t.page.locator('jp-suite-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
      t.assert(rows.length >= kernels.length, `expected a row per kernel and baseline, got ${rows.length} rows for ${kernels.length} kernels`);
      for (const k of kernels) t.assert(rows.some((r) => r[0] === k), `kernel ${k} has no row`);
      const bad = rows.filter((r) => r[6] !== '✓ ok');
      t.assert(bad.length === 0, `rows not ok: ${JSON.stringify(bad)}`);
      await t.page.locator('jp-suite-table').scrollIntoViewIfNeeded();
      await t.screenshot('all-kernels');
    },
  },
];
