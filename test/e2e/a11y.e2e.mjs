// Issue 25: axe-core finds no serious or critical violation on any tab, in the light and the dark
// theme, on a desktop (1440x900) and a phone (390x844). Each tab is opened from its link (#tab), its
// content given time to simulate, then axe runs over the whole document (shadow roots included).
// A screenshot of each tab at each size and theme goes to test-artifacts/a11y-TAB-SIZE-THEME.png.

const TABS = [
  ['start', 'jp-start'], ['bench', 'jp-bench-panel'], ['editor', 'jp-wgsl-editor'], ['chip', 'jp-chip-tab'], ['tokens', 'jp-tokens-tab'],
  ['model', 'jp-model-tab'], ['roofline', 'jp-roofline'], ['compare', 'jp-compare'], ['learn', 'jp-learn-tab'],
];
const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];

export const cases = SIZES.flatMap(({ name, viewport }) => ['light', 'dark'].map((colorScheme) => ({
  name: `axe on every tab, ${colorScheme}, ${name} ${viewport.width}x${viewport.height}: no serious or critical violation`,
  async run(t) {
    const page = await t.newPage({ viewport, colorScheme });
    const found = [];
    for (const [tab, tag] of TABS) {
      await t.open(`/#${tab}`, page);
      await page.locator(tag).first().waitFor({ timeout: 30_000 });
      if (colorScheme === 'dark' && (await page.getByRole('button', { name: 'Switch to dark theme' }).count())) await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      await t.settled(page, tab === 'start' || tab === 'editor' ? 800 : 3000);
      // also the moderate landmark rules the issue names: the tab strip inside a landmark, no duplicate landmarks
      const v = await t.axe(page, { also: ['region', 'landmark-unique', 'landmark-no-duplicate-main'] });
      await t.screenshot(`a11y-${tab}-${name}-${colorScheme}`, page);
      for (const x of v) found.push(`${tab}: ${x.id} (${x.impact}) ${x.help}\n    ${x.nodes.join('\n    ')}`);
    }
    t.assert(found.length === 0, `axe violations:\n${found.join('\n')}`);
  },
})));
