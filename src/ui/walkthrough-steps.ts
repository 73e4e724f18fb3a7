// The students' walkthrough: one decode step of a small model (GPT-2-small-sized layer: model
// dimension 768, 12 heads of 64) on the Jalapeño-class chip. Each step is a simulation setup,
// a moment of its animation and a short text. Data only: <jp-learn-tab> renders it, and the
// step index lives in the share state (learn.step), so every step is a link.

export interface WalkthroughStep {
  title: string;
  /** Chip preset, kernel configuration and dataflow to simulate. */
  setup: { preset: string; kernel: string; variant: string; params: Record<string, number | boolean | string>; dataflow: string };
  /** The moment of the animation the step opens at, as a fraction of the run. */
  timeFrac: number;
  view: 'utilization' | 'traffic';
  /** Paragraphs of explanation (plain text). */
  text: string[];
  /** One thing to look at in the picture. */
  look: string;
}

const QKV = { M: 1, D: 768, Hq: 12, Hkv: 12, dh: 64 };
const chip = 'jalapeno';
const os = 'output-stationary';

export const WALKTHROUGH: readonly WalkthroughStep[] = [
  {
    title: '1. The chip and one new token',
    setup: { preset: chip, kernel: 'qkv', variant: 'fused', params: QKV, dataflow: os },
    timeFrac: 0,
    view: 'utilization',
    text: [
      'Generating text one token at a time is called decode. For every new token the model runs each layer once: it projects the token into queries, keys and values (QKV), attends over everything said so far, and runs the feed-forward block.',
      'The chip in the picture is a grid of tiles. Each tile has a small array of multiply-accumulate (MAC) units and its own SRAM. The grey blocks at the edges are HBM stacks: the large, slower memory where the model\'s weights live. Links between tiles form the network-on-chip (NoC).',
    ],
    look: 'Press Play (or space) and watch which tiles light up and where the packets come from.',
  },
  {
    title: '2. Weights stream in from HBM',
    setup: { preset: chip, kernel: 'qkv', variant: 'fused', params: QKV, dataflow: os },
    timeFrac: 0.2,
    view: 'utilization',
    text: [
      'The QKV projection multiplies the token\'s vector x (768 numbers) by a weight matrix of 768 × 2304 numbers. Every one of those 1.8 million weights has to travel from HBM to a tile, and each is used exactly once: one multiply-add per weight, per token.',
      'That is the heart of decode: the work per byte is tiny. A weight of 4 bytes (f32) buys 2 floating-point operations, about 0.5 FLOP per byte. A chip can do hundreds of FLOPs in the time it takes to fetch one byte from HBM.',
    ],
    look: 'The orange packets are HBM transfers; they dominate the picture while the tiles wait.',
  },
  {
    title: '3. Fused QKV reads x once',
    setup: { preset: chip, kernel: 'qkv', variant: 'fused', params: QKV, dataflow: os },
    timeFrac: 0.5,
    view: 'traffic',
    text: [
      'Q, K and V are three projections of the same input x. A fused kernel treats them as one matrix [Wq | Wk | Wv], so each tile loads its slice of x once and produces its columns of q, k and v in one pass.',
      'The link-traffic view colours each link by the bytes it carried over the whole run. Note the HBM bytes in the metrics: weights plus one read of x.',
    ],
    look: 'Switch between "Utilization" and "Link traffic" to see where the bytes went.',
  },
  {
    title: '4. Unfused: three kernels, x read three times',
    setup: { preset: chip, kernel: 'qkv', variant: 'unfused', params: QKV, dataflow: os },
    timeFrac: 0.5,
    view: 'traffic',
    text: [
      'The unfused version launches three separate matrix multiplies. Each one reads x again from memory and writes its own output, and each launch starts cold: its tiles cannot overlap with the previous kernel\'s tail.',
      'For one token x is small compared with the weights, so the extra bytes are modest here; the cost grows with the number of tokens processed together (prefill, large batches), and the extra launches cost time on every token. Compare HBM bytes and time with the previous step.',
    ],
    look: 'Go back one step and forward again: the metrics change, the weights do not.',
  },
  {
    title: '5. The KV cache',
    setup: { preset: chip, kernel: 'attention-decode', variant: 'split', params: { B: 1, L: 1024, Hq: 12, Hkv: 12, dh: 64 }, dataflow: os },
    timeFrac: 0.4,
    view: 'utilization',
    text: [
      'Attention compares the new token\'s query with the keys of every earlier token and mixes their values. Those keys and values were computed on earlier steps and kept: the KV cache.',
      'With 1024 tokens of context, this layer reads 2 × 1024 × 768 numbers of cache for a single new token, again using each number for about one multiply-add. The cache grows with the context, so long conversations make every decode step read more.',
      'The split variant spreads the context across many tiles (each takes a slice of keys), then a small second pass combines their partial results.',
    ],
    look: 'Many tiles work at once, each on its own slice of the cache.',
  },
  {
    title: '6. Why decode is memory-bound',
    setup: { preset: chip, kernel: 'qkv', variant: 'fused', params: QKV, dataflow: os },
    timeFrac: 1,
    view: 'utilization',
    text: [
      'Put the numbers side by side: the time to move the bytes (bytes ÷ HBM bandwidth) and the time to do the math (MACs ÷ MAC rate). For one token the first is far larger, so the chip\'s speed is set by memory bandwidth, not by its MAC arrays. The metrics call this bound = memory; utilization stays low.',
      'Two ways out follow from this. Process more tokens per weight read (batching many users, or prefill, where a whole prompt shares each weight fetch), or make each weight smaller.',
    ],
    look: 'At the end of the run, most tiles are pale: they spent most of the time waiting.',
  },
  {
    title: '7. int8 weights halve the bytes',
    setup: { preset: chip, kernel: 'qkv', variant: 'fused-w8', params: QKV, dataflow: os },
    timeFrac: 0.5,
    view: 'utilization',
    text: [
      'Quantization stores each weight as an 8-bit integer plus a shared scale per column. An int8 weight is 1 byte instead of 2 (bf16) or 4 (f32): half the traffic of bf16 and a quarter of f32, with the same number of multiply-adds.',
      'Because decode is memory-bound, fewer bytes means almost proportionally less time and energy per token. The MACs also get cheaper (int8 multipliers are small), but that is the smaller win here.',
    ],
    look: 'Compare HBM bytes and time with step 3.',
  },
  {
    title: '8. Batching turns the tables',
    setup: { preset: chip, kernel: 'qkv', variant: 'fused', params: { ...QKV, M: 64 }, dataflow: os },
    timeFrac: 0.5,
    view: 'utilization',
    text: [
      'Now 64 tokens share each weight fetch (64 users decoding at once, or a 64-token chunk of a prompt). The weight bytes are the same, but each byte now feeds 64 multiply-adds.',
      'Arithmetic intensity rises 64-fold and the bottleneck moves toward the MAC arrays: more tiles stay busy. This is why servers batch requests, and why the Tokens tab shows very different numbers for prefill and decode.',
    ],
    look: 'More tiles busy, darker colours; check whether the bound changed.',
  },
];
