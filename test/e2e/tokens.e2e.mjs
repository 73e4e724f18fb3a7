// The Tokens tab: inputs limited to what the model accepts with a clear message past them
// (issue #10 defect 4), presets that do not fit say so instead of showing numbers (13), and the
// view at 1440x900 and 390x844 (table scrolls inside its card, focus visible).
import { SIZES, assertFocusVisible, assertNoPageOverflow, linkWith, openTab, simulated, stateOf } from './h5a-helpers.mjs';

const q = (page, sel) => page.locator(`jp-tokens-tab ${sel}`);

export const cases = [
  {
    name: 'in-flight batching (issue 26.3): the phase button, prompt / output / max batch inputs, each preset\'s batch and carried prefill, output tokens/s; a link keeps it',
    async run(t) {
      await openTab(t, t.page, '/', 'Tokens', 'jp-tokens-tab');
      await q(t.page, '[data-testid=token-table] td.num').first().waitFor({ timeout: 60_000 });
      const decodeText = await q(t.page, '[data-testid=batching]').innerText();
      t.assert(/^Batching: static \(one sequence decodes/.test(decodeText), `decode batching text: ${decodeText}`);
      await t.page.getByRole('button', { name: 'in-flight' }).click();
      await q(t.page, '#in-osl').waitFor();
      t.assert((await q(t.page, '#in-context').count()) === 0, 'the context input shows under in-flight batching (the steady state sets it)');
      // a decode state's one token becomes 128-token prompts on the switch
      t.assert(await q(t.page, '#in-tokens').inputValue() === '128', `prompt tokens after the switch: ${await q(t.page, '#in-tokens').inputValue()}`);
      await q(t.page, '#in-batch').fill('64');
      await q(t.page, '#in-batch').press('Tab');
      await q(t.page, '[data-testid=mechanisms]').getByText(/64 sequences decoding/).first().waitFor({ timeout: 60_000 });
      const s = (await stateOf(t.page)).model;
      t.assert(s.phase === 'inflight' && s.tokens === 128 && s.batch === 64, `state: ${JSON.stringify(s)}`);
      const text = await q(t.page, '[data-testid=batching]').innerText();
      t.assert(/^Batching: in-flight, as TensorRT-LLM and vLLM serve requests of 128 prompt and 128 output tokens/.test(text), `batching text: ${text}`);
      const mech = await q(t.page, '[data-testid=mechanisms]').innerText();
      // 64 sequences carry 64 x 128 / 127 = 65 prefill tokens per step where the max batch binds (the H100 holds them)
      t.assert(/H100[^\n]*in-flight batching: 64 sequences decoding at mean context 192 \+ 65 prefill tokens of 128-token prompts per step \(batch set by the stack's max batch/.test(mech), `mechanisms: ${mech}`);
      const h100 = await q(t.page, '[data-testid=token-table] tbody tr[data-preset=h100] td.num').allInnerTexts();
      t.assert(h100.length >= 2 && Number(h100[1].replace(/,/g, '')) > 0, `H100 row: ${h100}`);
      await q(t.page, '[data-testid=mechanisms]').scrollIntoViewIfNeeded();
      await t.screenshot('tokens-inflight');
      const axe = await t.axe(t.page);
      t.assert(axe.length === 0, `axe on the in-flight view: ${axe.map((x) => `${x.id}: ${x.help}`).join('; ')}`);
      const link = await linkWith(t.page, (x) => x);
      const p = await t.newPage();
      await p.goto(link);
      await q(p, '[data-testid=mechanisms] li').first().waitFor({ timeout: 60_000 });
      t.assert((await q(p, '#in-osl').count()) === 1, 'the link lost the in-flight phase');
      t.assert(t.errors(t.page).length === 0, `console errors:\n${t.errors(t.page).join('\n')}`);
    },
  },
  {
    name: 'power figures beside the Power column: static power and its parts, "assumed" marked, the per-W verdict from the rows on screen (issue 25.1)',
    async run(t) {
      await openTab(t, t.page, '/', 'Tokens', 'jp-tokens-tab');
      await q(t.page, '[data-testid=perw-verdict]').waitFor({ timeout: 60_000 });
      const rowOf = async (id) => q(t.page, `[data-testid=token-table] tbody tr[data-preset=${id}] td.num`).allInnerTexts();
      const [chip, gpu] = [await rowOf('jalapeno'), await rowOf('h100')];
      const verdict = await q(t.page, '[data-testid=perw-verdict]').innerText();
      // columns: latency, tokens/s, J/token, tokens/s per W, power
      const n = (s) => Number(s.replace(/,/g, ''));
      t.assert(verdict.includes(`Jalapeño-class ${chip[4]} W per chip`) && verdict.includes(`H100 ${gpu[4]} W per chip`), `verdict powers differ from the Power column (${chip[4]}, ${gpu[4]}): ${verdict}`);
      const ratio = Number(/([\d.]+)x as modelled/.exec(verdict)?.[1]);
      const fromTable = n(chip[3]) / n(gpu[3]);
      t.assert(Math.abs(ratio / fromTable - 1) < 0.01, `verdict ratio ${ratio} vs the table's tokens/s per W ${chip[3]} / ${gpu[3]} = ${fromTable.toFixed(3)}`);
      t.assert(/with the Jalapeño-class at its whole 300 W board power/.test(verdict) && /without its \d+ W execution baseline/.test(verdict), `the verdict does not move its assumptions: ${verdict}`);
      const basis = await q(t.page, '[data-testid=power-basis]').innerText();
      t.assert(/H100[^\n]*idle, assumed \+ \d+ W execution baseline[^\n]*board 700 W/.test(basis), `H100 power figures: ${basis}`);
      t.assert(basis.includes(`NVIDIA H100 SXM: ${gpu[4]} W per chip = `) && /\d+ W static \+ [\d.]+ W HBM \+ [\d.]+ W other counted events/.test(basis), `the H100's power split (Power column ${gpu[4]} W): ${basis}`);
      t.assert(/Jalapeño-class[^\n]*static 40 W \(40 W static, assumed\)[^\n]*board 300 W/.test(basis), `Jalapeño power figures: ${basis}`);
      t.assert(t.errors(t.page).length === 0, `console errors:\n${t.errors(t.page).join('\n')}`);
    },
  },
  {
    name: 'batch past the model limit: a message at the field, no internal errors, state unchanged (defect 4)',
    async run(t) {
      await openTab(t, t.page, '/', 'Tokens', 'jp-tokens-tab');
      await q(t.page, '[data-testid=token-table] td.num').first().waitFor({ timeout: 60_000 });
      const max = Number(await q(t.page, '#in-batch').getAttribute('max'));
      // the rows a projection takes (one per sequence), not the 1,024 of one decode-attention dispatch
      t.assert(max === 65536, `decode batch max should be the model's 65536, got ${max}`);
      await q(t.page, '#in-batch').fill('70000');
      await q(t.page, '#in-batch').press('Tab');
      await q(t.page, '#err-batch').waitFor();
      const msg = await q(t.page, '#err-batch').innerText();
      t.assert(/at most 65,536 sequences/.test(msg) && /row of every projection/.test(msg) && /70,000/.test(msg), `field message: ${msg}`);
      t.assert((await stateOf(t.page)).model.batch === 1, 'an out-of-range batch reached the state');
      const table = await q(t.page, '[data-testid=token-table]').innerText();
      t.assert(!/must be in \[/.test(table), `internal messages in the table: ${table}`);
      // A link the schema allows but the model refuses (a 512-token prefill of batch 4096: 2,097,152 rows): one clear message, nothing simulated.
      const link = await linkWith(t.page, (s) => ({ ...s, tab: 'tokens', model: { ...s.model, phase: 'prefill', tokens: 512, batch: 4096 } }));
      const p = await t.newPage();
      await p.goto(link);
      await q(p, '#input-problems').waitFor({ timeout: 30_000 });
      const text = await q(p, '#input-problems').innerText();
      t.assert(/2,097,152 rows/.test(text) && !/4294967296|must be in \[/.test(text), `link message: ${text}`);
      t.assert((await q(p, '[data-testid=token-table]').count()) === 0, 'rows simulated for an invalid link');
      // prefill: tokens × batch is capped across fields
      await q(t.page, '#in-batch').fill('1');
      await q(t.page, '#in-batch').press('Tab');
      await t.page.getByRole('button', { name: 'prefill' }).click();
      await q(t.page, '#in-tokens').fill('4096');
      await q(t.page, '#in-tokens').press('Tab');
      await q(t.page, '#in-batch').fill('17');
      await q(t.page, '#in-batch').press('Tab');
      await q(t.page, '#err-batch').waitFor();
      t.assert(/rows/.test(await q(t.page, '#err-batch').innerText()), 'prefill row limit not explained');
      t.assert(t.errors(t.page).length === 0 && t.errors(p).length === 0, `console errors: ${[...t.errors(t.page), ...t.errors(p)].join('\n')}`);
    },
  },
  {
    name: 'presets that cannot hold the model show "Does not fit", not numbers (defect 13)',
    async run(t) {
      await openTab(t, t.page, '/', 'Tokens', 'jp-tokens-tab');
      await q(t.page, '[data-testid=token-table] td.num').first().waitFor({ timeout: 60_000 });
      await t.page.waitForFunction(() => !/Simulating/.test(document.querySelector('jp-app').shadowRoot.querySelector('jp-tokens-tab').shadowRoot.querySelector('.status')?.textContent ?? ''));
      const rows = q(t.page, '[data-testid=token-table] tbody tr');
      const n = await rows.count();
      let nofit = 0;
      for (let i = 0; i < n; i++) {
        const row = rows.nth(i);
        const head = await row.locator('th').innerText();
        const cells = await row.locator('td.num').allInnerTexts();
        if ((await row.locator('[data-testid=nofit]').count()) > 0) {
          nofit++;
          t.assert(cells.length === 0, `a row that does not fit shows numbers: ${head} ${cells.join(' | ')}`);
          const why = await row.locator('[data-testid=nofit]').innerText();
          t.assert(/Does not fit on 1 chip: .*(exceed|capacity)/.test(why), `no reason given: ${why}`);
        } else {
          t.assert(cells.length >= 4 && cells.every((c) => /\d/.test(c)), `row ${head} has no numbers: ${cells.join(' | ')}`);
        }
      }
      // Llama-3-8B in bf16 (16 GB) does not fit one 12 GB Wormhole n150 or an SRAM-only LPU.
      t.assert(nofit >= 1, 'expected at least one preset that cannot hold Llama-3-8B on one chip');
      // With two chips (tensor parallel) Llama-3-8B fits a 12 GB Wormhole n150 pair, and numbers appear.
      // The Chips field offers only counts the model accepts: divisors of its 32 heads, then 32 x stages.
      const offered = (await q(t.page, '#in-chips option').allInnerTexts()).slice(1).map(Number);
      t.assert(offered.slice(0, 6).join(',') === '1,2,4,8,16,32' && offered.every((c) => c % 32 === 0 || 32 % c === 0), `chip choices: ${offered.join(',')}`);
      await q(t.page, '#in-chips').selectOption('2');
      await t.page.waitForFunction(() => document.querySelector('jp-app').appState.model.chips === 2);
      await simulated(t.page, 'jp-tokens-tab');
      t.assert((await q(t.page, '[data-testid=nofit]').count()) < nofit, 'more chips did not make more presets fit');
      // 64 chips: 32 tensor-parallel x 2 stages, said next to the field; presets that stop at fewer chips say so in their row
      await q(t.page, '#in-chips').selectOption('64');
      await t.page.waitForFunction(() => document.querySelector('jp-app').appState.model.chips === 64);
      t.assert(/32 tensor-parallel × 2 pipeline stages/.test(await q(t.page, '[data-testid=chips-note]').innerText()), 'no stages note');
      await simulated(t.page, 'jp-tokens-tab');
      const h100 = await q(t.page, '[data-testid=token-table] tr[data-preset=h100]').innerText();
      t.assert(/scales out to at most 8 chips/.test(h100) && !/maxChips/.test(h100), `H100 row at 64 chips: ${h100}`);
      // "fewest that hold the model": every preset, the SRAM-only LPU included, runs Llama-3-8B
      await q(t.page, '#in-chips').selectOption('0');
      await t.page.waitForFunction(() => document.querySelector('jp-app').appState.model.chips === 0);
      await simulated(t.page, 'jp-tokens-tab');
      t.assert((await q(t.page, '[data-testid=nofit]').count()) === 0, 'a preset does not fit with the fewest chips that hold the model');
      const groq = await q(t.page, '[data-testid=token-table] tr[data-preset=groq-lpu]').innerText();
      t.assert(/\d/.test(groq) && !/not simulated|invalid/i.test(groq), `Groq row: ${groq}`);
      // a refused typed value (past the 65,536 rows a projection takes) marks the old table stale
      await q(t.page, '#in-batch').fill('70000');
      await q(t.page, '#in-batch').press('Tab');
      await q(t.page, 'section[data-stale=true]').waitFor({ timeout: 5000 });
      // context is bounded by the model's positions (Llama 3 8B: 8,192)
      await q(t.page, '#in-context').fill('1048576');
      await q(t.page, '#in-context').press('Tab');
      t.assert(/8,192 positions/.test(await q(t.page, '#err-context').innerText()), 'context not limited to the model maximum');
    },
  },
  ...SIZES.map(({ name, viewport }) => ({
    name: `looks right at ${viewport.width}x${viewport.height}: numbers, table scrolls in its card, focus visible`,
    async run(t) {
      const p = await t.newPage({ viewport });
      await openTab(t, p, '/', 'Tokens', 'jp-tokens-tab');
      await q(p, '[data-testid=token-table] td.num').first().waitFor({ timeout: 60_000 });
      await simulated(p, 'jp-tokens-tab');
      const first = await q(p, '[data-testid=token-table] tbody tr').first().innerText();
      t.assert(/\d/.test(first), `first row: ${first}`);
      await assertNoPageOverflow(t, p, `tokens at ${viewport.width}`);
      const box = await q(p, '.table-scroll').first().evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth, card: el.closest('.card').clientWidth }));
      t.assert(box.client <= box.card, `the table box (${box.client}) is wider than its card (${box.card})`);
      await t.screenshot(`h5a-tokens-${name}`, p);
      await assertFocusVisible(t, p, 'jp-tokens-tab', 18);
      t.assert(t.errors(p).length === 0, `console errors:\n${t.errors(p).join('\n')}`);
    },
  })),
];
