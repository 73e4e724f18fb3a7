// Chip presets. Every number carries its source; "assumed" marks what no public document gives
// and we chose so the chip behaves like its class. The grid abstraction (tiles with a MAC array,
// SRAM and mesh links) is ours: for GPUs and VLIW chips it is a like-for-like modelling device,
// not a claim about their floorplan.
//
// Energy constants common to all presets (then scaled by process node, see `scaled`):
//   Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm, 0.9 V:
//     int8 add 0.03 pJ, int8 mul 0.2 pJ; fp16 add 0.4 pJ, fp16 mul 1.1 pJ; fp32 add 0.9 pJ,
//     fp32 mul 3.7 pJ; SRAM 64-bit read: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.
//   A MAC = one mul + one add, so at 45 nm: int8 0.23, fp16 1.5, fp32 4.6 pJ.
//   Node scaling 45 nm -> 7/5/4/3 nm (assumed, logic energy ~ C·V²): x0.25 / x0.2 / x0.18 / x0.15.
//   HBM2/HBM2e ~3.9 pJ/bit = 31 pJ/byte (O'Connor et al., "Fine-Grained DRAM", MICRO 2017);
//   HBM3 taken as the same per-bit figure (conservative; vendors claim ~10-20% less).
//   GDDR6 ~7.5 pJ/bit = 60 pJ/byte (Micron, "GDDR6: The Next-Generation Graphics DRAM", TN-ED-03).
//   On-chip wire ~0.1 pJ/bit/mm at 40 nm (Keckler et al., "GPUs and the Future of Parallel
//   Computing", IEEE Micro 2011) -> 0.8 pJ/byte per ~1 mm hop, scaled by node.
//   Long-reach SerDes / Ethernet ~5 pJ/bit = 40 pJ/byte (assumed, typical 112G PAM4 SerDes).
//
// Power (ChipPreset.power: each figure with its source or "assumed"; config.energy.staticW is the sum of
// power.static, test/unit/power.test.ts holds the two together):
//   [POWER-H100] GPU energy measured in steady state (Zeus / NVML) while vLLM serves Llama-3.1-8B-Instruct bf16
//     on one H100 SXM 80 GB (700 W): 486 W at batch 8, 513 W at 16, 610 W at 64, 669 W at 128; Llama-3.1-70B
//     bf16 on 4 x H100: 1,765 W at batch 8 (ML.ENERGY Leaderboard v3.0, github.com/ml-energy/leaderboard
//     public/data/models/*.json, data of 2026-02-16; methodology: Chung et al., "The ML.ENERGY Benchmark",
//     NeurIPS 2025 D&B, arXiv 2505.06371). The per-event table above (Horowitz op energies, HBM per byte)
//     accounts for ~80 W of the 486 W; the rest is drawn whenever the GPU executes at its boost clock
//     (instruction issue, register files, L1/L2 and crossbar traffic, clock tree, leakage when hot).
//     Idle: 80.3 W measured with nvidia-smi on an idle H200 SXM (same GH100 die; Serial Alice, "GPU Energy
//     Benchmark", 2026); taken for the H100 (assumed). bench/validate-chip.json holds the rows.
//   [POWER-WH] Wormhole idle, in two parts (no under-load or LLM-inference measurement found, so no validate row):
//     the chip: tt-smi reads 19-20 W on an idle n150 (tenstorrent/tt-kmd pull request #212, "Wormhole power ioctl
//     support", 2026-02-18: "Base power on n150 is now 15W (before: 19/20W)", 15 W only in the low-power state that
//     newer firmware enters; a device open for work is in the high state, 19 W). tt-smi reads the chip, not the card
//     (tenstorrent/tt-metal issue #33659, Tenstorrent's reply of 2026-01-05: "we don't have a whole board power monitor
//     on the pcie card"). The GDDR6: "GDDR is the dominant component of WH idle power; gating it saves ~630 W per
//     Galaxy" (tenstorrent/tt-kmd pull request #236, 2026-05-04); a Wormhole Galaxy holds 32 Wormhole chips with 12 GB
//     of GDDR6 each (384 GB; tt-metal models/demos, "Galaxy 6U (TG, 32 Wormhole chips, 384 GB DRAM)"), so ~19.7 W per
//     chip, taken for the n150's 12 GB (assumed) and counted beside the chip's reading (19.7 W saved cannot sit inside a
//     19 W chip reading). No figure is published for the power the chip draws above idle while it executes (the H100's
//     execution baseline is 4x its idle): not modelled.
//   No public power measurement was found for the TPU v5e (cloud.google.com/tpu/docs/v5e spec tables give none;
//     Google's MLPerf Inference v4.0 tpu-v5e-4 submission, mlcommons/inference_results_v4.0 closed/Google, has no power
//     run) nor for the GroqChip alone (ISCA 2020 / 2022 abstracts; ALCF's MLPowerPerf repository publishes no Groq
//     power data; TechSpot 2020 gives ~300 W per card). Golden et al., "The xPU-athalon" (arXiv 2604.10852, 2026)
//     report measured TPUv5e and Groq power in LLM prefill and decode; only its abstract was readable here: the next
//     source to take rows from.

// Mechanisms (ChipConfig.runtime and scaleOut.collective; what the model does with them: src/models):
//   [HBM-H100] Streaming reads on H100 SXM reach ~3.0-3.1 TB/s of the 3.35 TB/s peak (device-to-device
//     copy and STREAM triad, CUDA-event timed, ~90-92%); Nsight profiles of LLM kernels show coalesced
//     matrix / MLP-weight loads at 78-84% of peak (mikamirai.com, "GPU Memory Bandwidth: What Your Profiler
//     Isn't Telling You", 2026). We take streaming 0.90, tiled 0.80.
//   [LAUNCH] A CUDA kernel launch + synchronisation costs ~4-6 µs (pegainfer, "From Launch Overhead to CUDA
//     Graph", measured cudaLaunchKernel + cudaStreamSynchronize); CUDA Graphs (NVIDIA, "Getting Started
//     with CUDA Graphs", developer.nvidia.com/blog, 2019) remove the CPU side but not the GPU's
//     kernel-boundary drain and ramp; Llama-3.1-8B decode on H100 drops from 8.4 ms eager to 5.1 ms with
//     a CUDA graph (cloudai.pt, "CUDA Graphs + torch.compile"). TensorRT-LLM (NIM) runs decode as CUDA
//     graphs with fused norm/activation/residual epilogues (docs/source/performance/perf-overview.md:
//     cuda_graph_config), hence fusion 'elementwise' and a per-kernel gap below the eager launch cost.
//   [NCCL] Ring all-reduce: 2(P-1) steps; tree: 2 log2 P steps (NVIDIA NCCL docs, "Collective operations"
//     and the NCCL tests' performance notes); TensorRT-LLM uses a one-shot custom all-reduce over NVLink
//     for small messages (tensorrt_llm/plugin allreduce, "CUSTOM" strategy). A few-KB all-reduce then costs
//     ~10 µs on NVLink (launch + two synchronised steps), not the link latency alone.
//   [TT] tt-metal runs each op as a program dispatched by the host (tt-metal docs, "Programming Model";
//     metal trace replays a captured command sequence like a CUDA graph); decode activations stay
//     L1-sharded between ops (models/tt_transformers); CCL all-reduce between the two n300 chips runs
//     over the on-board Ethernet cores (tt-metal docs, "CCL").
//   [NCCL-LARGE] TensorRT-LLM's custom (one-shot) all-reduce holds the message in an IPC workspace of
//     getMaxRequiredWorkspaceSize(tp) = 16 MB for TP <= 2, 8 MB above (cpp/tensorrt_llm/common/customAllReduceUtils.h);
//     larger messages (prefill: S x D x 2 bytes per layer, 33.5 MB for 2,048 tokens of a 70B) run NCCL's ring.
//   [TT-GEMM] tt-metal tech_reports/GEMM_FLOPS/GEMM_FLOPS.md, "N150 Out of Box Results" (8x8 grid, DRAM
//     operands, auto-selected configs, traced): host-based utilization of the LoFi peak (2,048 MACs per core per
//     cycle on 64 cores = the n150's 262 TFLOPS) for bfp8 LoFi: 512x1024x2048 9.47%, 1024x2048x2048 36.47%,
//     2048x3072x3072 49.63%, 3072x4096x4096 53.92%, 4096^3 56.54% (bf16 HiFi2 and bfp4 LoFi within ~+-15% of these).
//   [TT-FIDELITY] Math fidelity: LoFi / HiFi2 / HiFi4 = 16 / 32 / 64 cycles per tile (GEMM_FLOPS.md, "Utilization
//     derivation formula"): 1 / 2 / 4 passes; tt-transformers' Llama-3 fidelity_cfg (models/tt_transformers/PERF.md):
//     ff1_3 / ff2 (bfp4) LoFi, qkv (bfp8) HiFi2, o-proj (bfp8) HiFi2, sdpa_prefill HiFi4.
//   [TT-SDPA] No Wormhole SDPA measurement by sequence length is published as numbers (tt-metal
//     tech_reports/FlashAttention/FlashAttention.md gives it as a figure), so the n150 attention efficiency is
//     calibrated on one row. Cross-check, same order: tech_reports/FlashAttention/SDPAPrecisionRecipes.md measures the
//     legacy SDPA kernel (the one Wormhole runs) on a Blackhole P150 8x8 grid for tt_transformers' prefill shape
//     (causal, 32/8 heads, D128, BFP8, HiFi4 + FP32 dest): 7.62 ms at S 4096 and 29.38 ms at S 8192, i.e.
//     2·S²·32·128 FLOP at 18.0 / 18.7 TFLOPS, 20-21% of that grid's HiFi4 peak (64 x 1.35 TFLOPS).
//   [FA3] Shah et al., "FlashAttention-3", arXiv:2407.08608 (2024), figure "Attention forward speed, head dim 128
//     (H100 80GB SXM5)", FP16, batch x seqlen = 16k, hidden 2048: FlashAttention-3 467 / 565 / 625 / 638 / 646 / 648
//     TFLOPS at 512 / 1k / 2k / 4k / 8k / 16k (FlashAttention-2: 309-370); pytorch/benchmark PR 2391 measured the
//     same shapes at 430-621 TFLOPS. TensorRT-LLM's context FMHA is taken at the FlashAttention-3 rate (assumed).
//   [DEEPGEMM] deepseek-ai/DeepGEMM README.md at commit 327ec92f6977e7fee022cb76a8f273b75483c3d8 (2025-04-09; the
//     tables unchanged since the first release, a6d97a1, 2025-02-25), "Performance", measured on H800 SXM5 with NVCC
//     12.8, FP8 x FP8 -> BF16 with fine-grained (1x128 / 128x128) scaling, TFLOPS = 2 M N K / t (tests/test_core.py).
//     The long-K shape N = 4096, K = 7168 (like our models' projections: K 4,096-8,192, N 2,560-14,336 per GPU) is
//     measured at M = 64 / 128 / 4096 ("Normal GEMMs for dense models": 287 / 533 / 1410 TFLOPS) and at M = 1024
//     ("Grouped GEMMs ... masked layout", 1 group of 1,024 rows, every row valid: 1233 TFLOPS), taken as a fraction of
//     the 1,979 TFLOP/s FP8 dense peak. The H800 is the H100's GH100 die with its chip-to-chip NVLink cut for export
//     (Tom's Hardware, "Nvidia gimps H100 Hopper GPU to sell as H800 to China", 2023, after Reuters: the chip-to-chip
//     rate about halved; third-party comparisons give 400 against 900 GB/s and FP64 cut, FP8 / BF16 tensor rates the
//     same; NVIDIA publishes no H800 SXM datasheet we could read). The table itself bounds the FP8 peak from below:
//     1,520 TFLOPS at M = 4096, N = 7168, K = 16384 is 77% of the H100's 1,979, so no halved tensor rate is possible. A
//     single GEMM needs no NVLink, so the figures stand for the H100 SXM. The fractions at 64 and 128 rows are HBM-bound (the table
//     gives 2320 / 2221 GB/s there): the curve is the achieved rate, and the model's op takes the larger of this
//     compute time and its own HBM time. Applied to bf16 GEMMs as well (assumed: at the 989 TFLOP/s bf16 peak and
//     2-byte weights the HBM ridge falls at the same M as FP8 at 1,979 and 1-byte weights). Cross-check, not used:
//     XLA's measured sm_90 GEMM table (tensorflow/tensorflow third_party/xla/xla/service/gpu/model/
//     matmul_interpolator_data.h, commit 372d578b; Hopper, the SKU not named) gives bf16 325 TFLOPS at 256 x 4096 x
//     2048 (M x N x K), 524 at 1024 x 2048 x 2048, 632 at 2048^3, 783 at 4096^3: 33 / 53 / 64 / 79% of 989, within
//     16% of the curve at each M (test/unit/prefill-mechanisms.test.ts).
//   Anything else below is marked "assumed".

import { IDEAL_RUNTIME, validateChipConfig } from './config.ts';
import type { ChipConfig, ChipPreset } from './types.ts';

const MB = 1 << 20;
const GB = 1e9;
const GiB = 2 ** 30;

/** Energy table at 45 nm scaled by `s` (logic) and `sramPjPerByte` for the tile SRAM size. */
function scaled(s: number, sramPjPerByte: number, memPjPerByte: number, scaleOutPjPerByte: number, staticW: number): ChipConfig['energy'] {
  return {
    macPj: { int8: 0.23 * s, fp16: 1.5 * s, fp32: 4.6 * s },
    // a vector op ~ one fp32 add + compare (Horowitz fp32 add 0.9 pJ) plus register traffic: ~2 pJ at 45 nm
    vectorOpPj: 2 * s,
    sramReadPjPerByte: sramPjPerByte,
    sramWritePjPerByte: sramPjPerByte * 1.2, // writes slightly dearer than reads (assumed)
    nocPjPerByteHop: 0.8 * Math.max(s * 2, 0.3), // wires scale worse than logic (assumed factor)
    hbmPjPerByte: memPjPerByte,
    scaleOutPjPerByte,
    staticW,
  };
}

// SRAM per byte, 45 nm: 32 KB bank ~20 pJ / 8 B = 2.5 pJ/B; 1 MB ~100 pJ / 8 B = 12.5 pJ/B.
// Banked tile SRAMs read from ~32-128 KB banks: we take 2.5 pJ/B at 45 nm, scaled x0.4 at 5-3 nm
// (SRAM scales less than logic; assumed).
const SRAM_PJ_B_ADV = 2.5 * 0.4;

// [POWER-H100]: the H100's static power, in two parts (see power.static of the h100 preset)
const H100_IDLE_W = 80;
const H100_EXEC_BASELINE_W = 329; // 486.4 - 80 - 77.5 (counted events at batch 8, context 512), rounded
// [POWER-WH]: the Wormhole n150's static power, in two parts (see power.static of the wormhole-n150 preset)
const WH_CHIP_IDLE_W = 19;
const WH_GDDR_IDLE_W = 20; // 630 W / 32 chips = 19.7, rounded

// The compute side of a runtime at the MAC peak (the ideal runtime's: no GEMM or attention efficiency
// curve, one pass per GEMM) for a stack with no published measurement of its GEMM / attention
// efficiency (assumed): jalapeno, tpu-v5e, groq-lpu.
const AT_PEAK_COMPUTE: ChipConfig['runtime']['compute'] = IDEAL_RUNTIME.compute;

// Every preset's config goes through validateChipConfig, as a user's config does: it is checked, and
// all configs are built by the same code, so the simulator's hot loops see objects of one shape
// whichever chip they run (mixed shapes cost deoptimisations when a run switches chips).
export const CHIP_PRESETS: readonly ChipPreset[] = ([
  {
    id: 'jalapeno',
    label: 'Jalapeño-class (hypothetical what-if)',
    description:
      'A what-if LLM-inference dataflow ASIC built only from public facts about the class: TSMC 3 nm, ≤300 W, an int8 path, ' +
      'large on-chip SRAM plus HBM, Ethernet scale-out. Grid, array sizes, SRAM per tile and NoC widths are our assumptions.',
    hypothetical: true,
    sources: [
      'Public facts of the class: TSMC N3, ≤300 W board power, int8 datapath, SRAM + HBM, Ethernet scale-out (press coverage of LLM-inference ASIC start-ups, 2024-2025)',
      'HBM3: 6.4 Gb/s x 1024 bits = 819 GB/s per stack, JEDEC JESD238 (2022)',
      'Energy: Horowitz ISSCC 2014 scaled to 3 nm (x0.15, assumed); HBM 3.9 pJ/bit, O\'Connor MICRO 2017',
      'Runtime: no kernel launches, activations in SRAM, a layer as a spatial pipeline (assumed: the class\'s "minimized data movement" claim); HBM efficiency as the GPU reference (assumed)',
    ],
    power: {
      board: { label: 'board power', value: 300, unit: 'W', source: 'the class\'s public claim: ≤ 300 W per chip (press coverage, 2024-2025)', assumed: false },
      static: [{ label: 'static', value: 40, unit: 'W', source: 'no public figure: leakage and clock tree of a 3 nm die, chosen within the 300 W envelope', assumed: true }],
      memory: { label: 'HBM3 per byte', value: 31, unit: 'pJ/B', source: 'HBM2 3.9 pJ/bit (O\'Connor et al., MICRO 2017); HBM3 taken as the same', assumed: true },
    },
    config: {
      name: 'jalapeno',
      clockHz: 1.5e9, // assumed
      grid: { rows: 16, cols: 16 }, // assumed: 256 tiles
      tile: {
        macArray: { rows: 32, cols: 32 }, // assumed
        // 1024 int8 MAC/cycle/tile -> 256 x 1024 x 2 x 1.5 GHz = 786 TOPS int8; bf16 at half rate = 393 TFLOP/s.
        // fp16 below the 1024 PEs is intended (assumed, not a cited rate): an int8-native PE takes two
        // cycles per bf16 MAC (streamFactor 2 in systolic.ts), the int8:bf16 = 2:1 ratio of the class
        // (TPU v5e, cited below: 394 TOPS int8, 197 TFLOP/s bf16); fp32 at a quarter of bf16 (assumed)
        macsPerCycle: { int8: 1024, fp16: 512, fp32: 128 },
        vectorOpsPerCycle: 64, // assumed
        sramBytes: 2 * MB, // assumed: 512 MiB on chip ("large on-chip SRAM")
      },
      noc: { topology: 'mesh', linkBytesPerCycle: 64, hopLatencyCycles: 1, multicast: true }, // assumed
      hbm: { stacks: 4, bandwidthBytesPerS: 4 * 819.2 * GB, capacityBytes: 4 * 24 * GB, edges: ['west', 'east'] }, // 4 x HBM3 24 GB (JESD238)
      energy: scaled(0.15, SRAM_PJ_B_ADV, 31, 40, 40), // static 40 W assumed within the 300 W envelope
      // 4 x 800 GbE (assumed), ~1 µs switch hop; a statically scheduled ring, ~0.5 µs per step for the barrier (assumed)
      scaleOut: { maxChips: 64, linkBytesPerS: 4 * 100 * GB, linkLatencyS: 1e-6, collective: { algorithm: 'ring', stepLatencyS: 0.5e-6, launchS: 0 } },
      runtime: {
        // same HBM3 PHY class as the GPU reference (assumed): streaming as [HBM-H100]; tiled loads are
        // issued by the static schedule as long bursts, assumed 0.85
        hbmEfficiency: { streaming: 0.9, tiled: 0.85 },
        memoryLatencyS: 0.5e-6, // HBM access latency ~0.5 µs (assumed); the pipeline hides it after a layer's first op
        kernelLaunchS: 0, // statically scheduled dataflow: no kernel launches (assumed, the class's claim)
        layerFixedS: 0.5e-6, // reconfiguring the tiles for the next layer (assumed)
        fusion: 'pipeline', // activations stay in SRAM, a layer runs as one spatial pipeline ("minimized data movement")
        compute: AT_PEAK_COMPUTE,
      },
    },
  },
  {
    id: 'tpu-v5e',
    label: 'Google TPU v5e',
    description:
      'One TensorCore with 4 MXUs (128x128 systolic arrays), modelled as a 2x2 grid of tiles, one MXU each; 16 GB HBM2e at 819 GB/s.',
    hypothetical: false,
    sources: [
      'https://cloud.google.com/tpu/docs/v5e : 197 TFLOP/s bf16, 394 TOPS int8, 16 GB HBM2e, 819 GB/s, ICI 1600 Gbps',
      'https://cloud.google.com/tpu/docs/system-architecture-tpu-vm : 4 MXUs of 128x128 per TensorCore',
      'clock derived: 197e12 / (2 x 4 x 128 x 128) = 1.5 GHz',
    ],
    power: {
      static: [{
        label: 'static', value: 60, unit: 'W', assumed: true,
        source: 'chosen: no public measurement found (cloud.google.com/tpu/docs/v5e gives no power; Google\'s MLPerf Inference v4.0 tpu-v5e-4 submission has no power run; header of presets.ts)',
      }],
      memory: { label: 'HBM2e per byte', value: 31, unit: 'pJ/B', source: 'HBM2 3.9 pJ/bit (O\'Connor et al., MICRO 2017)', assumed: false },
    },
    config: {
      name: 'tpu-v5e',
      clockHz: 1.5e9,
      grid: { rows: 2, cols: 2 },
      tile: {
        macArray: { rows: 128, cols: 128 },
        macsPerCycle: { int8: 32768, fp16: 16384, fp32: 4096 }, // fp32 via multi-pass bf16 (assumed 1/4)
        vectorOpsPerCycle: 1024, // VPU 8x128 lanes x ... (assumed)
        sramBytes: 12 * MB, // 48 MiB on chip (Google's MLPerf Inference v4.0 system description, mlcommons/inference_results_v4.0 closed/Google/systems/tpu_v5e_x4.json, "accelerator_on-chip_memories"), split evenly over the 4 MXU tiles (the split is assumed)
      },
      noc: { topology: 'mesh', linkBytesPerCycle: 512, hopLatencyCycles: 2, multicast: true }, // assumed (on-core buses)
      hbm: { stacks: 2, bandwidthBytesPerS: 819 * GB, capacityBytes: 16 * GB, edges: ['west', 'east'] },
      energy: scaled(0.25, 2.5 * 0.5, 31, 40, 60), // 7 nm class (assumed); static assumed
      // ICI 1600 Gbps per chip; XLA all-reduce as a ring over the ICI torus, ~1 µs per step (assumed)
      scaleOut: { maxChips: 256, linkBytesPerS: 1600e9 / 8, linkLatencyS: 1e-6, collective: { algorithm: 'ring', stepLatencyS: 1e-6, launchS: 0 } },
      runtime: {
        hbmEfficiency: { streaming: 0.85, tiled: 0.8 }, // HBM2e, assumed a little below [HBM-H100]
        memoryLatencyS: 1e-6, // each XLA fusion starts its DMA stream anew (assumed)
        kernelLaunchS: 1e-6, // one compiled XLA program; ~1 µs between fusions (assumed)
        layerFixedS: 0, // one compiled program per step: no per-layer host work (assumed)
        fusion: 'elementwise', // XLA fuses element-wise ops into the matmul fusions
        compute: AT_PEAK_COMPUTE,
      },
    },
  },
  {
    id: 'wormhole-n150',
    label: 'Tenstorrent Wormhole n150',
    description: '72 Tensix cores (modelled 8x9), 1.5 MB SRAM each, 12 GB GDDR6 at 288 GB/s, 1 GHz, 32-byte NoC flits.',
    hypothetical: false,
    sources: [
      'https://tenstorrent.com/hardware/wormhole : n150, 72 Tensix cores, 108 MB SRAM, 12 GB GDDR6 288 GB/s, 262 TFLOPS FP8, 74 TFLOPS FP16, 160 W TBP, 1 GHz',
      'Tenstorrent tt-metal docs, "NoC": 32-byte flits per cycle per link, two NoCs',
      'GDDR6 energy ~7.5 pJ/bit (Micron TN-ED-03); Horowitz ISSCC 2014 scaled to 12 nm (x0.45, assumed)',
      'Runtime [TT] (header of presets.ts): per-op host dispatch, L1-sharded decode activations, CCL all-reduce over Ethernet',
      'Power [POWER-WH] (header of presets.ts): idle measured, chip 19 W by tt-smi (tt-kmd #212) + GDDR6 ~20 W (tt-kmd #236, a 32-chip Galaxy); nothing published under load',
    ],
    power: {
      board: { label: 'board power', value: 160, unit: 'W', source: 'tenstorrent.com/hardware/wormhole: n150 160 W TBP', assumed: false },
      static: [
        { label: 'chip idle', value: WH_CHIP_IDLE_W, unit: 'W', source: '19-20 W read by tt-smi on an idle n150, the chip alone (tenstorrent/tt-kmd pull request #212, 2026-02-18; tt-smi reads no board power: tt-metal issue #33659) [POWER-WH]', assumed: false },
        {
          label: 'GDDR6 idle', value: WH_GDDR_IDLE_W, unit: 'W',
          source: '~630 W saved per 32-chip Wormhole Galaxy by gating idle GDDR = 19.7 W per chip (tenstorrent/tt-kmd pull request #236, 2026-05-04), taken for the n150\'s 12 GB; no under-load figure published [POWER-WH]',
          assumed: true,
        },
      ],
      memory: { label: 'GDDR6 per byte', value: 60, unit: 'pJ/B', source: 'GDDR6 ~7.5 pJ/bit (Micron TN-ED-03)', assumed: false },
    },
    config: {
      name: 'wormhole-n150',
      clockHz: 1e9,
      grid: { rows: 8, cols: 9 },
      tile: {
        macArray: { rows: 32, cols: 16 }, // FPU 32x16 (assumed from 74 TFLOP/s / 72 / 2 / 1 GHz = 514 MAC/cycle)
        macsPerCycle: { int8: 1820, fp16: 512, fp32: 128 }, // int8 taken as FP8 rate: 262e12 / 72 / 2 / 1e9
        vectorOpsPerCycle: 64, // SFPU (assumed)
        sramBytes: 1.5 * MB,
      },
      noc: { topology: 'torus', linkBytesPerCycle: 32, hopLatencyCycles: 1, multicast: true },
      hbm: { stacks: 6, bandwidthBytesPerS: 288 * GB, capacityBytes: 12 * GiB, edges: ['west', 'east'] }, // 6 GDDR6 channels
      energy: scaled(0.45, 2.5 * 0.7, 60, 40, WH_CHIP_IDLE_W + WH_GDDR_IDLE_W), // static = measured idle, chip + GDDR6 [POWER-WH]
      // n300: 2 x 200 Gb Ethernet (assumed for n150); CCL all-reduce over Ethernet cores [TT], ring, ~5 µs
      // per step for the Ethernet handshake and semaphores (assumed), launched like any op
      scaleOut: { maxChips: 32, linkBytesPerS: 2 * 200e9 / 8, linkLatencyS: 1.5e-6, collective: { algorithm: 'ring', stepLatencyS: 5e-6, launchS: 10e-6 } },
      runtime: {
        hbmEfficiency: { streaming: 0.8, tiled: 0.7 }, // GDDR6 (assumed, below HBM: more row switches per byte)
        memoryLatencyS: 1e-6, // GDDR6 access + NoC to the DRAM cores (assumed)
        kernelLaunchS: 36e-6, // host dispatch of each op's program [TT]; calibrated on the n150 decode row of bench/validate-chip.json (one modelled op stands for tt-transformers' 2-3 ops: reshards, typecasts)
        layerFixedS: 0, // per-op dispatch already counted in kernelLaunchS (assumed)
        fusion: 'activations', // decode activations stay L1-sharded between ops [TT]
        // [TT-GEMM] prefill GEMMs at the measured fraction of the fidelity peak by rows (n150, 8x8 grid, traced,
        // host-timed utilization of bfp8 LoFi at the largest K x N measured per M); bfp8 weights at HiFi2 = 2 passes,
        // bfp4 at LoFi = 1 pass [TT-FIDELITY] (bf16 runs on the fp16 path, already the HiFi4 rate: 74 TFLOPS)
        compute: {
          gemmEfficiency: [[512, 0.0947], [1024, 0.3647], [2048, 0.4963], [3072, 0.5392], [4096, 0.5654]],
          gemmPasses: { bfp8: 2 },
          // [TT-SDPA] calibrated on the n150 64K TTFT row of bench/validate-chip.json (the n300 64K row held out): the
          // attention the row leaves after the other modelled ops (51.6 of 64.4 s) is its HiFi4 compute (15.3 s at the
          // fp16 = HiFi4 rate of 72 cores) at 29.6%; one point, so every S reads it (short prompts: attention is < 2%)
          attentionEfficiency: [[65536, 0.296]],
        },
      },
    },
  },
  {
    id: 'groq-lpu',
    label: 'Groq LPU (GroqChip 1)',
    description: 'SRAM-only: ~230 MB on die, no HBM; weights must be spread over enough chips to fit. Modelled 8x10 tiles.',
    hypothetical: false,
    sources: [
      'Abts et al., "Think Fast: A Tensor Streaming Processor (TSP) for Accelerating Deep Learning Workloads", ISCA 2020: 220 MiB SRAM, 14 nm, ' +
        'MXM of 4 planes of 320x320 = 409,600 int8 MACCs (1 PetaOp/s at 1.25 GHz = 409,600 x 2 x 1.25e9); the MXM instructions Load Weights / ' +
        'Install Weights put a weight block into the array and activations stream past it (weight-stationary); ' +
        'TechSpot, "Groq launches first AI accelerator card capable of 1 quadrillion operations per second" (2020): 1250 MHz maximum clock (409,600 x 2 x 1.25e9 = 1.02e15)',
      'https://groq.com/ GroqChip datasheet: 230 MB SRAM, 80 TB/s on-die bandwidth, 750 TOPS int8, 188 TFLOPS fp16 at 900 MHz, 16 chip-to-chip links',
      'Linley Group, "Groq Gets Connected", Linley Newsletter, 10 Nov 2020 (Abts at the Linley Fall Processor Conference): 16 C2C links of 4 x 30 Gb/s lanes, 480 GB/s in total',
      'Abts et al., "A Software-defined Tensor Streaming Multiprocessor for Large-scale Machine Learning", ISCA 2022 (abstract): compiler-scheduled C2C network, ' +
        'global memory of up to 10,440 TSPs accessible in < 3 µs end to end',
      'Power: TechSpot (2020): "The Groq Tensor Streaming Processor (TSP) demands 300W per core" (one TSP per card): the board power; static power chosen (header of presets.ts)',
    ],
    power: {
      board: { label: 'board power', value: 300, unit: 'W', source: 'TechSpot, "Groq launches first AI accelerator card..." (2020): "The Groq Tensor Streaming Processor (TSP) demands 300W per core" (one per card)', assumed: false },
      static: [{
        label: 'static', value: 100, unit: 'W', assumed: true,
        source: 'chosen below the 300 W per card: no idle or under-load measurement found (ISCA 2020 / 2022 abstracts, ALCF MLPowerPerf publishes no Groq power data; header of presets.ts)',
      }],
      memory: { label: 'off-chip memory per byte', value: 0, unit: 'pJ/B', source: 'no off-chip memory: weights live in on-die SRAM (ISCA 2020)', assumed: false },
    },
    config: {
      name: 'groq-lpu',
      clockHz: 0.9e9,
      grid: { rows: 8, cols: 10 },
      tile: {
        macArray: { rows: 80, cols: 64 }, // our split of the 4 x 320x320 MXM planes (409,600 MACCs, ISCA 2020) over 80 tiles (split assumed)
        // int8: one MACC per PE per cycle, 409,600 / 80 = 5120 (ISCA 2020); x 2 x 0.9 GHz = 737 TOPS, the datasheet's "750 TOPS" rounded.
        // fp16 below the 5120 PEs is intended: the datasheet's fp16 rate is a quarter of its int8 rate (188 / 750 TFLOPS),
        // so a PE streams an fp16 element every 4 cycles (5120 / 4 = 1280 -> 184 TFLOP/s). fp32: the MXM has no fp32 mode;
        // a quarter of fp16 (assumed).
        macsPerCycle: { int8: 5120, fp16: 1280, fp32: 320 },
        vectorOpsPerCycle: 256, // VXM 16 lanes x 320 / 80 tiles / ... (assumed)
        sramBytes: 2.875 * MB, // 230 MB / 80
        // The MXM holds weights in the array while activations stream through (ISCA 2020: Load Weights /
        // Install Weights, then activations pass the installed weights): SCALE-Sim's weight-stationary schedule
        dataflow: 'weight-stationary',
      },
      noc: { topology: 'mesh', linkBytesPerCycle: 1024, hopLatencyCycles: 1, multicast: true }, // 80 TB/s on-die streams (assumed split)
      hbm: { stacks: 0, bandwidthBytesPerS: 0, capacityBytes: 0, edges: [] },
      energy: scaled(0.5, 2.5 * 0.8, 0, 40, 100), // 14 nm (x0.5, assumed); static assumed
      // C2C links (Linley 2020): 16 links x 4 lanes x 30 Gb/s = 240 GB/s each way per chip, all links together (480 GB/s
      // both ways, Linley's total). Software-scheduled (ISCA 2022): the compiler schedules every transfer, so a step costs the
      // link latency alone. The per-hop latency is not published: ISCA 2022 bounds only the end-to-end worst case (< 3 µs over
      // a 10,440-TSP system, several hops), so one hop <= 3 µs; 1 µs per hop assumed.
      scaleOut: { maxChips: 1024, linkBytesPerS: (16 * 4 * 30e9) / 8, linkLatencyS: 1e-6, collective: { algorithm: 'ring', stepLatencyS: 0, launchS: 0 } },
      runtime: {
        hbmEfficiency: { streaming: 1, tiled: 1 }, // no HBM: operands stream from SRAM (the NoC model times them)
        memoryLatencyS: 0,
        kernelLaunchS: 0, // statically scheduled (ISCA 2020)
        layerFixedS: 0, // static schedule (assumed)
        fusion: 'pipeline',
        compute: AT_PEAK_COMPUTE,
      },
    },
  },
  {
    id: 'h100',
    label: 'NVIDIA H100 SXM (GPU reference)',
    description:
      '132 SMs modelled as a 12x11 tile grid with the same machinery (SM = tile: tensor cores = MAC array, 256 KB L1/shared = SRAM); ' +
      '3.35 TB/s HBM3, 700 W TDP (decode draws ~490-670 W measured, by batch). The crossbar + L2 is abstracted as a wide mesh; L2 reuse is not modelled.',
    hypothetical: false,
    drawingNote: 'An abstraction: each tile is one of the H100\'s 132 SMs, and the mesh links stand for its SM-to-L2 crossbar (a GPU has no tile-to-tile mesh); "NoC transfers" are crossbar traffic.',
    sources: [
      'NVIDIA H100 datasheet: 989 TFLOP/s bf16 dense, 1979 TOPS int8 dense, 80 GB HBM3 at 3.35 TB/s, 700 W, NVLink 900 GB/s',
      'NVIDIA Hopper architecture whitepaper: 132 SMs, 256 KB L1/shared per SM, 4 tensor cores per SM',
      'clock derived: 989e12 / (2 x 132 x 2048) = 1.83 GHz (boost)',
      'Runtime [HBM-H100] [LAUNCH] [NCCL] (header of presets.ts): streaming 90% / tiled 80% of HBM, kernel gaps under CUDA graphs, TensorRT-LLM fused epilogues, one-shot all-reduce over NVLink',
      'Prefill GEMMs [DEEPGEMM] (header of presets.ts): DeepGEMM README (commit 327ec92f), FP8 GEMM TFLOPS by rows at N = 4096, K = 7168 on H800 SXM5 (the H100 SXM\'s GH100 die, its NVLink cut for export), as a fraction of the 1,979 TFLOP/s FP8 peak',
      'Power [POWER-H100] (header of presets.ts): ML.ENERGY Leaderboard v3.0 measured decode power (vLLM, Llama-3.1-8B / 70B bf16); idle measured on the same die (H200)',
    ],
    power: {
      board: { label: 'board power (TDP)', value: 700, unit: 'W', source: 'NVIDIA H100 SXM datasheet: up to 700 W', assumed: false },
      static: [
        { label: 'idle', value: H100_IDLE_W, unit: 'W', source: '80.3 W measured (nvidia-smi) on an idle H200 SXM, the same GH100 die (Serial Alice, "GPU Energy Benchmark", 2026); taken for the H100 [POWER-H100]', assumed: true },
        {
          label: 'execution baseline', value: H100_EXEC_BASELINE_W, unit: 'W',
          source: 'calibrated [POWER-H100]: 486 W measured while vLLM decodes Llama-3.1-8B bf16 at batch 8 (ML.ENERGY Leaderboard v3.0), less the idle and the 77.5 W the per-event table counts there (row mlenergy-8b-h100-b8-power of bench/validate-chip.json)',
          assumed: false,
        },
      ],
      memory: { label: 'HBM3 per byte', value: 31, unit: 'pJ/B', source: 'HBM2 3.9 pJ/bit (O\'Connor et al., MICRO 2017); HBM3 taken as the same', assumed: true },
    },
    config: {
      name: 'h100',
      clockHz: 1.83e9,
      grid: { rows: 12, cols: 11 },
      tile: {
        macArray: { rows: 32, cols: 64 }, // 4 tensor cores x 512 bf16 MAC/cycle (shape assumed)
        macsPerCycle: { int8: 4096, fp16: 2048, fp32: 128 }, // fp32 = CUDA cores, 67 TFLOP/s
        vectorOpsPerCycle: 128, // 128 fp32 lanes per SM
        sramBytes: 256 * 1024,
      },
      noc: { topology: 'mesh', linkBytesPerCycle: 256, hopLatencyCycles: 4, multicast: true }, // the SM-L2 crossbar abstracted as a wide mesh (assumed width); TMA multicast
      hbm: { stacks: 5, bandwidthBytesPerS: 3.35e12, capacityBytes: 80 * GB, edges: ['west', 'east'] },
      energy: scaled(0.18, 2.5 * 0.5, 31, 10, H100_IDLE_W + H100_EXEC_BASELINE_W), // 4N (x0.18, assumed); NVLink ~1.3 pJ/bit; static = idle + execution baseline [POWER-H100]
      // NVLink 4: 900 GB/s bidirectional = 450 GB/s each way per GPU; one-shot all-reduce [NCCL] with a
      // launch like any kernel [LAUNCH] and ~1 µs per synchronised step over NVSwitch (assumed)
      // [NCCL-LARGE]: messages over the custom all-reduce's 8 MB workspace (16 MB at TP <= 2) go to NCCL's ring
      scaleOut: { maxChips: 8, linkBytesPerS: 450 * GB, linkLatencyS: 2e-6, collective: { algorithm: 'one-shot', stepLatencyS: 1e-6, launchS: 2.5e-6, large: { aboveBytes: 8e6, algorithm: 'ring', fewChips: { upTo: 2, aboveBytes: 16e6 } } } },
      runtime: {
        hbmEfficiency: { streaming: 0.9, tiled: 0.8 }, // [HBM-H100]
        memoryLatencyS: 6.8e-6, // per-kernel ramp + tail: DRAM latency ~0.5 µs, thread blocks filling and draining; calibrated on the NIM Llama-3.1-8B row of bench/validate-chip.json (a 25 MB fp8 GEMV then reaches ~55% of peak)
        kernelLaunchS: 2.5e-6, // between dependent kernels under a CUDA graph [LAUNCH] (assumed, below the 4-6 µs eager launch + sync)
        layerFixedS: 0, // the CUDA graph replays the whole step: no per-layer host work (assumed; eager mode would add it)
        fusion: 'elementwise', // TensorRT-LLM fused epilogues [LAUNCH]
        compute: {
          // [DEEPGEMM] prefill GEMMs at DeepGEMM's measured FP8 rate by rows (N = 4096, K = 7168, H800 SXM5 = H100 SXM
          // compute), of the 1,979 TFLOP/s FP8 peak; bf16 GEMMs take the same fractions (assumed, header)
          gemmEfficiency: [[64, 287 / 1979], [128, 533 / 1979], [1024, 1233 / 1979], [4096, 1410 / 1979]],
          gemmPasses: {},
          // [FA3] prefill attention at FlashAttention-3's measured FP16 forward rate by sequence length, of the 989 TFLOP/s peak
          attentionEfficiency: [[512, 467 / 989], [1024, 565 / 989], [2048, 625 / 989], [4096, 638 / 989], [8192, 646 / 989], [16384, 648 / 989]],
        },
      },
    },
  },
] satisfies ChipPreset[]).map((p) => ({ ...p, config: validateChipConfig(p.config) }));

export function chipPreset(id: string): ChipPreset {
  const p = CHIP_PRESETS.find((c) => c.id === id);
  if (!p) throw new Error(`unknown chip preset "${id}"; allowed: ${CHIP_PRESETS.map((c) => c.id).join(', ')}`);
  return p;
}
