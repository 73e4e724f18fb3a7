// matmul_gemv: C = A · B for few rows (decode: M = 1 token, or a small batch), a weight-streaming GEMV.
// A: [M, K] row-major f32; B: [K, N] row-major f32, read as vec4 (N is a multiple of 4); C: [M, N] f32.
// With M ≤ MR every weight is read from memory exactly once and used for all M rows, where the tiled
// kernel would give each workgroup a 64-row tile and compute 64 - M rows of padding.
// Tiling: a workgroup owns 4·TX columns (TX lanes, each a vec4 of 4 adjacent columns) and MR rows; its
// TY lane rows split K (lane row ty takes k = ty, ty + TY, ...), so one k row of the block is 4·TX
// contiguous floats (TX = 8: 128 bytes, one cache line) and each lane streams every TY-th of them.
// A is staged KC columns at a time in workgroup memory (all MR rows), read by every lane from there.
// The TY partial sums of each output are added in workgroup memory (a tree over TY, a power of two).
// Global traffic per workgroup: its B columns once (16·K bytes per lane column), the MR rows of A
// once, its outputs once.
// Measured 2026-12-02 (SwiftShader, Node/Dawn, 2 CPU cores shared with other jobs: ratios only, side by
// side in one run): M=1, N=K=1024: gemv 2.24x faster than tiled (the decode baseline); no real-GPU figure yet.

// The tiling (overrides TX, TY, MR, KC, INSTRUMENT; the entry point) is written once, for this and
// qkv_gemv, in shaders/include/gemv_f32.wgsl (L = A, R = B); this file gives the operands and the store.
// #include "gemv_f32.wgsl"

struct Params { M: u32, N: u32, K: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;             // [M, K]
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;       // [K, N / 4]
@group(0) @binding(2) var<storage, read_write> C: array<vec4<f32>>; // [M, N / 4]
@group(0) @binding(14) var<uniform> p: Params;

fn depth() -> u32 { return p.K; }
fn leftAt(r: u32, k: u32) -> f32 { return A[r * p.K + k]; }
fn rightAt(k: u32, col4: u32) -> vec4<f32> { return B[k * (p.N / 4u) + col4]; }

// Nothing is added: C is the sum itself.
fn laneExtra(col4: u32, lead: bool) -> vec4<f32> { return vec4<f32>(0.0); }
fn laneExtraBytes(lead: bool) -> u32 { return 0u; }
fn storeOut(r: u32, col4: u32, v: vec4<f32>, extra: vec4<f32>) { C[r * (p.N / 4u) + col4] = v; }
