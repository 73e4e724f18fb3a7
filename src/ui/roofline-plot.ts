// <jp-roofline>: a log-log roofline (arithmetic intensity in FLOP per HBM byte vs FLOP/s) with one
// roof per chip preset (solid: the datatype of the chosen kernel; dashed: the chip's other
// datatype peaks), the chosen kernel/shape simulated on every preset as predicted points, and the
// user's own bench runs (and a shared link's runs) as measured points. Drawn with uPlot.

import { LitElement, css, html, nothing, unsafeCSS } from 'lit';
import { formStyles } from './styles.ts';
import { customElement, property, state } from 'lit/decorators.js';
import { Task, TaskStatus } from '@lit/task';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { ApiRemote } from '../worker/client.ts';
import type { BenchOk, KernelInfo } from '../worker/api.ts';
import type { ChipConfig, ChipPreset, MacDType, SimResult } from '../chip/types.ts';
import type { ChipState, Results } from '../share/state.ts';
import type { OpCost } from '../models/cost.ts';
import type { KernelCost } from '../models/kernel-cost.ts';
import { formatDuration, formatPercent } from './format.ts';
import { emitStateChange } from './events.ts';
import './kernel-picker.ts';
import type { PickerChange } from './kernel-picker.ts';
import {
  achievableRoof, attainable, axisRange, distinctRoofs, dominantDtype, fmtFlops, intensityGrid, measuredPoint, overrideText, placeLabels, predictedPoint, ridgeIntensity, roofOf, withOverride,
  layoutRoofLabels, sameSlope, tilesUsed, type Roof, type RooflinePoint,
} from './roofline-math.ts';

/** One colour per chip preset, in preset order (mid-tones: legible on light and dark surfaces). */
export const PRESET_COLORS = ['#e4572e', '#2e86de', '#17a589', '#9b59b6', '#d4a017', '#7f8c8d'];
const MEASURED_COLOR = '#ec4899';
const DTYPE_LABEL: Record<MacDType, string> = { int8: 'int8', fp16: 'bf16', fp32: 'f32' };

interface PresetSim {
  preset: ChipPreset;
  /** The preset's configuration with the Chip tab's grid / MAC-array overrides when it is the Chip tab's preset. */
  config: ChipConfig;
  /** The preset's label, with the override named ("Jalapeño-class (8×8 tiles)"). */
  label: string;
  /** The label without its parenthesis, with the override: the point's name ("NVIDIA H100 SXM", "Jalapeño-class (8×8 tiles)"). */
  name: string;
  /** Short name for the roof label ("H100 SXM", "Jalapeño-class 8×8 tiles"). */
  short: string;
  /** The kernel's run on the preset's achievable-bandwidth chip (its bytes, passes, datatype). */
  sim: SimResult | null;
  /** The op the point stands for: the raw plan costed by the one per-op cost model (simulateKernel 'raw'). */
  op: OpCost | null;
  /** The same shape as a deployment on the preset runs it, and why the raw plan's time differs from it. */
  deployed?: KernelCost['deployed'];
  error?: string;
}

interface PlotPoint extends RooflinePoint {
  /** 1-based number drawn beside the point and shown in the table. */
  n: number;
  color: string;
  /** Fraction of the roof at this intensity (predicted points only). */
  ofRoof?: number;
  /** Fraction of the roof the tiles this plan can use reach (predicted points only). */
  ofUsedRoof?: number;
  tiles?: { used: number; total: number };
  bound?: string;
  shared?: boolean;
  /** Predicted points: the raw plan's op cost and the same shape as deployed. */
  op?: OpCost;
  deployed?: KernelCost['deployed'];
}

@customElement('jp-roofline')
export class JpRoofline extends LitElement {
  /** The worker facade (Comlink remote). */
  @property({ attribute: false }) api?: ApiRemote;
  /** The chip slice of the share state: its kernel, variant, params and dataflow pick the predicted points. */
  @property({ attribute: false }) state?: ChipState;
  /** The user's own bench runs on this page (measured points); the shell passes every tab `.benchResults`. */
  @property({ attribute: false }) benchResults: BenchOk[] = [];
  /** A shared link's results (measured on the sharer's device), drawn hollow. */
  @property({ attribute: false }) results?: Results;

  private listsTask = new Task(this, {
    task: async ([api]: readonly [ApiRemote | undefined]) => {
      if (!api) return null;
      const [chips, kernels] = await Promise.all([api.listChips(), api.listKernels()]);
      return { chips, kernels };
    },
    args: () => [this.api] as const,
  });

  /** The chosen kernel on every preset; Task drops the answers of superseded configurations. */
  private simTask = new Task(this, {
    task: async ([api, key]: readonly [ApiRemote | undefined, string]): Promise<{ sims: PresetSim[]; planCost: { flops: number; ioBytes: number } | null; error: string | null } | null> => {
      void key;
      const s = this.state;
      const chips = this.chips;
      if (!api || !s || !chips.length) return null;
      const check = await api.checkParams(s.kernel, s.variant, s.params);
      if (check.status !== 'ok') return { sims: [], planCost: null, error: check.message };
      const sims = await Promise.all(
        chips.map(async (preset): Promise<PresetSim> => {
          // The Chip tab's grid / MAC-array overrides belong to its preset: that preset's roofs and point use them.
          const override = preset.id === s.preset ? { grid: s.grid, array: s.array } : undefined;
          const config = withOverride(preset.config, override);
          const named = overrideText(preset.config, override);
          const plain = preset.label.replace(/\s*\(.*\)$/, '');
          const base = { preset, config, label: named ? `${plain} (${named})` : preset.label, name: named ? `${plain} (${named})` : plain, short: `${plain.split(' ').slice(-2).join(' ')}${named ? ` ${named}` : ''}` };
          try {
            const choice = named ? { preset: preset.id, grid: s.grid, array: s.array } : preset.id;
            // the raw plan costed as every kernel view and every model op is (achievable HBM, memory ramp, launch gap)
            const o = await api.simulateKernel(choice, s.kernel, s.variant, s.params, { as: 'raw', withDeployed: true, dataflow: s.dataflow as 'output-stationary', maxTraceEvents: 0 });
            return o.status === 'ok' ? { ...base, sim: o.result.cost.sim, op: o.result.cost, deployed: o.result.deployed } : { ...base, sim: null, op: null, error: o.message };
          } catch (e) {
            return { ...base, sim: null, op: null, error: (e as Error).message };
          }
        }),
      );
      return { sims, planCost: { flops: check.flops, ioBytes: check.ioBytes }, error: null };
    },
    args: () => [this.api, JSON.stringify([this.state?.kernel, this.state?.variant, this.state?.params, this.state?.dataflow, this.state?.preset, this.state?.grid, this.state?.array, this.chips.map((c) => c.id)])] as const,
  });

  private get chips(): ChipPreset[] {
    return this.listsTask.value?.chips ?? [];
  }
  private get kernels(): KernelInfo[] {
    return this.listsTask.value?.kernels ?? [];
  }
  private get sims(): PresetSim[] {
    return this.simTask.value?.sims ?? [];
  }
  private get planCost(): { flops: number; ioBytes: number } | null {
    return this.simTask.value?.planCost ?? null;
  }
  private get error(): string | null {
    return this.simTask.status === TaskStatus.ERROR ? String(this.simTask.error) : (this.simTask.value?.error ?? null);
  }
  private get busy(): boolean {
    return this.simTask.status === TaskStatus.PENDING;
  }
  /** The simulations the plot was last drawn from. */
  private drawnFrom: unknown = undefined;
  @state() private hover: { x: number; y: number; text: string } | null = null;
  private plot: uPlot | null = null;
  private resize = new ResizeObserver(() => this.sizePlot());
  private themeWatch = new MutationObserver(() => this.drawPlot());

  static override styles = [
    unsafeCSS(uplotCss),
    formStyles,
    css`
      :host { display: block; color: var(--jp-text); }
      .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 12px 14px; box-shadow: var(--jp-shadow); margin-bottom: var(--jp-gap); }
      form { display: flex; flex-wrap: wrap; gap: 10px 12px; align-items: end; }
      input[type='number'] { width: 78px; }
      .status { color: var(--jp-muted); font-size: 0.85rem; margin-left: auto; }
      h2 { font-size: 1rem; margin: 0 0 6px; }
      .plotwrap { position: relative; }
      .plot { width: 100%; min-height: 420px; }
      .tip { position: absolute; pointer-events: none; background: var(--jp-surface); color: var(--jp-text); border: 1px solid var(--jp-border); border-radius: 6px; padding: 4px 8px; font-size: 0.8rem; box-shadow: var(--jp-shadow); white-space: pre; z-index: 2; }
      .legend { display: flex; gap: 6px 16px; flex-wrap: wrap; font-size: 0.82rem; color: var(--jp-muted); margin: 8px 0 0; padding: 0; list-style: none; }
      .sw { display: inline-block; width: 18px; height: 3px; vertical-align: 3px; margin-right: 5px; }
      .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; }
      .dia { display: inline-block; width: 8px; height: 8px; transform: rotate(45deg); margin-right: 6px; vertical-align: 0; }
      .scroll { overflow-x: auto; max-width: 100%; }
      table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
      th, td { padding: 4px 8px; border-bottom: 1px solid var(--jp-border); text-align: right; white-space: nowrap; }
      th:first-child, td:first-child { text-align: left; }
      thead th { color: var(--jp-muted); font-weight: 600; font-size: 0.8rem; }
      td.num { font-family: var(--jp-mono); font-variant-numeric: tabular-nums; }
      .whatif { margin-left: 6px; padding: 0 6px; border-radius: 10px; font-size: 0.72rem; font-weight: 600; border: 1px dashed var(--jp-accent); color: var(--jp-accent); }
      .msg { color: var(--jp-muted); font-size: 0.85rem; margin: 6px 0 0; }
      .err { color: var(--jp-error); background: var(--jp-error-bg); border-radius: 6px; padding: 6px 10px; }
      /* uPlot's canvas labels come from our own draw hook; its legend is off. */
      .u-legend { display: none; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  }

  override disconnectedCallback(): void {
    this.resize.disconnect();
    this.themeWatch.disconnect();
    this.plot?.destroy();
    this.plot = null;
    super.disconnectedCallback();
  }

  override updated(changed: Map<string, unknown>): void {
    const div = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (div && !this.plot) this.resize.observe(div);
    if (this.simTask.value !== this.drawnFrom || changed.has('benchResults') || changed.has('results') || (div && !this.plot && this.sims.length)) {
      this.drawnFrom = this.simTask.value;
      this.drawPlot();
    }
  }

  private patch(p: Partial<ChipState>): void {
    emitStateChange<'chip'>(this, p);
  }

  /** The kernel's datatype as the chip model saw it (from the first successful simulation). */
  private get dtype(): MacDType {
    const s = this.sims.find((x) => x.sim);
    return s?.sim ? dominantDtype(s.sim) : 'fp32';
  }

  private collectPoints(): PlotPoint[] {
    const pts: PlotPoint[] = [];
    const cost = this.planCost;
    const dtype = this.dtype;
    this.sims.forEach((x, i) => {
      if (!x.sim || !x.op || !cost) return;
      const p = predictedPoint(x.name, { timeS: x.op.timeS, bytes: x.sim.bytes }, cost.flops, cost.ioBytes);
      if (!p) return;
      const roof = roofOf(x.config, dtype);
      const total = x.config.grid.rows * x.config.grid.cols;
      const used = tilesUsed(x.sim, total);
      const usedRoof: Roof = { ...roof, peakFlops: (roof.peakFlops * used) / total };
      pts.push({
        ...p, n: pts.length + 1, color: PRESET_COLORS[i % PRESET_COLORS.length], bound: x.op.bound, op: x.op, deployed: x.deployed, tiles: { used, total },
        ofRoof: p.flops / attainable(roof, p.intensity), ofUsedRoof: used > 0 ? p.flops / attainable(usedRoof, p.intensity) : undefined,
      });
    });
    for (const r of this.benchResults ?? []) {
      const p = measuredPoint(`${r.kernel}/${r.variant} ${r.shape} (this GPU)`, r);
      if (p) pts.push({ ...p, n: pts.length + 1, color: MEASURED_COLOR });
    }
    for (const r of this.results?.rows ?? []) {
      const p = measuredPoint(`${r.kernel}/${r.variant} ${r.shape} (shared: ${this.results!.device})`, r);
      if (p) pts.push({ ...p, n: pts.length + 1, color: MEASURED_COLOR, shared: true });
    }
    return pts;
  }

  /** Presets whose memory roofs coincide on the plot (bandwidths within 5%), as label groups. */
  private sharedSlopes(): string[][] {
    const groups: Array<{ bw: number; names: string[] }> = [];
    for (const x of this.sims) {
      const bw = x.preset.config.hbm.bandwidthBytesPerS;
      if (!(bw > 0)) continue;
      const g = groups.find((o) => sameSlope(o.bw, bw));
      const name = x.name;
      if (g) g.names.push(name);
      else groups.push({ bw, names: [name] });
    }
    return groups.filter((g) => g.names.length > 1).map((g) => g.names);
  }

  private sizePlot(): void {
    const div = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (this.plot && div) this.plot.setSize({ width: Math.max(240, div.clientWidth), height: this.plotHeight() });
  }

  private plotHeight(): number {
    return Math.max(340, Math.min(480, window.innerHeight - 330));
  }

  private drawPlot(): void {
    const div = this.renderRoot.querySelector<HTMLElement>('.plot');
    this.plot?.destroy();
    this.plot = null;
    if (!div || !this.sims.length) return;
    const cs = getComputedStyle(this);
    const text = cs.getPropertyValue('--jp-text').trim() || '#222';
    const muted = cs.getPropertyValue('--jp-muted').trim() || '#666';
    const grid = cs.getPropertyValue('--jp-border').trim() || '#ddd';
    const surface = cs.getPropertyValue('--jp-surface').trim() || '#fff';
    const font = `12px ${cs.getPropertyValue('--jp-font').trim() || 'sans-serif'}`;
    const dtype = this.dtype;
    const roofs: Array<{ roof: Roof; color: string; main: boolean; achievable?: boolean; name: string; short: string }> = [];
    this.sims.forEach((x, i) => {
      const color = PRESET_COLORS[i % PRESET_COLORS.length];
      const main = roofOf(x.config, dtype);
      const short = x.short;
      roofs.push({ roof: main, color, main: true, name: x.label, short });
      const sustained = achievableRoof(x.config, dtype);
      if (sustained) roofs.push({ roof: sustained, color, main: false, achievable: true, name: `${x.label} sustained`, short });
      for (const r of distinctRoofs(x.config)) if (r.peakFlops !== main.peakFlops) roofs.push({ roof: r, color, main: false, name: x.label, short });
    });
    const pts = this.collectPoints();
    const range = axisRange(roofs.map((r) => r.roof), pts);
    const xs = intensityGrid(range.x[0], range.x[1], 80, [...roofs.map((r) => ridgeIntensity(r.roof)), ...pts.map((p) => p.intensity)]);
    const near = (v: number) => xs.findIndex((x) => Math.abs(x / v - 1) < 1e-8);
    const data: Array<Array<number | null>> = [xs];
    const series: uPlot.Series[] = [{}];
    // A main roof whose slope coincides with one drawn before it is dashed, so both colours show.
    const drawnSlopes: number[] = [];
    for (const r of roofs) {
      data.push(xs.map((x) => attainable(r.roof, x)));
      const over = r.main && drawnSlopes.some((bw) => sameSlope(bw, r.roof.bytesPerS));
      if (r.main && r.roof.bytesPerS > 0) drawnSlopes.push(r.roof.bytesPerS);
      series.push({ label: `${r.name} ${DTYPE_LABEL[r.roof.dtype]}`, stroke: r.color, width: r.main ? 2.5 : 1.2, dash: r.achievable ? [2, 4] : !r.main ? [6, 5] : over ? [10, 10] : undefined, points: { show: false } });
    }
    for (const p of pts) {
      const col = new Array<number | null>(xs.length).fill(null);
      const j = near(p.intensity);
      if (j >= 0) col[j] = p.flops;
      data.push(col);
      series.push({
        label: p.label,
        stroke: p.color,
        paths: () => null,
        points: { show: true, size: p.kind === 'measured' ? 11 : 10, width: 2, fill: p.shared ? surface : p.color, stroke: p.kind === 'measured' ? text : p.color },
      });
    }
    const fmtAxis = (v: number | null) => {
      if (v == null || !Number.isFinite(v)) return '';
      const units: Array<[number, string]> = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
      for (const [s, u] of units) if (v >= s) return `${+(v / s).toPrecision(3)}${u}`;
      return `${+v.toPrecision(3)}`;
    };
    // Grid lines and labels at powers of ten only (uPlot's log axes add every minor step).
    const decades = (_u: uPlot, _i: number, min: number, max: number) => {
      const out: number[] = [];
      for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) out.push(10 ** e);
      return out;
    };
    const firstPoint = 1 + roofs.length;
    const opts: uPlot.Options = {
      width: Math.max(240, div.clientWidth),
      height: this.plotHeight(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { distr: 3, log: 10, range: range.x }, y: { distr: 3, log: 10, range: range.y } },
      axes: [
        { label: 'Arithmetic intensity (FLOP per HBM byte)', stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, font, labelFont: font, splits: decades, values: (_u, sp) => sp.map(fmtAxis) },
        { label: 'Achieved FLOP/s', stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, font, labelFont: font, size: 60, splits: decades, values: (_u, sp) => sp.map(fmtAxis) },
      ],
      series,
      hooks: {
        draw: [
          (u) => {
            // Number each point right beside it (the table names it), and each main roof at the
            // right edge, spread so no two labels overprint (a leader line when moved).
            const g = u.ctx;
            const dpr = devicePixelRatio || 1;
            g.save();
            g.font = `${11 * dpr}px ${cs.getPropertyValue('--jp-font').trim() || 'sans-serif'}`;
            g.textBaseline = 'middle';
            const right = u.bbox.left + u.bbox.width - 4 * dpr;
            // Every compute roof gets a label (its datatype and peak; the main roof also its chip), laid
            // out so coinciding roofs stack instead of overprinting (a leader line when moved).
            // A narrow plot (a phone) labels only each chip's main roof, with the chip's short name and
            // no peak (the table below has it), so the labels name their chip and leave the plot visible.
            const wide = u.bbox.width / dpr >= 480;
            const labelled = roofs.filter((r) => !r.achievable && (wide || r.main));
            if (!wide) g.font = `${10 * dpr}px ${cs.getPropertyValue('--jp-font').trim() || 'sans-serif'}`;
            const texts = labelled.map((r) => (wide ? `${r.main ? `${r.short} ` : ''}${DTYPE_LABEL[r.roof.dtype]} ${fmtFlops(r.roof.peakFlops)}` : `${r.short} ${DTYPE_LABEL[r.roof.dtype]}`));
            const lh = (wide ? 14 : 12) * dpr;
            const wantY = labelled.map((r) => u.valToPos(r.roof.peakFlops, 'y', true) - lh);
            const roofBoxes = layoutRoofLabels(
              labelled.map((_, k) => ({ y: wantY[k], w: g.measureText(texts[k]).width + 4 * dpr })),
              lh, 2 * dpr, u.bbox.top + 2 * dpr, u.bbox.top + u.bbox.height - 2 * dpr, right + 2 * dpr, u.bbox.left,
            );
            labelled.forEach((r, k) => {
              const b = roofBoxes[k];
              const w = g.measureText(texts[k]).width + 4 * dpr;
              g.textAlign = 'right';
              g.fillStyle = surface;
              g.globalAlpha = 0.85;
              g.fillRect(b.x - w, b.y, w, lh);
              g.globalAlpha = r.main ? 1 : 0.8;
              g.fillStyle = r.color;
              g.fillText(texts[k], b.x - 2 * dpr, b.y + lh / 2);
              g.globalAlpha = 1;
              if (b.moved) {
                g.strokeStyle = r.color;
                g.lineWidth = dpr;
                g.beginPath();
                g.moveTo(b.x - w, b.y + lh / 2);
                g.lineTo(b.x - w - 10 * dpr, wantY[k] + lh);
                g.stroke();
              }
            });
            g.textAlign = 'left';
            const boxes = placeLabels(
              pts.map((p) => ({ px: u.valToPos(p.intensity, 'x', true) - u.bbox.left, py: u.valToPos(p.flops, 'y', true) - u.bbox.top, w: g.measureText(String(p.n)).width + 6 * dpr, h: 14 * dpr })),
              u.bbox.width, u.bbox.height, 6 * dpr,
            );
            pts.forEach((p, k) => {
              const b = boxes[k];
              const x = u.bbox.left + b.x, y = u.bbox.top + b.y;
              const w = g.measureText(String(p.n)).width + 6 * dpr;
              if (b.leader) {
                g.strokeStyle = muted;
                g.lineWidth = dpr;
                g.beginPath();
                g.moveTo(u.valToPos(p.intensity, 'x', true), u.valToPos(p.flops, 'y', true));
                g.lineTo(x + w / 2, y + 7 * dpr);
                g.stroke();
              }
              g.fillStyle = surface;
              g.fillRect(x, y, w, 14 * dpr);
              g.strokeStyle = p.color;
              g.lineWidth = dpr;
              g.strokeRect(x, y, w, 14 * dpr);
              g.fillStyle = text;
              g.fillText(String(p.n), x + 3 * dpr, y + 7 * dpr);
            });
            g.restore();
          },
        ],
        setCursor: [
          (u) => {
            const { left, top } = u.cursor;
            if (left == null || top == null || left < 0) {
              if (this.hover) this.hover = null;
              return;
            }
            let best = -1;
            let bestD = 14 * 14;
            pts.forEach((p, k) => {
              const dx = u.valToPos(p.intensity, 'x') - left;
              const dy = u.valToPos(p.flops, 'y') - top;
              if (dx * dx + dy * dy < bestD) {
                bestD = dx * dx + dy * dy;
                best = k;
              }
            });
            if (best < 0) {
              if (this.hover) this.hover = null;
              return;
            }
            const p = pts[best];
            const lines = [`${p.n}. ${p.label}`, `${p.intensity.toPrecision(3)} FLOP/byte, ${fmtFlops(p.flops)}`];
            if (p.ofRoof !== undefined) lines.push(`${formatPercent(p.ofRoof)} of its roof, ${p.bound}-bound`);
            if (p.tiles && p.tiles.used < p.tiles.total) lines.push(`${p.tiles.used} of ${p.tiles.total} tiles used: ${formatPercent(p.ofUsedRoof ?? 0)} of what they can do`);
            if (p.note) lines.push(p.note);
            this.hover = { x: u.valToPos(p.intensity, 'x') + u.over.offsetLeft + 12, y: u.valToPos(p.flops, 'y') + u.over.offsetTop - 10, text: lines.join('\n') };
          },
        ],
      },
    };
    void firstPoint;
    this.plot = new uPlot(opts, data as uPlot.AlignedData, div);
  }

  private renderControls(s: ChipState) {
    return html`
      <form class="card" aria-label="Kernel for the predicted points" @submit=${(e: Event) => e.preventDefault()}>
        <jp-kernel-picker id-prefix="roof" .api=${this.api} .kernels=${this.kernels} kernel=${s.kernel} variant=${s.variant} .params=${s.params}
          @picker-change=${(e: CustomEvent<PickerChange>) => this.patch(e.detail)}></jp-kernel-picker>
        <span class="status" role="status">${this.busy ? 'Simulating on every preset…' : ''}</span>
      </form>`;
  }

  private renderTable() {
    const pts = this.collectPoints();
    const pct = (v: number | undefined) => (v !== undefined ? formatPercent(v) : '–');
    return html`<div class="scroll" tabindex="0" role="region" aria-label="Points of the roofline plot"><table data-testid="roofline-points">
      <thead><tr><th scope="col">#</th><th scope="col">Point</th><th scope="col">Intensity (FLOP/B)</th><th scope="col">Achieved</th><th scope="col">Of its roof</th>
        <th scope="col" title="Tiles of the chip this plan keeps busy (one per output block)">Tiles used</th><th scope="col" title="Achieved over the roof of the tiles in use">Of the used tiles' roof</th><th scope="col" title="The largest part of the op's time split">Bound</th>
        <th scope="col" title="The raw plan's op time: the kernel at the achievable HBM bandwidth, its memory ramp and launch gap">Op time (raw)</th><th scope="col" title="The same shape as a deployment on the preset runs it">As deployed</th></tr></thead>
      <tbody>
        ${pts.map(
          (p) => html`<tr>
            <td class="num">${p.n}</td>
            <td>${p.kind === 'measured' ? html`<i class="dia" style="background:${p.shared ? 'transparent' : p.color};border:1.5px solid ${p.color}"></i>` : html`<i class="dot" style="background:${p.color}"></i>`}${p.label}${p.note ? html` <small>(${p.note})</small>` : nothing}</td>
            <td class="num">${p.intensity.toPrecision(3)}</td>
            <td class="num">${fmtFlops(p.flops)}</td>
            <td class="num">${pct(p.ofRoof)}</td>
            <td class="num">${p.tiles ? `${p.tiles.used} of ${p.tiles.total}` : '–'}</td>
            <td class="num">${pct(p.ofUsedRoof)}</td>
            <td>${p.bound ?? (p.kind === 'measured' ? 'measured' : '–')}</td>
            <td class="num">${p.op ? formatDuration(p.op.timeS) : '–'}</td>
            <td class="num">${p.deployed ? formatDuration(p.deployed.timeS) : '–'}</td>
          </tr>`,
        )}
        ${this.sims.filter((x) => !x.sim).map((x) => html`<tr><td></td><td>${x.label}</td><td colspan="8" class="err">${x.error}</td></tr>`)}
      </tbody>
    </table></div>
    ${this.renderDeployed()}`;
  }

  /** Why each preset's raw-plan point differs from the same shape as deployed there (computed from the two runs). */
  private renderDeployed() {
    const rows = this.sims.filter((x) => x.deployed);
    if (!rows.length) return nothing;
    return html`<details data-testid="roofline-deployed"><summary>Raw plan vs the same shape as deployed, per preset</summary>
      ${rows.map((x) => html`<p class="msg"><strong>${x.name}</strong>: ${x.deployed!.how}: ${formatDuration(x.deployed!.timeS)}, bound ${x.deployed!.bound}. ${x.deployed!.differences.join(' ') || 'The raw plan and the deployed op agree.'}</p>`)}
    </details>`;
  }

  /** "H100 90%, TPU v5e 85%": each preset's achievable streaming fraction of its peak bandwidth. */
  private sustainedText(): string {
    const parts = this.chips.flatMap((c) => {
      const eff = c.config.runtime?.hbmEfficiency.streaming ?? 1;
      return c.config.hbm.bandwidthBytesPerS > 0 && eff < 1 ? [`${c.label.replace(/\s*\(.*\)$/, '')} ${formatPercent(eff)}`] : [];
    });
    return parts.length ? parts.join(', ') : 'no preset below its peak';
  }

  /** Why the predicted points sit where they do, from the simulations themselves. */
  private explain() {
    const pts = this.collectPoints().filter((p) => p.tiles);
    const idle = pts.filter((p) => p.tiles!.used < p.tiles!.total);
    const slopes = this.sharedSlopes();
    const out = [];
    if (idle.length) {
      const planTiles = Math.max(...pts.map((p) => p.tiles!.used));
      out.push(html`<p class="msg" data-testid="roofline-why"><strong>Why the points sit below their roofs:</strong> this plan has ${planTiles.toLocaleString('en-US')} output blocks, one per tile, so a chip with more tiles leaves the rest idle:
        ${idle.map((p, k) => html`${k ? ', ' : ''}${p.label} uses ${p.tiles!.used} of ${p.tiles!.total} tiles (at most ${formatPercent(p.tiles!.used / p.tiles!.total)} of its compute roof)`)}.
        "Bound" names what limits the tiles that do work; the last column shows how close they come to their own share of the roof. A larger shape or smaller BM×BN tiles fill more of the chip.</p>`);
    }
    if (slopes.length) {
      out.push(html`<p class="msg">${slopes.map((g) => g.join(' and ')).join('; ')} have memory bandwidths within 5% of each other: their slanted roofs coincide (the later one is drawn dashed).</p>`);
    }
    return out;
  }

  override render() {
    if (!this.state) return html`<p class="msg">Loading…</p>`;
    const s = this.state;
    const dtype = this.dtype;
    return html`
      ${this.renderControls(s)}
      <section class="card" aria-labelledby="roof-h">
        <h2 id="roof-h">Roofline: ${s.kernel} / ${s.variant} on every chip preset</h2>
        ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}
        <div class="plotwrap">
          <div class="plot" role="img" aria-label="Log-log roofline plot; the table below lists every point"></div>
          ${this.hover ? html`<div class="tip" style="left:${this.hover.x}px;top:${this.hover.y}px">${this.hover.text}</div>` : nothing}
        </div>
        <ul class="legend" aria-label="Roofs">
          ${this.chips.map(
            (c, i) => html`<li><i class="sw" style="background:${PRESET_COLORS[i % PRESET_COLORS.length]}"></i>${(this.sims.find((x) => x.preset.id === c.id)?.label ?? c.label).replace(/\s*\(hypothetical what-if\)/i, '')}${c.hypothetical ? html`<span class="whatif">what-if</span>` : nothing}</li>`,
          )}
          <li><i class="dia" style="background:${MEASURED_COLOR}"></i>measured on your GPU${this.results ? ' (hollow: shared run)' : ''}</li>
        </ul>
        <p class="msg">Solid roofs: ${DTYPE_LABEL[dtype]} peak (this kernel's datatype) and HBM bandwidth; thin dashed: the chip's other datatype peaks; dotted: the memory bandwidth each chip sustains in practice on streaming reads (${this.sustainedText()}, cited in the presets), which every op is timed against, together with its launch gap and memory ramp. Dots: the chip model's prediction for this kernel and shape on each preset, numbered as in the table: the <strong>raw plan</strong> (exactly as asked, the kernel's own tiling and storage) costed as the Tokens tab costs a model's ops and the Bench, Compare and the Walkthrough cost a kernel (achievable bandwidth, memory ramp, launch gap), so a dot's time is the op time those views show. A deployment runs the op in its own precision and tiling: the table's last column gives that time, and the note under it why the two differ. ${this.benchResults?.length || this.results?.rows.length ? '' : 'Run a kernel in the Bench tab to add measured points.'}</p>
        ${this.explain()}
      </section>
      <section class="card" aria-labelledby="pts-h">
        <h2 id="pts-h">Points</h2>
        ${this.renderTable()}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jp-roofline': JpRoofline;
  }
}
