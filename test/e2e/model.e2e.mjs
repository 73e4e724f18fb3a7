// The Model tab end to end in Chromium's WebGPU (SwiftShader here): pick a generated Llama-style
// model's files, generate, see the text, the per-token figures and the per-op table with the chip
// model's predictions, open an op in the chip view, and get a link that names the model file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function writeTestModel(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-model-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/generate.ts', '--write-test-model', dir, ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not write the test model: ${r.stderr}`);
  return readdirSync(dir).map((n) => join(dir, n));
}

/** A tiny Llama GGUF whose vocabulary has ChatML's turn tokens and whose tokenizer.chat_template is ChatML's. */
function writeChatModel() {
  const path = join(mkdtempSync(join(tmpdir(), 'e2e-chat-')), 'chat-llama.gguf');
  const script = `import { writeFileSync } from 'node:fs';
import { writeGgufModel, TINY_LLAMA } from './src/llm/testmodel.ts';
const chatml = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
writeFileSync(${JSON.stringify(path)}, writeGgufModel({ ...TINY_LLAMA, vocab: 320, specials: ['<|im_start|>', '<|im_end|>'], chatTemplate: chatml }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not write the chat test model: ${r.stderr}`);
  return path;
}

/** Generates `n` tokens of `prompt` on the loaded model; returns the prompt's token count from the stats line. */
async function promptTokens(tab, prompt, n) {
  const box = tab.getByRole('textbox', { name: 'Prompt' });
  await box.fill(prompt);
  await box.dispatchEvent('change');
  const tokens = tab.getByLabel('Tokens', { exact: true });
  await tokens.fill(String(n));
  await tokens.dispatchEvent('change');
  await tab.getByRole('button', { name: 'Generate' }).click();
  await tab.getByText(/One decode step at position \d+, op by op/).waitFor({ timeout: 240_000 });
  const stats = await tab.locator('.stats').textContent();
  return Number(/prompt (\d+) tokens in/.exec(stats)?.[1]);
}

/** Opens the Model tab, loads `files`, generates `n` tokens and waits for the per-op table. */
async function loadAndGenerate(t, files, n) {
  await t.open('/');
  await t.page.locator('#tab-model').click();
  const tab = t.page.locator('jp-model-tab');
  await tab.locator('input[type=file]').setInputFiles(files);
  await tab.getByText(/Loaded model\.safetensors: llama/).waitFor({ timeout: 120_000 });
  const tokens = tab.getByLabel('Tokens', { exact: true });
  await tokens.fill(String(n));
  await tokens.dispatchEvent('change');
  await tab.getByRole('button', { name: 'Generate' }).click();
  await tab.getByText(/One decode step at position \d+, op by op/).waitFor({ timeout: 240_000 });
  return tab;
}

export const cases = [
  {
    name: 'model tab: load a safetensors model, generate, per-op table with predictions, open an op in the chip view',
    async run(t) {
      const tab = await loadAndGenerate(t, writeTestModel(), 6);
      const stats = await tab.locator('.stats').textContent();
      t.assert(/5 decode steps/.test(stats), `6 tokens = the prefill's + 5 decode steps: ${stats}`);
      t.assert(/tokens\/s/.test(stats) && /ms\/token median/.test(stats), `stats missing: ${stats}`);
      const head = await tab.locator('table').first().locator('th').allTextContents();
      t.assert(head.some((h) => /chip model/.test(h)), `no chip-model prediction column: ${head.join(' | ')}`);
      const rows = await tab.locator('table').first().locator('tbody tr').count();
      t.assert(rows >= 8, `expected a row per op family, got ${rows}`);
      // the caption says what the GPU here runs, from the loaded model: this f32 file's linears stay f32
      await tab.getByText(/as the Loaded line says\s+\(the GPU here keeps every linear in f32 and its KV cache in f32\), so their bytes/).waitFor({ timeout: 10_000 });
      // issue 23 item 4: each predicted time shows its split, and each preset's step split is written out
      const bars = await tab.locator('table').first().locator('td.pred jp-split-bar').count();
      t.assert(bars >= rows, `expected a split bar under the predicted times, got ${bars} for ${rows} rows`);
      const barName = await tab.locator('td.pred jp-split-bar').first().locator('[data-testid=split-bar]').getAttribute('aria-label');
      t.assert(/compute .* \+ memory .* \+ launch gap .* \+ collective/.test(barName ?? ''), `a split bar's name is not the four-part split: ${barName}`);
      const parts = await tab.locator('[data-testid=model-splits] [data-testid=split-parts]').allInnerTexts();
      t.assert(parts.length >= 2 && parts.every((x) => /compute/.test(x) && /memory/.test(x)), `no written step split per preset: ${parts.join(' | ')}`);
      await tab.locator('[data-testid=model-splits]').scrollIntoViewIfNeeded();
      await t.screenshot('issue23-model-desktop');
      await t.screenshot('model-tab');
      t.assert(/"?s=/.test(t.page.url()), 'the URL holds the state');
      await tab.locator('tr.op').first().click();
      await t.page.locator('#tab-chip[aria-selected="true"]').waitFor({ timeout: 30_000 });
      const errs = t.errors();
      t.assert(errs.length === 0, `console errors: ${errs.join('; ')}`);
    },
  },
  {
    // issue 24 item 7: each of these leaked one run's or one model's state into the next
    name: 'model tab on a 390 px phone: compile time apart, stats cleared when a run starts, int8 box reloads, no link warning or "sharer\'s run" without a link',
    async run(t) {
      const files = writeTestModel();
      const gguf = writeTestModel(['--arch', 'gpt2', '--format', 'gguf']);
      await t.page.setViewportSize({ width: 390, height: 844 });
      const tab = await loadAndGenerate(t, files, 3);
      const stats = await tab.locator('.stats').textContent();
      t.assert(/compiled in [\d.,]+ ms/.test(stats) && /prompt \d+ tokens in/.test(stats), `compile time apart from the prompt's: ${stats}`);
      // the per-op tables scroll in their own box: the page is no wider than the phone
      const width = await t.page.evaluate(() => document.documentElement.scrollWidth);
      t.assert(width <= 390, `the page is ${width} px wide on a 390 px screen`);
      // issue 23 item 4: the step splits are written out where a phone shows them (no hover), inside the screen
      const splits = tab.locator('[data-testid=model-splits]');
      await splits.scrollIntoViewIfNeeded();
      const box = await splits.boundingBox();
      t.assert(box && box.x >= 0 && box.x + box.width <= 390, `the step splits overflow a 390 px screen: ${JSON.stringify(box)}`);
      const written = await splits.locator('[data-testid=split-parts]').first().innerText();
      t.assert(/compute\s*[\d.]+\s*[nµm]?s/.test(written), `no numbers in the written step split: ${written}`);
      await t.screenshot('issue23-model-phone');
      // a second run starts with empty stats (not the first run's figures)
      await tab.getByRole('button', { name: 'Generate' }).click();
      await tab.locator('.stats').filter({ hasNotText: /stopped:/ }).waitFor({ timeout: 10_000 });
      await tab.getByText(/One decode step at position \d+, op by op/).waitFor({ timeout: 240_000 });
      // the int8 box applies to the loaded model: its weights are reloaded as int8
      await tab.getByLabel(/int8 weights/).check();
      // the weights line says what runs and the weight buffers' bytes
      await tab.getByText(/Loaded model\.safetensors: llama.*weights f32 → int8 \([\d.]+ [kKMG]?B\), [\d.]+ [kKMG]?B in all/).waitFor({ timeout: 120_000 });
      // another model after your own run: no link was opened, so no link warning and no sharer's run
      await tab.locator('input[type=file]').setInputFiles(gguf);
      await tab.getByText(/Loaded test-gpt2\.gguf: gpt2/).waitFor({ timeout: 120_000 });
      const text = await tab.textContent();
      t.assert(!/This link was made with/.test(text), `link warning without a link: ${text.slice(0, 300)}`);
      t.assert(!/sharer's run/.test(text), 'your own earlier run shown as the sharer\'s');
      t.assert((await t.page.getByText(/not the model the link was made with/).count()) === 0, 'a link toast without a link');
      const errs = t.errors();
      t.assert(errs.length === 0, `console errors: ${errs.join('; ')}`);
    },
  },
  {
    name: 'model tab without a model file: "Build a small model here" loads a generated f16 GGUF that runs, and its link tells the reader how to make the same model again',
    async run(t) {
      await t.open('/');
      await t.page.locator('#tab-model').click();
      const tab = t.page.locator('jp-model-tab');
      // what a dropped file may be, before one is dropped (the loader's own lists: src/llm/config.ts)
      await tab.getByText('Runs GGUF architectures llama, qwen2, qwen3, phi3, gemma3, gpt2 and config.json model types llama, mistral, qwen2, qwen3, phi3, gemma3_text, gpt2; another is refused with what it names.').waitFor({ timeout: 30_000 });
      await tab.getByRole('button', { name: 'Build a small model here' }).click();
      const loaded = tab.getByText(/Loaded generated-llama-demo\.gguf: llama, 3\.\d+ M parameters, weights f16 → f16 as stored/);
      await loaded.waitFor({ timeout: 120_000 });
      const fingerprint = await tab.locator('p code').first().textContent();
      const tokens = tab.getByLabel('Tokens', { exact: true });
      await tokens.fill('2');
      await tokens.dispatchEvent('change');
      await tab.getByRole('button', { name: 'Generate' }).click();
      await tab.getByText(/One decode step at position \d+, op by op/).waitFor({ timeout: 240_000 });
      const head = await tab.locator('table').first().locator('th').allTextContents();
      t.assert(head.some((h) => /chip model/.test(h)), `no chip-model prediction column: ${head.join(' | ')}`);
      // the prediction simulates the file's own f16 weights, and says so
      await tab.getByText(/Chip model columns:[\s\S]*the file's formats: attention f16, MLP f16; bf16 KV cache \(assumed/).waitFor({ timeout: 10_000 });
      // and what the GPU here runs otherwise, from the loaded model: the demo keeps every linear (its head too) as stored
      await tab.getByText(/as the Loaded line says\s+\(the GPU here keeps every linear as stored and its KV cache in f32\), so their bytes/).waitFor({ timeout: 10_000 });
      await t.screenshot('model-tab-generated');
      // the link names the generated file; a reader is told to press the button, and the same bytes come back
      const url = t.page.url();
      t.assert(/[#&]s=/.test(url), `the URL holds no state: ${url}`);
      const page2 = await t.newPage({});
      await page2.goto(url);
      const tab2 = page2.locator('jp-model-tab');
      await tab2.getByText(/This link was made with generated-llama-demo\.gguf.*Press "Build a small model here" below to make it again/).waitFor({ timeout: 30_000 });
      await tab2.getByRole('button', { name: 'Build a small model here' }).click();
      await tab2.getByText(/Loaded generated-llama-demo\.gguf/).waitFor({ timeout: 120_000 });
      const fingerprint2 = await tab2.locator('p code').last().textContent();
      t.assert(fingerprint2 === fingerprint, `the rebuilt model's fingerprint ${fingerprint2} is not the link's ${fingerprint}`);
      await tab2.getByText(/This link was made with/).waitFor({ state: 'detached', timeout: 10_000 });
      const errs = [...t.errors(), ...t.errors(page2)];
      t.assert(errs.length === 0, `console errors: ${errs.join('; ')}`);
    },
  },
  {
    name: 'model tab: a GGUF with a chat template offers the chat option (on, naming the template), the prompt runs through it, and the link carries the option',
    async run(t) {
      const file = writeChatModel();
      await t.open('/');
      await t.page.locator('#tab-model').click();
      const tab = t.page.locator('jp-model-tab');
      await tab.locator('input[type=file]').setInputFiles([file]);
      await tab.getByText(/Loaded chat-llama\.gguf: .*chat template: ChatML \(GGUF tokenizer\.chat_template\)/).waitFor({ timeout: 120_000 });
      const option = tab.getByTestId('chat-option');
      t.assert(await option.isChecked(), 'the chat option is not on by default for a model with a template');
      await tab.getByText(/Chat: apply the model's template \(ChatML \(GGUF tokenizer\.chat_template\)\)/).waitFor({ timeout: 10_000 });
      await t.screenshot('model-tab-chat');
      // "hello" as one ChatML user turn: <|im_start|> user\n hello <|im_end|> \n <|im_start|> assistant\n, more tokens than "hello"
      const withChat = await promptTokens(tab, 'hello', 2);
      await option.uncheck();
      const raw = await promptTokens(tab, 'hello', 2);
      t.assert(raw >= 1 && withChat >= raw + 6, `the chat prompt has ${withChat} tokens, the raw prompt ${raw}`);
      // the link carries the option: a receiver who loads the same file gets it off
      const url = t.page.url();
      t.assert(/[#&]s=/.test(url), `the URL holds no state: ${url}`);
      const page2 = await t.newPage({});
      await page2.goto(url);
      const tab2 = page2.locator('jp-model-tab');
      await tab2.locator('input[type=file]').setInputFiles([file]);
      await tab2.getByText(/Loaded chat-llama\.gguf/).waitFor({ timeout: 120_000 });
      t.assert(!(await tab2.getByTestId('chat-option').isChecked()), 'the link\'s chat option (off) did not travel');
      const errs = [...t.errors(), ...t.errors(page2)];
      t.assert(errs.length === 0, `console errors: ${errs.join('; ')}`);
    },
  },
];
