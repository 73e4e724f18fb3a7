// The chip view and the walkthrough in headless Chromium: the animation runs, play / pause /
// step back change the displayed cycle, it still animates without WebGPU, steps are linkable.
import { openTab, rendered } from './h5a-helpers.mjs';

const cycleOf = async (page, scope) => Number((await page.locator(`${scope} jp-timeline [data-testid=cycle]`).first().innerText()).replace(/[^0-9]/g, ''));

/** Opens a tab (openTab) and waits for its simulation: the timeline's total becomes positive and Play is enabled. */
async function openSimulatedTab(t, page, name, tag) {
  await openTab(t, page, '/', name, tag);
  await page.locator(`${tag} jp-timeline button[aria-label=Play]:not([disabled])`).first().waitFor({ timeout: 60_000 });
}

async function checkPlayPauseStep(t, page, tag) {
  const timeline = page.locator(`${tag} jp-timeline`).first();
  const canvas = page.locator(`${tag} jp-chip-canvas canvas`).first();
  const c0 = await cycleOf(page, tag);
  const shot0 = await canvas.screenshot();
  await timeline.locator('button[aria-label=Play]').click();
  // deliberate: play for a while, as a user watching, so two distinct frames are compared below
  await page.waitForTimeout(1200);
  const c1 = await cycleOf(page, tag);
  t.assert(c1 > c0, `playing did not advance the cycle (${c0} -> ${c1})`);
  await timeline.locator('button[aria-label=Pause]').click();
  const c2 = await cycleOf(page, tag);
  // deliberate negative check: paused, the cycle does not move in 500 ms
  await page.waitForTimeout(500);
  const c3 = await cycleOf(page, tag);
  t.assert(c3 === c2, `paused, yet the cycle moved (${c2} -> ${c3})`);
  const shot1 = await canvas.screenshot();
  t.assert(!shot0.equals(shot1), 'the canvas looks the same at two different cycles');
  await timeline.locator('button[aria-label="Step back"]').click();
  const c4 = await cycleOf(page, tag);
  t.assert(c4 < c3, `step back did not lower the cycle (${c3} -> ${c4})`);
  // keyboard: End jumps to the end, Home to 0
  await timeline.locator('button[aria-label="Step back"]').press('End');
  const cEnd = await cycleOf(page, tag);
  await timeline.locator('button[aria-label="Step back"]').press('Home');
  t.assert((await cycleOf(page, tag)) === 0 && cEnd > c4, `Home/End did not move to the ends (end ${cEnd})`);
}

export const cases = [
  {
    name: 'chip view animates; play, pause and step back change the displayed cycle',
    async run(t) {
      await openSimulatedTab(t, t.page, 'Chip view', 'jp-chip-tab');
      await checkPlayPauseStep(t, t.page, 'jp-chip-tab');
      // a moment mid-run for the screenshot, with a tile's tooltip
      await t.page.locator('jp-chip-tab jp-timeline input[type=range]').first().fill(String(Math.round((await t.page.locator('jp-chip-tab jp-timeline input[type=range]').first().getAttribute('max')) * 0.4)));
      const box = await t.page.locator('jp-chip-tab jp-chip-canvas.main canvas').boundingBox();
      await t.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      // for the screenshot only (nothing asserted on it): the hover tooltip is drawn on the next frames
      await t.page.waitForTimeout(200);
      await t.screenshot('chip-view');
      await t.page.locator('jp-chip-tab button', { hasText: 'Link traffic' }).click();
      await t.page.waitForFunction(() => document.querySelector('jp-app').appState.chip.view === 'traffic').catch(() => {});
      await rendered(t.page);
      await t.screenshot('chip-view-traffic');
      const state = await t.page.evaluate(() => document.querySelector('jp-app').appState.chip);
      t.assert(state.view === 'traffic' && state.timeFrac > 0, `share state not updated: ${JSON.stringify(state)}`);
      t.assert(t.errors().length === 0, `console errors:\n${t.errors().join('\n')}`);
    },
  },
  {
    name: 'without WebGPU the chip view still animates',
    async run(t) {
      const page = await t.newPage({ webgpu: false });
      await openSimulatedTab(t, page, 'Chip view', 'jp-chip-tab');
      await checkPlayPauseStep(t, page, 'jp-chip-tab');
      await t.screenshot('chip-view-no-webgpu', page);
      const note = await page.locator('jp-chip-tab jp-chip-canvas.side .empty').first().innerText();
      t.assert(/WebGPU is unavailable/.test(note), `the measured side should say WebGPU is unavailable, says "${note}"`);
    },
  },
  {
    name: 'walkthrough: next / back move between linkable steps, each animates',
    async run(t) {
      await openSimulatedTab(t, t.page, 'Walkthrough', 'jp-learn-tab');
      const title = () => t.page.locator('jp-learn-tab [data-testid=step-title]').innerText();
      const first = await title();
      await t.page.locator('jp-learn-tab button[title="Next step"]').click();
      await t.page.locator('jp-learn-tab jp-timeline button[aria-label=Play]:not([disabled])').waitFor({ timeout: 60_000 });
      const second = await title();
      t.assert(first !== second && second.startsWith('2.'), `next did not move on: "${first}" -> "${second}"`);
      const step = await t.page.evaluate(() => document.querySelector('jp-app').appState.learn.step);
      t.assert(step === 1, `learn.step in the share state is ${step}, expected 1`);
      await rendered(t.page);
      await t.screenshot('walkthrough');
      await t.page.locator('jp-learn-tab button[title="Previous step"]').click();
      t.assert((await title()) === first, 'back did not return to the first step');
      t.assert(t.errors().length === 0, `console errors:\n${t.errors().join('\n')}`);
    },
  },
];
