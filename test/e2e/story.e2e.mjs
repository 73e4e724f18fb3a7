/* global location, getComputedStyle */
// Issue 10's views as a visitor sees them, at a desktop (1440x900) and a phone (390x844) size:
// the landing page, the chip view, the roofline and the walkthrough. Each case looks at the page
// (screenshot + assertions on the visible text and numbers), checks that nothing overflows the
// page sideways and that the sticky part of the header stays small.

import { rendered, stateOf, urlHoldsState } from './h5a-helpers.mjs';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];

/** Pixels the page is wider than the viewport (0 = no sideways scrolling). */
const pageOverflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
/** Height of what stays on screen while scrolling (the tab strip). */
const stickyHeight = (page) => page.evaluate(() => document.querySelector('jp-app').shadowRoot.querySelector('.sticky').getBoundingClientRect().height);
const cycleOf = async (page, scope) => Number((await page.locator(`${scope} jp-timeline [data-testid=cycle]`).first().innerText()).replace(/[^0-9]/g, ''));

async function layoutChecks(t, page, what, viewport) {
  const over = await pageOverflow(page);
  t.assert(over <= 0, `${what}: the page overflows sideways by ${over} px at ${viewport.width}x${viewport.height}`);
  const h = await stickyHeight(page);
  t.assert(h <= viewport.height * 0.1, `${what}: the sticky header takes ${h} px of ${viewport.height} (over 10%)`);
}

async function waitAnimated(page, tag) {
  await page.locator(`${tag} jp-timeline button[aria-label=Play]:not([disabled])`).first().waitFor({ timeout: 90_000 });
}

const cases = [];

for (const [size, viewport] of SIZES) {
  cases.push({
    name: `landing (${size}): what this is, a live chip animation, three doors; the landing is a link`,
    async run(t) {
      const page = t.page;
      await page.setViewportSize(viewport);
      await t.open('/', page);
      const what = await page.locator('jp-start [data-testid=start-what]').innerText();
      t.assert(/runs the real kernels/.test(what) && /simulates/.test(what), `no sentence on what this is: "${what}"`);
      // the animation is live: the caption carries the simulation's numbers and the canvas changes
      const caption = page.locator('jp-start [data-testid=start-caption]');
      await page.waitForFunction(() => /bound = /.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-start')?.shadowRoot.querySelector('[data-testid=start-caption]')?.textContent ?? ''), null, { timeout: 60_000 });
      t.assert(/16 × 16 tiles/.test(await caption.innerText()), `caption: ${await caption.innerText()}`);
      const canvas = page.locator('jp-start jp-chip-canvas canvas');
      const a = await canvas.screenshot();
      // deliberate: the animation is looked at twice, 700 ms apart, as a visitor would see it move
      await page.waitForTimeout(700);
      const b = await canvas.screenshot();
      t.assert(!a.equals(b), 'the landing animation does not move');
      const doors = await page.locator('jp-start a.door').evaluateAll((as) => as.map((x) => [x.dataset.door, x.getAttribute('href'), x.textContent.replace(/\s+/g, ' ').trim()]));
      t.assert(doors.length === 3 && doors.map((d) => d[0]).join() === 'learn,bench,tokens', `doors: ${JSON.stringify(doors)}`);
      t.assert(doors.every(([tab, href]) => href === `#${tab}`), `doors are not links: ${JSON.stringify(doors)}`);
      // all three doors are visible without scrolling on the desktop
      if (size === 'desktop') {
        for (const d of ['learn', 'bench', 'tokens']) {
          const box = await page.locator(`jp-start a.door[data-door=${d}]`).boundingBox();
          t.assert(box && box.y + box.height <= viewport.height, `the ${d} door is below the fold (${JSON.stringify(box)})`);
        }
      }
      // the walkthrough is not the last tab
      const tabs = await page.getByRole('tab').allInnerTexts();
      t.assert(tabs[0] === 'Start' && tabs.indexOf('Walkthrough') < tabs.length - 1, `tab order: ${tabs.join(', ')}`);
      await layoutChecks(t, page, 'landing', viewport);
      await t.screenshot(size === 'desktop' ? 'landing' : 'landing-phone', page);
      // a door opens its view; Back returns to the landing without leaving the app
      await page.locator('jp-start a.door[data-door=learn]').click();
      await page.locator('jp-learn-tab [data-testid=step-title]').waitFor({ timeout: 30_000 });
      await page.waitForFunction(() => location.hash.startsWith('#s='));
      await page.goBack();
      await page.locator('jp-start a.door').first().waitFor({ timeout: 15_000 });
      t.assert(page.url().startsWith(t.baseUrl), `Back left the app: ${page.url()}`);
      // the measure door: the bench, with Run on screen at this size (sticky while the form is taller)
      await page.locator('jp-start a.door[data-door=bench]').click();
      await page.locator('jp-bench-panel #run').waitFor({ timeout: 30_000 });
      // the bench lays out after the tab opens: wait until Run is on screen (the assertion below says where it is if not)
      await page.waitForFunction((h) => {
        const r = document.querySelector('jp-app').shadowRoot.querySelector('jp-bench-panel').shadowRoot.querySelector('#run').getBoundingClientRect();
        return r.height > 0 && r.y >= 0 && r.y + r.height <= h;
      }, viewport.height, { timeout: 10_000 }).catch(() => {});
      const run = await page.locator('jp-bench-panel #run').boundingBox();
      t.assert(run && run.y >= 0 && run.y + run.height <= viewport.height, `Run is off screen in the Bench: ${JSON.stringify(run)}`);
      // the landing state is itself a link
      const other = await t.newPage({ viewport });
      await t.open('/#start', other);
      await other.locator('jp-start a.door').first().waitFor({ timeout: 15_000 });
      t.assert((await stateOf(other)).tab === 'start', 'the #start link does not open the landing');
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  });

  cases.push({
    name: `chip view (${size}): a torus chip's heatmap carries all its NoC bytes; legend and numbers shown`,
    async run(t) {
      const page = t.page;
      await page.setViewportSize(viewport);
      await t.open('/#chip', page);
      await waitAnimated(page, 'jp-chip-tab');
      await page.locator('jp-chip-tab select').first().selectOption('wormhole-n150');
      await page.waitForFunction(() => /wormhole/i.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-chip-tab')?.shadowRoot.querySelector('#chip-h')?.textContent ?? ''), null, { timeout: 60_000 });
      // the heading changes before the new trace arrives: wait for the torus chip's trace itself
      await page.waitForFunction(() => document.querySelector('jp-app').shadowRoot.querySelector('jp-chip-tab')?.shadowRoot.querySelector('jp-chip-canvas.main')?.trace?.torus === true, null, { timeout: 60_000 });
      await waitAnimated(page, 'jp-chip-tab');
      // the heatmap's mesh links hold exactly the chip model's NoC bytes (issue 10, defect 14)
      const sums = await page.evaluate(() => {
        const tab = document.querySelector('jp-app').shadowRoot.querySelector('jp-chip-tab').shadowRoot;
        const tr = tab.querySelector('jp-chip-canvas.main').trace;
        let mesh = 0;
        for (let l = 0; l < 2 * tr.rows * tr.cols; l++) mesh += tr.linkBytes[l];
        const noc = [...tab.querySelectorAll('.metrics div')].find((d) => d.querySelector('dt').textContent === 'NoC bytes').querySelector('dd').textContent;
        return { mesh, torus: tr.torus, noc };
      });
      t.assert(sums.torus && sums.mesh === 5111808, `heatmap link bytes ${sums.mesh} (torus ${sums.torus}), the chip model counts 5,111,808`);
      t.assert(sums.noc === '5.1 MB', `NoC bytes metric shows ${sums.noc}`);
      const legend = await page.locator('jp-chip-tab jp-chip-legend ul').innerText();
      t.assert(/HBM transfer/.test(legend) && /NoC transfer/.test(legend), `legend: ${legend}`);
      await page.locator('jp-chip-tab button', { hasText: 'Link traffic' }).click();
      await page.waitForFunction(() => document.querySelector('jp-app').appState.chip.view === 'traffic');
      await rendered(page);
      await layoutChecks(t, page, 'chip view', viewport);
      await t.screenshot(size === 'desktop' ? 'chip-view-torus' : 'chip-view-phone', page);
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  });

  cases.push({
    name: `roofline (${size}): numbered points, tiles used explained from the sims; ${size === 'desktop' ? 'your own bench run is plotted' : 'the table scrolls in its card'}`,
    async run(t) {
      const page = t.page;
      await page.setViewportSize(viewport);
      if (size === 'desktop') {
        // a run in the Bench must show up as a measured point (issue 10, defect 1)
        await t.open('/#bench', page);
        for (const [k, v] of [['M', 32], ['N', 32], ['K', 16], ['BM', 16], ['BN', 16], ['TM', 2], ['TN', 2]]) {
          const input = page.locator(`jp-bench-panel #p-${k}`);
          await input.fill(String(v));
          await input.press('Tab');
        }
        await page.waitForFunction(() => !document.querySelector('jp-app').shadowRoot.querySelector('jp-bench-panel').shadowRoot.querySelector('#run')?.disabled, null, { timeout: 60_000 });
        await page.locator('jp-bench-panel #run').click();
        await page.locator('jp-bench-panel #result').waitFor({ timeout: 90_000 });
        await page.getByRole('tab', { name: 'Roofline', exact: true }).click();
      } else {
        await t.open('/#roofline', page);
      }
      const rows = page.locator('jp-roofline [data-testid=roofline-points] tbody tr');
      await rows.nth(4).waitFor({ timeout: 90_000 });
      const table = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
      t.assert(table.every((r, i) => r[0] === String(i + 1) || r[0] === ''), `points are not numbered: ${JSON.stringify(table.map((r) => r[0]))}`);
      const jal = table.find((r) => /Jalapeño/.test(r[1]));
      t.assert(jal && /^\d+ of 256$/.test(jal[5]), `Jalapeño-class row has no tiles used: ${JSON.stringify(jal)}`);
      const why = await page.locator('jp-roofline [data-testid=roofline-why]').innerText();
      t.assert(new RegExp(`uses ${jal[5].split(' ')[0]} of 256 tiles`).test(why), `the explanation does not follow the sims: ${why}`);
      if (size === 'desktop') {
        t.assert(table.some((r) => /this GPU/.test(r[1])), `the bench run is not a point: ${JSON.stringify(table.map((r) => r[1]))}`);
        const msg = await page.locator('jp-roofline').innerText();
        t.assert(!/Run a kernel in the Bench tab to add measured points/.test(msg), 'still asks for a bench run after one');
      } else {
        const scroll = await page.evaluate(() => {
          const el = document.querySelector('jp-app').shadowRoot.querySelector('jp-roofline').shadowRoot.querySelector('.scroll');
          return { inner: el.scrollWidth, outer: el.clientWidth, overflow: getComputedStyle(el).overflowX };
        });
        t.assert(scroll.overflow === 'auto', `the points table does not scroll inside its card: ${JSON.stringify(scroll)}`);
      }
      await rendered(page);
      await layoutChecks(t, page, 'roofline', viewport);
      await t.screenshot(size === 'desktop' ? 'roofline-measured' : 'roofline-view-phone', page);
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  });

  cases.push({
    name: `walkthrough (${size}): text follows the numbers, PageDown anywhere, Back returns a step, links keep the moment`,
    async run(t) {
      const page = t.page;
      await page.setViewportSize(viewport);
      await t.open('/#learn/6', page);
      await waitAnimated(page, 'jp-learn-tab');
      const title = () => page.locator('jp-learn-tab [data-testid=step-title]').innerText();
      t.assert((await title()).startsWith('6.'), `#learn/6 opened "${await title()}"`);
      // the sentence states the bound the metrics show (issue 10, defect 3)
      const bound = (await page.locator('jp-learn-tab [data-testid=step-bound]').innerText()).trim();
      const text = await page.locator('jp-learn-tab [data-testid=step-text]').innerText();
      t.assert(text.includes(`bound = ${bound}`), `step 6 text does not state the shown bound (${bound}): ${text}`);
      const legend = await page.locator('jp-learn-tab jp-chip-legend ul').innerText();
      t.assert(/HBM transfer/.test(legend), 'no colour legend in the walkthrough');
      // PageDown with nothing focused moves on; Back (history) returns to step 6
      await page.locator('body').click({ position: { x: 2, y: viewport.height - 4 } });
      await page.keyboard.press('PageDown');
      await page.waitForFunction(() => document.querySelector('jp-app').appState.learn.step === 6);
      await waitAnimated(page, 'jp-learn-tab');
      t.assert((await title()).startsWith('7.'), `PageDown did not move to step 7: ${await title()}`);
      // Back returns to the step before once the shell has pushed this step's URL
      await urlHoldsState(page);
      await page.goBack();
      await page.waitForFunction(() => document.querySelector('jp-app').appState.learn.step === 5, null, { timeout: 15_000 });
      t.assert(page.url().startsWith(t.baseUrl), `Back left the app: ${page.url()}`);
      // a scrubbed moment travels in the link
      await page.goForward();
      await page.waitForFunction(() => document.querySelector('jp-app').appState.learn.step === 6, null, { timeout: 15_000 });
      await waitAnimated(page, 'jp-learn-tab');
      await urlHoldsState(page);
      const hashBefore = await page.evaluate(() => location.hash);
      const range = page.locator('jp-learn-tab jp-timeline input[type=range]');
      await range.fill(String(Math.round(Number(await range.getAttribute('max')) * 0.8)));
      const scrubbed = await cycleOf(page, 'jp-learn-tab');
      await page.waitForFunction(() => (document.querySelector('jp-app').appState.learn.timeFrac ?? 0) > 0.7);
      // the shell writes the URL 250 ms after the change (the encoding is async): wait for the new link
      await page.waitForFunction((h) => location.hash !== h, hashBefore, { timeout: 15_000 });
      const link = page.url();
      const other = await t.newPage({ viewport });
      await other.goto(link);
      await waitAnimated(other, 'jp-learn-tab');
      const there = await cycleOf(other, 'jp-learn-tab');
      t.assert(Math.abs(there - scrubbed) <= 1, `the link restored cycle ${there}, the sharer was at ${scrubbed}`);
      // a story step: numbers from the whole-model runs
      await page.keyboard.press('Escape');
      await t.open('/#learn/9', page);
      await page.waitForFunction(() => /ms per token/.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-learn-tab')?.shadowRoot.querySelector('[data-testid=step-text]')?.textContent ?? ''), null, { timeout: 90_000 });
      const story = await page.locator('jp-learn-tab [data-testid=step-text]').innerText();
      t.assert(/\d ms per token/.test(story) && /FLOP per byte/.test(story), `story step text: ${story}`);
      await waitAnimated(page, 'jp-learn-tab');
      await rendered(page);
      await layoutChecks(t, page, 'walkthrough', viewport);
      await t.screenshot(size === 'desktop' ? 'walkthrough-story' : 'walkthrough-phone', page);
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  });
}

// Issue 23: the walkthrough's animated op and the text beside it come from one cost model. Step 9
// (H100) and step 10 (Jalapeño-class) animate the o-proj as deployed in the step's model: its time
// split is shown, it agrees with the model's o-proj, and the chip that is faster per token in the
// text is the one whose op is faster.
cases.push({
  name: 'walkthrough steps 9 -> 10: the animated o-proj is the model\'s op, split into compute / memory / launch gap / collective, and agrees with the text',
  async run(t) {
    const page = t.page;
    await page.setViewportSize(DESKTOP);
    const opTime = async () => {
      const el = page.locator('jp-learn-tab jp-op-cost [data-testid=op-time]');
      await el.waitFor({ timeout: 90_000 });
      const s = await el.innerText();
      const v = Number(s.replace(/[^\d.]/g, ''));
      return /ms/.test(s) ? v * 1e3 : v; // µs
    };
    const read = async (n) => {
      await t.open(`/#learn/${n}`, page);
      await waitAnimated(page, 'jp-learn-tab');
      const us = await opTime();
      const split = await page.locator('jp-learn-tab jp-op-cost [data-testid=op-split]').innerText();
      for (const part of ['Compute', 'Memory', 'Launch gap', 'Collective']) t.assert(split.includes(part), `step ${n}: no ${part} in the op's split: ${split}`);
      const why = await page.locator('jp-learn-tab jp-op-cost [data-testid=op-why]').allInnerTexts();
      t.assert(why.length === 1 && /agree/.test(why[0]), `step ${n}: the animated op does not agree with the model's: ${why.join(' | ')}`);
      const model = await page.locator('jp-learn-tab jp-op-cost [data-testid=op-model]').innerText();
      t.assert(/o-proj op/.test(model), `step ${n}: not beside the model's o-proj: ${model}`);
      return { us, text: await page.locator('jp-learn-tab [data-testid=step-text]').innerText(), split };
    };
    const gpu = await read(9);
    t.assert(/Launch gap\s*2\.50 µs/.test(gpu.split), `step 9: the H100 op's launch gap is not its 2.5 µs: ${gpu.split}`);
    const chip = await read(10);
    await t.screenshot('walkthrough-step10-op-cost', page);
    const faster = /\(([\d.]+)× faster\)/.exec(chip.text);
    t.assert(faster, `step 10 does not say the chip is faster per token: ${chip.text}`);
    t.assert(chip.us < gpu.us, `the chip is faster per token (${faster?.[1]}×) but its animated op takes ${chip.us} µs against the H100's ${gpu.us} µs`);
    t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
  },
});

// Issue 23 item 2: the kernel chapter (steps 1-8) costs its raw plan with the same per-op model as the
// Tokens tab (no more plan at peak bandwidth): the step says it is the raw plan, shows the op's split
// beside GPT-2 small's op on the same chip with the sentence saying why they differ, and the time its
// text quotes is the op time the split adds up to.
for (const [size, viewport] of SIZES) {
  cases.push({
    name: `walkthrough step 3 (${size}): the raw plan is labelled raw, split like every op, beside GPT-2 small's qkv with why they differ`,
    async run(t) {
      const page = t.page;
      await page.setViewportSize(viewport);
      await t.open('/#learn/3', page);
      await waitAnimated(page, 'jp-learn-tab');
      const mode = await page.locator('jp-learn-tab [data-testid=step-mode]').innerText();
      t.assert(/raw plan/.test(mode), `step 3 does not say it animates the raw plan: ${mode}`);
      const opCost = page.locator('jp-learn-tab jp-op-cost');
      const how = await opCost.locator('[data-testid=op-how]').innerText();
      t.assert(/^raw plan: qkv\/fused/.test(how), `the op's costing is not labelled raw: ${how}`);
      const opTime = (await opCost.locator('[data-testid=op-time]').innerText()).trim();
      const text = await page.locator('jp-learn-tab [data-testid=step-text]').innerText();
      t.assert(text.includes(`time ${opTime} for the raw f32 kernel`), `the text's time is not the op time ${opTime}: ${text}`);
      const model = await opCost.locator('[data-testid=op-model]').innerText();
      t.assert(/In gpt2-small: its qkv op/.test(model), `not beside GPT-2 small's qkv: ${model}`);
      const why = await opCost.locator('[data-testid=op-why]').allInnerTexts();
      t.assert(why.some((w) => /than gpt2-small's qkv op/.test(w)) && why.some((w) => /as deployed on/.test(w)), `no computed why-they-differ sentences: ${why.join(' | ')}`);
      const bound = (await page.locator('jp-learn-tab [data-testid=step-bound]').innerText()).trim();
      const opBound = (await opCost.locator('[data-testid=op-bound]').innerText()).trim();
      t.assert(bound === opBound, `the metrics' bound ${bound} is not the op's ${opBound}`);
      await layoutChecks(t, page, 'walkthrough step 3', viewport);
      await opCost.scrollIntoViewIfNeeded();
      await t.screenshot(`issue23-walkthrough-${size}`, page);
      t.assert(t.errors(page).length === 0, `console errors:\n${t.errors(page).join('\n')}`);
    },
  });
}

export { cases };
