// Received edits (issue #10 defect 6): a link's WGSL is the sharer's, applied for that link only,
// labelled so in the bench panel and the editor, and kept only with one click. Plus the editor at
// 1440x900 and 390x844.
import { SIZES, assertFocusVisible, assertNoPageOverflow, linkWith, openTab, stateOf, urlHoldsState } from './h5a-helpers.mjs';

const MARK = '// edited by the sharer';

async function linkWithEdit(t) {
  await t.open('/#bench');
  await t.page.locator('jp-bench-panel #plan-summary').waitFor({ timeout: 30_000 });
  // The sharer edited matmul_tiled.wgsl: prepend a comment to the bundled source.
  await t.page.getByRole('tab', { name: 'WGSL editor' }).click();
  const content = t.page.locator('jp-wgsl-editor .cm-content');
  await content.waitFor({ timeout: 20_000 });
  await content.click();
  await t.page.keyboard.press('Control+Home');
  await t.page.keyboard.type(`${MARK}\n`);
  // the editor hands its text to the state 300 ms after a keystroke: on a loaded machine that can be
  // mid-word, so wait for the whole mark (the link below is made from the state)
  await t.page.waitForFunction((mark) => {
    const w = Object.values(document.querySelector('jp-app').appState.bench.wgsl);
    return w.length === 1 && w[0].startsWith(`${mark}\n`);
  }, MARK, { timeout: 10_000 });
  return linkWith(t.page, (s) => ({ ...s, tab: 'bench' }));
}

export const cases = [
  {
    name: "a link's WGSL is the sharer's: labelled, not stored, kept only on 'Keep it as mine' (defect 6)",
    async run(t) {
      const link = await linkWithEdit(t);
      // The receiver: a fresh browser profile.
      const p = await t.newPage();
      await p.goto(link);
      const banner = p.locator('jp-bench-panel #received-edits');
      await banner.waitFor({ timeout: 30_000 });
      const text = await banner.innerText();
      t.assert(/sharer's edited WGSL/.test(text) && /matmul_tiled\.wgsl/.test(text) && !/your edit/i.test(text), `banner: ${text}`);
      t.assert((await p.locator('jp-bench-panel #own-edits').count()) === 0, 'the sharer\'s edit is called the receiver\'s');
      // The editor labels it too.
      await p.getByRole('tab', { name: 'WGSL editor' }).click();
      await p.locator('jp-wgsl-editor #badge-theirs').waitFor({ timeout: 20_000 });
      t.assert((await p.locator('jp-wgsl-editor .cm-content').innerText()).startsWith(MARK), 'the link\'s WGSL is not applied');
      await urlHoldsState(p); // past the shell's URL/storage write
      // Reopening without the link (the bench view of the plain URL): the receiver's own (none), not the sharer's.
      await p.goto(`${t.baseUrl}/#bench`);
      await p.locator('jp-bench-panel #plan-summary').waitFor({ timeout: 30_000 });
      t.assert(Object.keys((await stateOf(p)).bench.wgsl).length === 0, `the sharer's edit stayed: ${JSON.stringify((await stateOf(p)).bench.wgsl).slice(0, 80)}`);
      // Open the link again and keep it: now it is the receiver's own, across a plain reload.
      await p.goto(link);
      await p.locator('jp-bench-panel #keep-edits').click();
      await p.locator('jp-bench-panel #own-edits').waitFor();
      await p.goto(`${t.baseUrl}/#bench`);
      await p.locator('jp-bench-panel #own-edits').waitFor({ timeout: 30_000 });
      const kept = (await stateOf(p)).bench.wgsl.matmul_tiled ?? '';
      t.assert(kept.startsWith(MARK), 'Keep it as mine did not keep the edit');
      t.assert(t.errors(p).length === 0, `console errors:\n${t.errors(p).join('\n')}`);
    },
  },
  ...SIZES.map(({ name, viewport }) => ({
    name: `editor looks right at ${viewport.width}x${viewport.height}: source shown, Run visible, no page overflow, focus visible`,
    async run(t) {
      const p = await t.newPage({ viewport });
      await openTab(t, p, '/', 'WGSL editor', 'jp-wgsl-editor');
      await p.locator('jp-wgsl-editor .cm-content').waitFor({ timeout: 20_000 });
      const src = await p.locator('jp-wgsl-editor .cm-content').innerText();
      t.assert(/matmul_tiled/.test(src), `the shader source is not shown: ${src.slice(0, 120)}`);
      // The whole document (CodeMirror draws only the lines in view) is the text that runs: matmul_tiled's
      // include (shaders/include/tiled_f32.wgsl, where its overrides are) resolved in place.
      const doc = await p.locator('jp-wgsl-editor').evaluate((el) => el.view.state.doc.toString());
      t.assert(/override BM: u32/.test(doc) && !/^\s*\/\/\s*#include/m.test(doc), `the editor's text is not the resolved shader: ${doc.slice(0, 120)}`);
      t.assert(await p.locator('jp-wgsl-editor #editor-run').isVisible(), 'Run edited kernel not visible');
      await assertNoPageOverflow(t, p, `editor at ${viewport.width}`);
      await t.screenshot(`h5a-editor-${name}`, p);
      await assertFocusVisible(t, p, 'jp-wgsl-editor', 8);
      t.assert(t.errors(p).length === 0, `console errors:\n${t.errors(p).join('\n')}`);
    },
  })),
];
