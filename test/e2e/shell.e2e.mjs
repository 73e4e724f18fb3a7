// The shell, bench panel, share links and WGSL editor, in headless Chromium with WebGPU (SwiftShader).
import { runAndWait, setParam, stateOf } from './h5a-helpers.mjs';

async function smallMatmul(t, page = t.page) {
  await page.locator('jp-bench-panel #kernel').selectOption('matmul');
  await page.locator('jp-bench-panel #variant').selectOption('tiled');
  for (const [k, v] of [['M', 48], ['N', 40], ['K', 24], ['BM', 16], ['BN', 16], ['TM', 2], ['TN', 2]]) await setParam(page, k, v);
}

export const cases = [
  {
    name: 'page loads with no console errors and lists every registry kernel',
    async run(t) {
      await t.open('/#bench');
      await t.page.locator('jp-bench-panel #kernel option').first().waitFor({ state: 'attached' });
      await t.page.locator('jp-gpu-status .badge.ok').waitFor({ timeout: 30_000 });
      const kernels = await t.page.locator('jp-bench-panel #kernel option').evaluateAll((os) => os.map((o) => o.value));
      t.assert(kernels.includes('matmul'), `kernel list lacks matmul: ${kernels}`);
      // deliberate: errors logged a little after the page looks ready (a late worker answer) count too
      await t.page.waitForTimeout(500);
      t.assert(t.errors().length === 0, `console errors:\n${t.errors().join('\n')}`);
      const first = await t.page.evaluate(() => performance.getEntriesByName('jp-first-render')[0]?.startTime ?? -1);
      console.log(`      kernels: ${kernels.join(', ')}; first render at ${first.toFixed(0)} ms`);
    },
  },
  {
    name: 'typing through the fields faster than the worker answers keeps every value (the shape rule answers late)',
    async run(t) {
      await t.open('/#bench');
      await t.page.locator('jp-bench-panel #kernel').selectOption('matmul');
      await t.page.locator('jp-bench-panel #p-M').waitFor();
      // the picker's shape rule asks the worker; make each answer take 400 ms, as on a loaded machine
      await t.page.evaluate(() => {
        const picker = document.querySelector('jp-app').shadowRoot.querySelector('jp-bench-panel').shadowRoot.querySelector('jp-kernel-picker');
        const pick = picker.pick.bind(picker);
        picker.pick = async (...a) => { await new Promise((r) => setTimeout(r, 400)); return pick(...a); };
      });
      for (const [k, v] of [['M', 48], ['N', 40], ['K', 24]]) await setParam(t.page, k, v);
      await t.page.waitForFunction(() => {
        const p = document.querySelector('jp-app').appState.bench.params;
        return p.M === 48 && p.N === 40 && p.K === 24;
      }, null, { timeout: 10_000 }).catch(async () => {
        t.assert(false, `a value was lost: params ${JSON.stringify((await stateOf(t.page)).bench.params)}`);
      });
    },
  },
  {
    name: 'run a small matmul on the GPU: correct vs the CPU reference, stats and plot shown',
    async run(t) {
      await t.open('/#bench');
      await smallMatmul(t);
      await runAndWait(t.page);
      const ok = await t.page.locator('jp-bench-panel #ok').textContent();
      t.assert(ok.includes('ok'), `result not ok: ${ok}`);
      const err = Number(await t.page.locator('jp-bench-panel #max-err').textContent());
      t.assert(err <= 1e-4, `max error ${err} above 1e-4`);
      await t.page.locator('jp-bench-panel #dist canvas').first().waitFor();
      const dl = await t.page.locator('jp-bench-panel dl').first().textContent();
      t.assert(/Timer/.test(dl) && /Adapter/.test(dl), 'timer/adapter info missing');
      t.assert((await stateOf(t.page)).bench.params.M === 48, 'URL state did not follow the parameter');
      await t.page.evaluate(() => window.scrollTo(0, 0));
      await t.screenshot('bench-panel');
      t.assert(t.errors().length === 0, `console errors:\n${t.errors().join('\n')}`);
    },
  },
  {
    name: 'a share link restores the same state and shows the sharer results',
    async run(t) {
      await t.open('/#bench');
      await smallMatmul(t);
      await setParam(t.page, 'K', 20);
      await runAndWait(t.page);
      const link = await t.page.evaluate(() => document.querySelector('jp-app').shadowRoot.querySelector('jp-share-button').link());
      t.assert(link.includes('#s='), `no state in ${link}`);
      const sent = await stateOf(t.page);
      const other = await t.newPage();
      await other.goto(link);
      await other.locator('jp-bench-panel #shared').waitFor();
      const got = await stateOf(other);
      const { results, ...rest } = got;
      const { results: _r, ...sentRest } = sent;
      t.assert(JSON.stringify(rest) === JSON.stringify(sentRest), `state differs:\n${JSON.stringify(rest)}\n${JSON.stringify(sentRest)}`);
      t.assert(results?.rows?.[0]?.shape.includes('K=20'), `results not carried: ${JSON.stringify(results)}`);
      t.assert((await other.locator('jp-bench-panel #p-K').inputValue()) === '20', 'K input not restored');
      t.assert(t.errors(other).length === 0, `console errors:\n${t.errors(other).join('\n')}`);
    },
  },
  {
    name: 'bad links (garbage, truncated, future version) show a message and the default state',
    async run(t) {
      await t.open('/#s=%%%not-a-link');
      await t.page.locator('jp-app #link-error').waitFor();
      t.assert(/could not be opened/.test(await t.page.locator('jp-app #link-error').textContent()), 'message text');
      t.assert((await stateOf(t.page)).tab === 'bench', 'not the default state');
      await t.open('/#bench');
      await smallMatmul(t);
      const link = await t.page.evaluate(() => document.querySelector('jp-app').shadowRoot.querySelector('jp-share-button').link());
      const cut = link.slice(0, link.indexOf('#s=') + 3 + 30);
      const p2 = await t.newPage();
      await p2.goto(cut);
      await p2.locator('jp-app #link-error').waitFor();
      const msg = await p2.locator('jp-app #link-error').textContent();
      t.assert(/damaged|incomplete|base64url|JSON/.test(msg), `truncated message: ${msg}`);
      t.assert((await stateOf(p2)).bench.params.M === undefined, 'truncated link did not fall back to the default');
      await t.screenshot('bad-link', p2);
      t.assert(t.errors(p2).length === 0, `console errors:\n${t.errors(p2).join('\n')}`);
    },
  },
  {
    name: 'WGSL with an error gets a lint marker; edits persist across reloads',
    async run(t) {
      await t.open('/#bench');
      await smallMatmul(t);
      await t.page.getByRole('tab', { name: 'WGSL editor' }).click();
      const content = t.page.locator('jp-wgsl-editor .cm-content');
      await content.waitFor({ timeout: 20_000 });
      await content.click();
      await t.page.keyboard.press('Control+Home');
      await t.page.keyboard.type('this is not wgsl;\n');
      await t.page.locator('jp-wgsl-editor #editor-run').click();
      await t.page.locator('jp-wgsl-editor #compile-error').waitFor({ timeout: 60_000 });
      await t.page.locator('jp-wgsl-editor .cm-lintRange-error, jp-wgsl-editor .cm-lint-marker-error').first().waitFor();
      await t.screenshot('wgsl-editor-error');
      // the editor hands its text to the state 300 ms after the last keystroke (the shell stores it at once)
      await t.page.waitForFunction(() => (Object.values(document.querySelector('jp-app').appState.bench.wgsl)[0] ?? '').startsWith('this is not wgsl;'), null, { timeout: 10_000 }).catch(() => {});
      const s = await stateOf(t.page);
      const edited = Object.values(s.bench.wgsl)[0] ?? '';
      t.assert(edited.startsWith('this is not wgsl;'), 'edit not in the state');
      await t.page.reload();
      await t.page.getByRole('tab', { name: 'WGSL editor' }).waitFor();
      await t.page.locator('jp-wgsl-editor .cm-content').waitFor({ timeout: 20_000 });
      const text = await t.page.locator('jp-wgsl-editor .cm-content').textContent();
      t.assert(text.startsWith('this is not wgsl;'), 'edit lost on reload');
      // Reset restores the shader, which then runs and matches the reference.
      await t.page.getByRole('button', { name: 'Reset to original' }).click();
      await t.page.locator('jp-wgsl-editor #editor-run').click();
      await t.page.locator('jp-wgsl-editor #editor-result').waitFor({ timeout: 60_000 });
      t.assert(/matches the CPU reference/.test(await t.page.locator('jp-wgsl-editor #editor-result').textContent()), 'reset shader not ok');
      await t.screenshot('wgsl-editor');
    },
  },
  {
    name: 'axe-core: no serious or critical violations (bench light, editor dark)',
    async run(t) {
      await t.open('/#bench');
      await smallMatmul(t);
      await runAndWait(t.page);
      let v = await t.axe();
      t.assert(v.length === 0, `bench: ${JSON.stringify(v, null, 1)}`);
      const dark = await t.newPage({ colorScheme: 'dark' });
      await t.open('/#bench', dark);
      await dark.getByRole('tab', { name: 'WGSL editor' }).click();
      await dark.locator('jp-wgsl-editor .cm-content').waitFor({ timeout: 20_000 });
      await t.screenshot('wgsl-editor-dark', dark);
      v = await t.axe(dark);
      t.assert(v.length === 0, `editor (dark): ${JSON.stringify(v, null, 1)}`);
    },
  },
  {
    name: 'without WebGPU the bench panel explains why and how to enable it',
    async run(t) {
      const p = await t.newPage({ webgpu: false });
      await t.open('/#bench', p);
      const panel = p.locator('jp-bench-panel jp-gpu-status .panel');
      await panel.waitFor({ timeout: 20_000 });
      const text = await panel.textContent();
      t.assert(/unavailable/.test(text) && /chip model/.test(text), `panel text: ${text}`);
      await t.screenshot('bench-no-webgpu', p);
      t.assert(t.errors(p).length === 0, `console errors:\n${t.errors(p).join('\n')}`);
    },
  },
];
