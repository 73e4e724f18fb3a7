#!/usr/bin/env python3
"""Hold-out check of the kernel CLI against an independent NumPy oracle.

For every kernel the CLI can run on user tensors (`npm run kernel -- --help`) and every variant it offers,
draws random problems inside the ranges the CLI declares valid (awkward sizes: 1, primes, sizes just past a
tile or the GEMV threshold, GQA ratios, causal prefill over a cached prefix, long decode contexts with
explicit splits, sliding windows, int8 with zero / extreme scales, large and negative inputs), writes .npy
inputs, runs the CLI, and compares its outputs with NumPy implementations written from the math (not from
src/kernels/*.ts), with tolerances derived per element from the dtype's rounding. It also records whether
the CLI's own check (exit code: 0 match, 3 mismatch, 2 refused) agreed.

    python3 bench/kernel-holdout.py [--cases N] [--kernel NAME] [--seed S] [--timeout SECONDS]

Writes bench/results/kernel-holdout.json and prints a table. Needs python3 + numpy; not part of npm test.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
U = 2.0 ** -24  # f32 unit roundoff
F32 = np.float32

# ---------------------------------------------------------------------------------------------------
# helpers


def f32(a):
    return np.asarray(a, dtype=np.float32)


def pick(rng, xs):
    return xs[int(rng.integers(len(xs)))]


def randn(rng, shape, scale=1.0):
    """Mixed-sign inputs: uniform, normal, or offset (all-negative rows), times a magnitude."""
    kind = int(rng.integers(3))
    if kind == 0:
        a = rng.uniform(-1, 1, size=shape)
    elif kind == 1:
        a = rng.standard_normal(size=shape)
    else:
        a = rng.uniform(-1, 0.2, size=shape)
    return f32(a * scale)


def magnitude(rng):
    return pick(rng, [1.0, 1.0, 1.0, 1e-3, 30.0, 1e3])


def dot_tol(A, B, K, extra=0.0):
    """Per-element bound for an f32 dot product of K terms: 8·sqrt(K)·u·Σ|a||b| (random-sign rounding, margin 8)."""
    return 8.0 * math.sqrt(max(K, 1)) * U * (np.abs(A.astype(np.float64)) @ np.abs(B.astype(np.float64))) + extra


def primes_upto(n):
    return [p for p in range(2, n + 1) if all(p % q for q in range(2, int(p ** 0.5) + 1))]


SMALL_PRIMES = primes_upto(200)


def awkward(rng, lo, hi, tiles=(16, 32, 64)):
    """A size in [lo, hi]: 1, a prime, a tile ± 1, or uniform."""
    c = []
    if lo <= 1 <= hi:
        c.append(1)
    c += [p for p in SMALL_PRIMES if lo <= p <= hi][:12]
    for t in tiles:
        for v in (t - 1, t, t + 1):
            if lo <= v <= hi:
                c.append(v)
    c.append(int(rng.integers(lo, hi + 1)))
    return int(pick(rng, c))


# ---------------------------------------------------------------------------------------------------
# int8 quantization, from the documented recipe (README / quant.ts header text, not its code):
#   amax = max |v|; scale = f32(amax · f32(1/127)); inv = 127/amax rounded toward zero to an f32;
#   q = round-half-even(f32(v · inv)), 0 for subnormal v; groups with amax < 2^-119 are all zero, scale 0.

INV127 = F32(1.0 / 127.0)


def trunc_f32(fr):
    """The largest f32 ≤ the positive rational fr."""
    v = F32(float(fr))
    while Fraction(float(v)) > fr:
        v = np.nextafter(v, F32(0))
    return v


def quant_recipe(amax):
    amax = F32(amax)
    if not np.isfinite(amax):
        return F32(amax * INV127), F32(0)
    if amax < F32(2.0 ** -119):
        return F32(0), F32(0)
    scale = F32(amax * INV127)
    inv = trunc_f32(Fraction(127) / Fraction(float(amax)))
    return scale, inv


def quant_vec(v, inv):
    v = f32(v)
    if inv == 0:
        return np.zeros(v.shape, np.int32)
    q = np.rint((v * inv).astype(np.float32)).astype(np.int32)
    q[np.abs(v) < F32(2.0 ** -126)] = 0
    return np.clip(q, -127, 127)


def quant_rows(X):
    M = X.shape[0]
    q = np.zeros(X.shape, np.int32)
    s = np.zeros(M, np.float32)
    for m in range(M):
        s[m], inv = quant_recipe(np.max(np.abs(X[m])) if X.shape[1] else 0)
        q[m] = quant_vec(X[m], inv)
    return q, s


def quant_cols(W, group):
    K, N = W.shape
    G = K if group == 0 else group
    NG = 1 if group == 0 else -(-K // group)
    q = np.zeros(W.shape, np.int32)
    s = np.zeros((NG, N), np.float32)
    for g in range(NG):
        blk = W[g * G:min(K, (g + 1) * G)]
        for n in range(N):
            s[g, n], inv = quant_recipe(np.max(np.abs(blk[:, n])))
            q[g * G:g * G + blk.shape[0], n] = quant_vec(blk[:, n], inv)
    return q, s


# ---------------------------------------------------------------------------------------------------
# ggml block formats (ggml's quantize_row_*_ref, re-derived with f32 arithmetic; K-quants: see oracle)


def f16r(x):
    return np.float32(np.float16(x))


def bf16r(a):
    a = f32(a)
    b = a.view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32)


def ggml_legacy_dequant(fmt, W):
    """Quantize W [N, K] row blocks of 32 as ggml's reference does and dequantize (q4_0, q4_1, q5_0, q5_1)."""
    N, K = W.shape
    x = f32(W).reshape(-1, 32)
    out = np.zeros_like(x)
    for b in range(x.shape[0]):
        xb = x[b]
        if fmt in ('q4_0', 'q5_0'):
            j = int(np.argmax(np.abs(xb)))  # first index of the largest |x| (ggml: strict '<')
            mx = xb[j]
            nlev = 8 if fmt == 'q4_0' else 16
            d = F32(mx / F32(-nlev))
            idd = F32(1) / d if d != 0 else F32(0)
            qv = np.minimum(2 * nlev - 1, np.trunc((xb * idd).astype(np.float32) + F32(nlev + 0.5)).astype(np.int32))
            dh = f16r(d)
            out[b] = ((qv - nlev).astype(np.float32) * dh).astype(np.float32)
        else:
            mn, mx = F32(xb.min()), F32(xb.max())
            nmax = 15 if fmt == 'q4_1' else 31
            d = F32(F32(mx - mn) / F32(nmax))
            idd = F32(1) / d if d != 0 else F32(0)
            qv = np.minimum(nmax, np.trunc((((xb - mn).astype(np.float32) * idd).astype(np.float32) + F32(0.5))).astype(np.int32))
            out[b] = ((qv.astype(np.float32) * f16r(d)).astype(np.float32) + f16r(mn)).astype(np.float32)
    return out.reshape(N, K)


# ---------------------------------------------------------------------------------------------------
# the CLI


class Runner:
    def __init__(self, timeout):
        self.timeout = timeout
        self.tmp = tempfile.mkdtemp(prefix='kernel-holdout-')

    def run(self, kernel, inputs, n_out, variant=None, params=None):
        d = tempfile.mkdtemp(dir=self.tmp)
        ins = []
        for name, arr in inputs.items():
            p = os.path.join(d, f'{name}.npy')
            np.save(p, arr)
            ins.append(f'{name}={p}')
        outs = [os.path.join(d, f'out{i}.npy') for i in range(n_out)]
        cmd = ['node', 'tools/node-gpu.mjs', 'src/cli/kernel.ts', kernel, '--in', ','.join(ins), '--out', ','.join(outs)]
        if variant:
            cmd += ['--variant', variant]
        if params:
            cmd += ['--params', json.dumps(params)]
        t0 = time.time()
        try:
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=self.timeout)
            rc, err, log = r.returncode, r.stderr, r.stdout
        except subprocess.TimeoutExpired:
            rc, err, log = 'timeout', '', ''
        wall = time.time() - t0
        got = {}
        if rc in (0, 3):
            # the CLI names each output it wrote: "  NAME [shape] -> file; ..."
            for line in log.splitlines():
                m = re.match(r'\s+(\w+) \[[^\]]*\] -> (\S+?);', line)
                if m and os.path.exists(m.group(2)):
                    got[m.group(1)] = np.load(m.group(2))
        shutil.rmtree(d, ignore_errors=True)
        return rc, got, (err.strip().splitlines() or [''])[-1][:400], log, wall


# ---------------------------------------------------------------------------------------------------
# cases: each returns dict(kernel, variant, params, inputs, n_out, oracle=fn(inputs) -> [(name, want, tol)])


def case_matmul(rng, variant):
    g = variant
    M = pick(rng, [1, 2, 7, 8, 9, awkward(rng, 1, 70)]) if g in ('gemv', None) else awkward(rng, 1, 80)
    K = pick(rng, [1, 3, 5, 127, 129, 300, 513, awkward(rng, 1, 200)])
    N = awkward(rng, 1, 80)
    if g == 'gemv':
        N = 4 * awkward(rng, 1, 20)
        M = min(M, 8)
    params = {}
    if g in ('tiled', 'tiled-f16') and rng.random() < 0.7:
        while True:
            t = dict(BM=pick(rng, [16, 32, 64, 128]), BN=pick(rng, [16, 32, 64, 128]), BK=pick(rng, [4, 8, 16, 32, 64]),
                     TM=pick(rng, [1, 2, 4, 8]), TN=pick(rng, [1, 2, 4, 8]))
            thr = (t['BM'] // t['TM']) * (t['BN'] // t['TN'])
            if thr <= 256 and t['TM'] * t['TN'] <= 64 and 4 * (t['BM'] + t['BN']) * t['BK'] <= 32768:
                params.update(t)
                break
    s = 1.0 if g == 'tiled-f16' else magnitude(rng)
    A = randn(rng, (M, K), s)
    B = randn(rng, (K, N), 1.0 if g == 'tiled-f16' else magnitude(rng))

    def oracle(inp):
        A, B = inp['A'], inp['B']
        if g == 'tiled-f16':
            A16, B16 = A.astype(np.float16).astype(np.float64), B.astype(np.float16).astype(np.float64)
            C = A16 @ B16
            tol = 8 * math.sqrt(K) * U * (np.abs(A16) @ np.abs(B16)) + 2.0 ** -10 * np.abs(C) + 2.0 ** -24
            return [('C', C, tol)]
        C = A.astype(np.float64) @ B.astype(np.float64)
        return [('C', C, dot_tol(A, B, K) + 1e-30)]

    return dict(kernel='matmul', variant=variant, params=params, inputs={'A': A, 'B': B}, n_out=1, oracle=oracle)


def attention_np(Q, K, V, causal, window, scale):
    """Q [Hq, S, dh], K/V [Hkv, L, dh] -> O [S, Hq*dh] in f64; query i sits at position L-S+i."""
    Hq, S, dh = Q.shape
    Hkv, L, _ = K.shape
    G = Hq // Hkv
    O = np.zeros((S, Hq * dh))
    tol = np.zeros((S, Hq * dh))
    pos = np.arange(L)
    for h in range(Hq):
        k = K[h // G].astype(np.float64)
        v = V[h // G].astype(np.float64)
        sc = (Q[h].astype(np.float64) @ k.T) * scale
        mag = (np.abs(Q[h].astype(np.float64)) @ np.abs(k.T)) * scale
        for i in range(S):
            t = L - S + i
            vis = np.ones(L, bool)
            if causal:
                vis &= pos <= t
                if window > 0:
                    vis &= pos > t - window
            s = sc[i, vis]
            w = np.exp(s - s.max())
            w /= w.sum()
            vv = v[vis]
            O[i, h * dh:(h + 1) * dh] = w @ vv
            # each score's f32 rounding (~sqrt(dh)·u·Σ|q||k|) shifts the weights by that much relative
            kappa = 8 * math.sqrt(dh) * U * mag[i, vis].max() + 1e-6
            tol[i, h * dh:(h + 1) * dh] = (2e-5 + kappa) * np.abs(vv).max() + 1e-4 * np.abs(O[i, h * dh:(h + 1) * dh])
    return O, tol


def att_scale(dh):
    return float(F32(1.0 / math.sqrt(dh)))


def case_prefill(rng, variant):
    dh = pick(rng, [4, 8, 12, 16, 20, 32, 36, 64, 80, 96, 128, 256 if rng.random() < 0.3 else 64])
    Hkv = pick(rng, [1, 1, 2, 3])
    G = pick(rng, [1, 2, 3, 4, 8])
    Hq = Hkv * G
    S = awkward(rng, 1, 70 if dh <= 64 else 40, (16, 32))
    prefix = pick(rng, [0, 0, 1, awkward(rng, 1, 60)])
    L = S + prefix
    causal = bool(rng.random() < 0.75)
    params = {'causal': causal}
    if variant == 'flash':
        if rng.random() < 0.5:
            params['Br'] = pick(rng, [1, 3, 16, 32, 33, 64])
        if rng.random() < 0.5:
            params['Bc'] = pick(rng, [1, 3, 5, 8, 16, 32] if dh <= 128 else [1, 3, 8, 16])
        if causal and rng.random() < 0.4:
            params['window'] = pick(rng, [1, 2, 5, 17, awkward(rng, 1, L + 5)])
    big = pick(rng, [1.0, 1.0, 1.0, 10.0, 100.0])
    Q = randn(rng, (Hq, S, dh), big)
    K = randn(rng, (Hkv, L, dh), magnitude(rng) if big == 1.0 else 1.0)
    V = randn(rng, (Hkv, L, dh), magnitude(rng))
    if prefix == 0 and rng.random() < 0.3:
        params['L'] = L
    if variant == 'flash' and rng.random() < 0.25:
        params['capacity'] = L + pick(rng, [0, 1, 13])  # a KV cache of capacity keys, the first L used

    def oracle(inp):
        O, tol = attention_np(inp['Q'], inp['K'], inp['V'], causal, params.get('window', 0), att_scale(dh))
        return [('O', O, tol)]

    return dict(kernel='attention-prefill', variant=variant, params=params, inputs={'Q': Q, 'K': K, 'V': V}, n_out=1, oracle=oracle)


def case_decode(rng, variant):
    dh = pick(rng, [4, 8, 16, 20, 32, 64, 80, 96, 128, 256 if rng.random() < 0.3 else 64])
    Hkv = pick(rng, [1, 1, 2, 4])
    G = pick(rng, [1, 2, 3, 4, 5, 8, 16])
    Hq = Hkv * G
    B = pick(rng, [1, 1, 2, 3])
    L = pick(rng, [1, 2, 63, 64, 65, 127, 129, 200, 511, 1000, 1500, awkward(rng, 1, 300)])
    if dh >= 128:
        L = min(L, 400)
    params = {}
    if variant == 'split':
        r = rng.random()
        if r < 0.35:
            params['split'] = pick(rng, [1, 7, 16, 63, 64, 100, L, L + 3])
        elif r < 0.5:
            params['fill'] = pick(rng, [1, 3, 1000])
        if rng.random() < 0.4:
            params['Bc'] = pick(rng, [1, 2, 3, 5, 8, 16] if dh <= 64 else [1, 2, 3, 4])
        if rng.random() < 0.3:
            params['window'] = pick(rng, [1, 2, 33, 64, 100, L, L + 7])
        if rng.random() < 0.25:
            params['capacity'] = L + pick(rng, [0, 1, 9])
    q = randn(rng, (B, Hq, dh), pick(rng, [1.0, 1.0, 10.0]))
    k = randn(rng, (B, Hkv, L, dh), magnitude(rng))
    v = randn(rng, (B, Hkv, L, dh), magnitude(rng))

    def oracle(inp):
        W = params.get('window', 0)
        o = np.zeros((B, Hq, dh))
        tol = np.zeros((B, Hq, dh))
        n = min(L, W) if W > 0 else L
        for b in range(B):
            O, t = attention_np(inp['q'][b][:, None, :], inp['k_cache'][b][:, L - n:], inp['v_cache'][b][:, L - n:], False, 0, att_scale(dh))
            o[b] = O.reshape(Hq, dh)
            tol[b] = t.reshape(Hq, dh)
        return [('o', o, tol)]

    return dict(kernel='attention-decode', variant=variant, params=params, inputs={'q': q, 'k_cache': k, 'v_cache': v}, n_out=1, oracle=oracle)


def case_int8(rng, variant):
    M = pick(rng, [1, 2, 5, 8, 9, 17, awkward(rng, 1, 70)])
    if variant == 'gemv':
        M = min(M, 8)
    if variant == 'gemv':
        K = 16 * pick(rng, [1, 2, 3, 5, 8, 17, 32])
    else:
        K = pick(rng, [1, 2, 3, 4, 5, 7, 31, 33, 100, 129, 255, 300, 16 * awkward(rng, 1, 20)])
    N = awkward(rng, 1, 90)
    params = {}
    group = 0
    output = 'f32'
    if variant in ('dot4', 'unpacked'):
        if rng.random() < 0.5:
            t = dict(BM=pick(rng, [16, 32, 64]), BN=pick(rng, [16, 32, 64]), BKW=pick(rng, [1, 2, 4, 8]), TM=pick(rng, [1, 2, 4, 8]), TN=pick(rng, [2, 4, 8]))
            if (t['BM'] // t['TM']) * (t['BN'] // t['TN']) <= 256 and t['TM'] * t['TN'] <= 64:
                params.update(t)
        bkw = params.get('BKW', 8)
        if rng.random() < 0.35:
            group = 4 * bkw * pick(rng, [1, 2, 3, 8])
    elif variant == 'gemv' and rng.random() < 0.5:
        group = pick(rng, [16, 32, 48, 64, 128, 1024])
    if group:
        params['group'] = group
    if group == 0 and rng.random() < 0.25:
        output = 'acc'
        params['output'] = 'acc'
    X = randn(rng, (M, K), magnitude(rng))
    if rng.random() < 0.2:
        X[int(rng.integers(M))] = 0  # an all-zero row: scale 0
    if rng.random() < 0.15:
        X[0, int(rng.integers(K))] = F32(1e-40)  # subnormal
    NG = 1 if group == 0 else -(-K // group)
    inputs = {'X': X}
    use_wq = rng.random() < 0.5
    if use_wq:
        Wq = rng.integers(-128, 128, size=(K, N)).astype(np.int8)
        if rng.random() < 0.3:
            Wq[:, 0] = -128
        sc = f32(rng.uniform(0.0, 1.0, size=(NG, N)) * pick(rng, [1.0, 1e-3, 1e-20, 1e-37, 50.0]))  # 1e-37: subnormal Y
        sc[sc < 0.05 * sc.max()] = 0  # some zero scales
        sc[sc < 2.0 ** -126] = 0  # subnormal scales are refused (the GPU may read them as 0): kernel-cli.test.ts
        inputs['Wq'] = Wq
        inputs['wScale'] = sc[0] if group == 0 else sc
    else:
        inputs['W'] = randn(rng, (K, N), magnitude(rng))

    def oracle(inp):
        xq, xs = quant_rows(inp['X'])
        if use_wq:
            wq = inp['Wq'].astype(np.int64)
            ws = inp['wScale'].reshape(NG, N)
        else:
            wq, ws = quant_cols(inp['W'], group)
            wq = wq.astype(np.int64)
        G = K if group == 0 else group
        Y = np.zeros((M, N))
        Yabs = np.zeros((M, N))
        acc = np.zeros((M, N), np.int64)
        for g in range(NG):
            a = xq[:, g * G:(g + 1) * G].astype(np.int64) @ wq[g * G:(g + 1) * G]
            acc += a
            t = a.astype(np.float64) * ws[g].astype(np.float64)
            Y += t
            Yabs += np.abs(t)
        Y *= xs.astype(np.float64)[:, None]
        Yabs *= np.abs(xs.astype(np.float64))[:, None]
        if output == 'acc':
            return [('ACC', acc, 'exact'), ('Xq', xq, 'exact'), ('xScale', xs.astype(np.float64), 'exact')]
        return [('Y', Y, 4 * (NG + 2) * U * Yabs + 2.0 ** -126)]  # a subnormal Y may be flushed to 0

    n_out = 3 if output == 'acc' else 1
    return dict(kernel='matmul-int8', variant=variant, params=params, inputs=inputs, n_out=n_out, oracle=oracle)


def case_gguf(rng, variant):
    fmt = pick(rng, ['q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k', 'q5_k', 'q6_k', 'f16', 'bf16'])
    blk = 256 if fmt.endswith('_k') else 32
    K = blk * pick(rng, [1, 2, 3] if blk == 256 else [1, 2, 3, 5, 9])
    M = pick(rng, [1, 2, 8, 9, awkward(rng, 1, 40)])
    if variant == 'gemv':
        M = min(M, 8)
    N = awkward(rng, 1, 70)
    params = {'format': fmt}
    if rng.random() < 0.3:
        divs = [d for d in range(1, min(N, 1024) + 1) if N % d == 0]
        params['dh'] = pick(rng, divs)
    if variant == 'tiled' and rng.random() < 0.5:
        t = dict(BM=pick(rng, [16, 32, 64]), BN=pick(rng, [16, 32]), TM=pick(rng, [1, 2, 4, 8]), TN=pick(rng, [1, 2, 4, 8]))
        if (t['BM'] // t['TM']) * (t['BN'] // t['TN']) <= 256 and t['TM'] * t['TN'] <= 64:
            params.update(t)
    X = randn(rng, (M, K), magnitude(rng))
    W = randn(rng, (N, K), magnitude(rng))
    if rng.random() < 0.2:
        W[0, :blk] = 0  # an all-zero block

    def oracle(inp):
        X, W = inp['X'].astype(np.float64), inp['W']
        if fmt == 'f16':
            Wd = W.astype(np.float16).astype(np.float64)
        elif fmt == 'bf16':
            Wd = bf16r(W).astype(np.float64)
        elif fmt in ('q4_0', 'q4_1', 'q5_0', 'q5_1'):
            Wd = ggml_legacy_dequant(fmt, W).astype(np.float64)
        else:
            Wd = None
        if Wd is not None:
            Y = X @ Wd.T
            tol = dot_tol(inp['X'], Wd.T, K) + 1e-30
        else:
            # K-quants (make_qkx2_quants' search is not re-derived here): W itself, with the statistical
            # quantization error of a b-bit level per 32-value sub-block, 6 sigma, as the bound.
            bits = {'q4_k': 4, 'q5_k': 5, 'q6_k': 6}[fmt]
            Wf = W.astype(np.float64)
            sub = Wf.reshape(N, K // 32, 32)
            step = (sub.max(axis=2) - np.minimum(sub.min(axis=2), 0) if fmt != 'q6_k' else 2 * np.abs(sub).max(axis=2)) / (2 ** bits - 1)
            step = np.repeat(step, 32, axis=1) * 1.5  # 6-bit sub-scales add up to half a level
            Y = X @ Wf.T
            tol = 6 * np.sqrt((X ** 2) @ (step ** 2 / 12).T) + dot_tol(inp['X'], W.T, K) + 1e-30
        dh = params.get('dh', 0)
        if dh:
            Y = Y.reshape(M, N // dh, dh).transpose(1, 0, 2)
            tol = tol.reshape(M, N // dh, dh).transpose(1, 0, 2)
        return [('Y', Y, tol)]

    return dict(kernel='matmul-gguf', variant=variant, params=params, inputs={'X': X, 'W': W}, n_out=1, oracle=oracle)


def case_qkv(rng, variant):
    dh = pick(rng, [4, 8, 12, 16, 32, 64])
    Hkv = pick(rng, [1, 2, 3])
    Hq = Hkv * pick(rng, [1, 2, 4, 5])
    M = pick(rng, [1, 3, 8, 9, awkward(rng, 1, 70)])
    if variant in ('gemv', 'gemv-w8'):
        M = min(M, 8)
    D = 16 * awkward(rng, 1, 12) if variant == 'gemv-w8' else pick(rng, [1, 3, 17, 64, 100, awkward(rng, 1, 200)])
    bias = bool(rng.random() < 0.4)
    N = (Hq + 2 * Hkv) * dh
    params = {'Hq': Hq, 'Hkv': Hkv, 'dh': dh}
    if variant in ('fused', 'unfused', 'fused-w8') and rng.random() < 0.4:
        t = dict(BM=pick(rng, [16, 32, 64]), BN=pick(rng, [16, 32, 64]), BK=pick(rng, [4, 8, 16, 32]), TM=pick(rng, [1, 2, 4, 8]), TN=pick(rng, [1, 2, 4, 8]))
        if (t['BM'] // t['TM']) * (t['BN'] // t['TN']) <= 256 and t['TM'] * t['TN'] <= 64:
            params.update(t)
    X = randn(rng, (M, D), magnitude(rng))
    W = randn(rng, (D, N), magnitude(rng))
    inputs = {'X': X, 'W': W}
    if bias:
        inputs['bias'] = randn(rng, (N,), magnitude(rng))
    w8 = variant in ('fused-w8', 'gemv-w8')

    def oracle(inp):
        X = inp['X']
        if w8:
            q, s = quant_cols(inp['W'], 0)
            Wd = (q.astype(np.float64) * s[0].astype(np.float64))
        else:
            Wd = inp['W'].astype(np.float64)
        Y = X.astype(np.float64) @ Wd
        tol = dot_tol(X, Wd, D) + 1e-30
        if bias:
            Y += inp['bias'].astype(np.float64)
            tol += 4 * U * np.abs(Y)
        Nq, Nkv = Hq * dh, Hkv * dh
        hm = lambda a, h: a.reshape(M, h, dh).transpose(1, 0, 2)
        outs = []
        for name, lo, hi, h in (('Q', 0, Nq, Hq), ('K', Nq, Nq + Nkv, Hkv), ('V', Nq + Nkv, N, Hkv)):
            outs.append((name, hm(Y[:, lo:hi], h), hm(tol[:, lo:hi], h)))
        return outs

    return dict(kernel='qkv', variant=variant, params=params, inputs=inputs, n_out=3, oracle=oracle)


# ---- element-wise kernels of a transformer block ----------------------------------------------------


def case_embed(rng, variant):
    fmt = pick(rng, ['f32', 'f32', 'f16', 'bf16'])
    D = awkward(rng, 1, 140, (64,))
    if fmt != 'f32' and D % 2:
        D += 1
    V = awkward(rng, 1, 300, (64,))
    M = awkward(rng, 1, 40)
    params = {'format': fmt}
    split = rng.random() < 0.25
    vocab = v0 = 0
    if split:
        vocab = V + int(rng.integers(1, 50))
        v0 = int(rng.integers(0, vocab - V + 1))
        params.update(vocab=vocab, v0=v0)
        ids = rng.integers(0, vocab, size=M)
    else:
        ids = rng.integers(0, V, size=M)
    E = randn(rng, (V, D), magnitude(rng) if fmt == 'f32' else 1.0)
    inputs = {'ids': ids.astype(np.int32), 'E': E}
    pos0 = 0
    if rng.random() < 0.4:
        pos0 = pick(rng, [0, 1, 7, awkward(rng, 0, 500)])
        positions = pos0 + M + int(rng.integers(0, 5))
        params['pos0'] = pos0
        inputs['P'] = randn(rng, (positions, D), 1.0)

    def oracle(inp):
        E = inp['E']
        Er = E if fmt == 'f32' else (E.astype(np.float16).astype(np.float32) if fmt == 'f16' else bf16r(E))
        X = np.zeros((M, D), np.float32)
        for m, i in enumerate(inp['ids']):
            r = int(i) - v0
            if split and not (0 <= r < V):
                continue
            X[m] = Er[r] + inp['P'][pos0 + m] if 'P' in inp else Er[r]  # one f32 add: exact in NumPy too
        return [('X', X.astype(np.float64), 'exact')]

    return dict(kernel='embed', variant=None, params=params, inputs=inputs, n_out=1, oracle=oracle)


def case_norm(kernel):
    def gen(rng, variant):
        D = pick(rng, [1, 2, 3, 63, 64, 65, 100, 511, 1000, awkward(rng, 1, 300)])
        M = awkward(rng, 1, 20)
        params = {}
        rows, r0 = M, 0
        if rng.random() < 0.3:
            r0 = int(rng.integers(0, 5))
            rows = r0 + M + int(rng.integers(0, 3))
            params.update(M=M, rows=rows, r0=r0)
        eps = 1e-5
        if rng.random() < 0.3:
            eps = pick(rng, [1e-6, 1e-5, 0.0, 0.1])
            params['eps'] = eps
        off = pick(rng, [0.0, 0.0, 3.0, -100.0]) if kernel == 'layernorm' else 0.0
        X = f32(randn(rng, (rows, D), magnitude(rng)) + off)
        if kernel == 'rmsnorm' and eps == 0.0:
            X[X == 0] = 1.0
        inputs = {'X': X, 'w': randn(rng, (D,), magnitude(rng))}
        if kernel == 'layernorm':
            inputs['b'] = randn(rng, (D,), 1.0)
            if eps == 0.0 and D == 1:
                params['eps'] = eps = 1e-5  # one value: variance 0 needs eps

        def oracle(inp):
            x = inp['X'][r0:r0 + M].astype(np.float64)
            w = inp['w'].astype(np.float64)
            e = float(F32(eps))
            if kernel == 'rmsnorm':
                rms = np.sqrt((x ** 2).mean(axis=1, keepdims=True) + e)
                n = x / rms
                Y = n * w
                tol = (16 * math.sqrt(D) * U) * np.abs(n) * np.abs(w) + 1e-30
            else:
                mu = x.mean(axis=1, keepdims=True)
                sd = np.sqrt(((x - mu) ** 2).mean(axis=1, keepdims=True) + e)
                n = (x - mu) / sd
                Y = n * w + inp['b'].astype(np.float64)
                # the f32 mean's rounding (~sqrt(D)·u·max|x|) moves every x − mean by that much
                amax = np.abs(x).max(axis=1, keepdims=True)
                tol = (16 * math.sqrt(D) * U) * (np.abs(n) + amax / sd) * np.abs(w) + 4 * U * np.abs(Y) + 1e-30
            return [('Y', Y, tol)]

        return dict(kernel=kernel, variant=None, params=params, inputs=inputs, n_out=1, oracle=oracle)
    return gen


def case_rope(rng, variant):
    dh = pick(rng, [2, 4, 6, 8, 16, 64, 128, 256 if rng.random() < 0.3 else 8])
    H = awkward(rng, 1, 9, (4,))
    M = awkward(rng, 1, 20)
    big = rng.random() < 0.4
    pos0 = pick(rng, [0, 0, 1, 17, 4095, 20000 if dh <= 16 else 999]) if big else pick(rng, [0, 3])
    params = {'pos0': pos0}
    out0 = 0
    C = None
    if rng.random() < 0.4:
        out0 = pick(rng, [pos0, int(rng.integers(0, 10))])
        C = out0 + M + int(rng.integers(0, 6))
        params.update(out0=out0, C=C)
    C = C or out0 + M
    rotate = bool(rng.random() < 0.8)
    params['rotate'] = rotate
    positions = pos0 + M + int(rng.integers(0, 3))
    base = pick(rng, [10000.0, 500000.0])
    ang = np.arange(positions)[:, None] / base ** (2 * np.arange(dh // 2)[None, :] / dh)
    T = f32(np.stack([np.cos(ang), np.sin(ang)], axis=-1))
    X = randn(rng, (H, M, dh), magnitude(rng))

    def oracle(inp):
        X = inp['X'].astype(np.float64)
        T = inp['T'].astype(np.float64)
        Y = np.zeros((H, C, dh))
        tol = np.zeros((H, C, dh))
        h2 = dh // 2
        for m in range(M):
            if rotate:
                c, s_ = T[pos0 + m, :, 0], T[pos0 + m, :, 1]
                x1, x2 = X[:, m, :h2], X[:, m, h2:]
                Y[:, out0 + m, :h2] = x1 * c - x2 * s_
                Y[:, out0 + m, h2:] = x2 * c + x1 * s_
                mag = np.abs(x1 * c) + np.abs(x2 * s_)
                tol[:, out0 + m, :] = np.concatenate([mag, np.abs(x2 * c) + np.abs(x1 * s_)], axis=1) * 3 * U + 1e-38
            else:
                Y[:, out0 + m] = X[:, m]
        return [('Y', Y, tol)]

    return dict(kernel='rope', variant=None, params=params, inputs={'X': X, 'T': T}, n_out=1, oracle=oracle)


def case_silu(rng, variant):
    M, F = awkward(rng, 1, 12), awkward(rng, 1, 300)
    g = randn(rng, (M, F), pick(rng, [1.0, 6.0, 30.0, 100.0]))
    u = randn(rng, (M, F), magnitude(rng))

    def oracle(inp):
        g, u = inp['gate'].astype(np.float64), inp['up'].astype(np.float64)
        H = g / (1 + np.exp(-g)) * u
        # exp(-g) overflows f32 below g ≈ -88.7, where silu(g) < 1e-36: f32 gives 0 there
        return [('H', H, (8 * U * (1 + np.abs(g)) + 4 * U) * np.abs(H) + 1e-35 * np.abs(u))]

    return dict(kernel='silu-mul', variant=None, params={}, inputs={'gate': g, 'up': u}, n_out=1, oracle=oracle)


def case_gelu(rng, variant):
    M, F = awkward(rng, 1, 12), awkward(rng, 1, 300)
    U_ = randn(rng, (M, F), pick(rng, [1.0, 3.0, 10.0, 1000.0]))
    b = randn(rng, (F,), 0.5)

    def oracle(inp):
        x = (inp['U'] + inp['b']).astype(np.float32).astype(np.float64)  # the shader adds the bias in f32
        H = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
        return [('H', H, 8 * U * np.abs(x) + 8 * U * np.abs(H) + 1e-30)]

    return dict(kernel='gelu', variant=None, params={}, inputs={'U': U_, 'b': b}, n_out=1, oracle=oracle)


def case_residual(rng, variant):
    M, D = awkward(rng, 1, 12), awkward(rng, 1, 300)
    X, Y = randn(rng, (M, D), magnitude(rng)), randn(rng, (M, D), magnitude(rng))
    inputs = {'X': X, 'Y': Y}
    if rng.random() < 0.5:
        inputs['bias'] = randn(rng, (D,), magnitude(rng))

    def oracle(inp):
        Z = inp['X'] + inp['Y']  # f32 adds, correctly rounded: exact in NumPy too
        if 'bias' in inp:
            Z = Z + inp['bias']
        return [('Z', Z.astype(np.float64), 'exact')]

    return dict(kernel='residual-add', variant=None, params={}, inputs=inputs, n_out=1, oracle=oracle)


def case_sample(rng, variant):
    V = pick(rng, [1, 2, 5, 63, 64, 65, 1000, awkward(rng, 1, 3000)])
    k = pick(rng, [1, 2, 3, 8, 40, 64])
    T = pick(rng, [0.0, 0.3, 0.8, 1.0, 2.0])
    u = float(pick(rng, [0.0, 0.5, 0.999, float(F32(rng.random()))]))
    logits = randn(rng, (V,), pick(rng, [1.0, 6.0, 30.0]))
    if rng.random() < 0.6:
        logits = f32(np.round(logits * 2) / 2)  # many exact ties: index order decides
    params = {'k': k, 'temperature': T, 'u': u}

    def oracle(inp):
        lg = inp['logits']
        kk = 1 if T <= 0 else min(k, 64, V)
        order = sorted(range(V), key=lambda i: (-float(lg[i]), i))[:kk]
        if kk == 1:
            return [('out', np.array([order[0]] + order, np.float64), 'exact')]
        top = float(lg[order[0]])
        p = np.exp((lg[order].astype(np.float64) - top) / T)
        cum = np.cumsum(p)
        goal = u * cum[-1]
        j = int(np.argmax(cum > goal)) if (cum > goal).any() else kk - 1
        # a draw within f32 rounding of a boundary may fall on either side: accept both
        alts = {j}
        for jj in range(kk):
            if abs(cum[jj] - goal) <= 1e-5 * cum[-1]:
                alts.update({jj, min(jj + 1, kk - 1)})
        return [('out', np.array([order[j]] + order, np.float64), ('token-one-of', [order[a] for a in alts]))]

    return dict(kernel='sample', variant=None, params=params, inputs={'logits': logits}, n_out=1, oracle=oracle)


KERNELS = {
    'matmul': (case_matmul, ['naive', 'tiled', 'tiled-f16', 'gemv', None]),
    'attention-prefill': (case_prefill, ['flash', 'naive', None]),
    'attention-decode': (case_decode, ['split', 'naive', None]),
    'matmul-int8': (case_int8, ['dot4', 'unpacked', 'gemv', None]),
    'matmul-gguf': (case_gguf, ['gemv', 'tiled', None]),
    'qkv': (case_qkv, ['fused', 'unfused', 'fused-w8', 'gemv', 'gemv-w8', None]),
    'embed': (case_embed, [None]),
    'rmsnorm': (case_norm('rmsnorm'), [None]),
    'layernorm': (case_norm('layernorm'), [None]),
    'rope': (case_rope, [None]),
    'silu-mul': (case_silu, [None]),
    'gelu': (case_gelu, [None]),
    'residual-add': (case_residual, [None]),
    'sample': (case_sample, [None]),
}


def compare(got, want, tol):
    if got is None:
        return False, float('inf'), 'missing output'
    got = np.asarray(got)
    want = np.asarray(want)
    if got.size != want.size:
        return False, float('inf'), f'shape {list(got.shape)} vs {list(want.shape)}'
    g = got.astype(np.float64).reshape(want.shape)
    if isinstance(tol, tuple):  # sample: candidates exact, the token one of the draws within rounding of a boundary
        ok = bool((g[1:] == want[1:]).all()) and int(g[0]) in tol[1]
        return ok, float(np.max(np.abs(g - want))), '' if ok else f'got {g.astype(int).tolist()} want {want.astype(int).tolist()} (token one of {tol[1]})'
    if isinstance(tol, str):
        bad = g != want
        err = float(np.max(np.abs(g - want))) if g.size else 0.0
        return (not bad.any()), err, ''
    # WGSL lets a GPU flush subnormal results to zero: no bound below the smallest normal f32
    tol = np.asarray(tol) + 2.0 ** -126
    fin = np.isfinite(want)
    err = np.abs(g - want)
    bad = ~(err <= tol)
    bad &= fin | ~(g == want)
    mx = float(np.nanmax(np.where(np.isfinite(err), err, np.inf))) if err.size else 0.0
    info = ''
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), want.shape)
        info = f'first bad {list(map(int, i))}: got {g[i]:.6g} want {want[i]:.6g} tol {np.broadcast_to(tol, want.shape)[i]:.3g}; {int(bad.sum())}/{bad.size} bad'
    return (not bad.any()), mx, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cases', type=int, default=30, help='cases per kernel (default 30)')
    ap.add_argument('--kernel', action='append', help='only this kernel (repeatable)')
    ap.add_argument('--seed', type=int, default=20261207)
    ap.add_argument('--timeout', type=int, default=180, help='seconds per CLI run')
    ap.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results', 'kernel-holdout.json'))
    args = ap.parse_args()
    names = args.kernel or list(KERNELS)
    for n in names:
        if n not in KERNELS:
            sys.exit(f'unknown kernel {n}; allowed: {", ".join(KERNELS)}')
    runner = Runner(args.timeout)
    results = []
    try:
        for name in names:
            gen, variants = KERNELS[name]
            rng = np.random.default_rng([args.seed, list(KERNELS).index(name)])
            for i in range(args.cases):
                variant = variants[i % len(variants)]
                c = gen(rng, variant)
                rc, got, err, log, wall = runner.run(c['kernel'], c['inputs'], c['n_out'], c['variant'], c['params'])
                shapes = {k: list(v.shape) for k, v in c['inputs'].items()}
                row = dict(kernel=name, variant=variant or 'auto', params=c['params'], shapes=shapes, cliExit=rc, seconds=round(wall, 1))
                if rc in (0, 3):
                    checks = []
                    for oname, want, tol in c['oracle'](c['inputs']):
                        ok, mx, info = compare(got.get(oname), want, tol)
                        tmax = 0.0 if isinstance(tol, (str, tuple)) else float(np.max(np.broadcast_to(tol, np.shape(want)))) if np.size(want) else 0.0
                        checks.append(dict(output=oname, ok=ok, maxAbsErr=mx, tolerance='exact' if isinstance(tol, (str, tuple)) else tmax, info=info))
                    row['outputs'] = checks
                    row['ok'] = all(x['ok'] for x in checks)
                    row['maxAbsErr'] = max(x['maxAbsErr'] for x in checks)
                    row['cliAgrees'] = (rc == 0) == row['ok']
                    if not row['ok'] or rc != 0:
                        row['cliMessage'] = err
                else:
                    row['ok'] = None
                    row['cliMessage'] = err
                results.append(row)
                status = 'ok' if row['ok'] else ('REFUSED' if rc == 2 else 'MISMATCH' if row['ok'] is False else f'rc={rc}')
                if row['ok'] and rc != 0:
                    status = 'ok (CLI said 3)'
                print(f"{name:18} {row['variant']:9} {status:16} exit={rc} {wall:5.1f}s {json.dumps(c['params'])} {shapes}"
                      + (f"\n    {err}" if rc not in (0, 3) or row['ok'] is False or rc == 3 else '')
                      + ''.join(f"\n    {x['output']}: {x['info']}" for x in row.get('outputs', []) if not x['ok']), flush=True)
    finally:
        shutil.rmtree(runner.tmp, ignore_errors=True)
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        summary = {}
        for r in results:
            s = summary.setdefault(r['kernel'], dict(cases=0, ok=0, mismatch=0, refused=0, other=0, cliDisagrees=0))
            s['cases'] += 1
            if r['ok'] is True:
                s['ok'] += 1
            elif r['ok'] is False:
                s['mismatch'] += 1
            elif r['cliExit'] == 2:
                s['refused'] += 1
            else:
                s['other'] += 1
            if r.get('cliAgrees') is False:
                s['cliDisagrees'] += 1
        with open(args.out, 'w') as f:
            json.dump(dict(seed=args.seed, casesPerKernel=args.cases, summary=summary, cases=results), f, indent=1, default=float)
        print()
        print(f"{'kernel':18} {'cases':>5} {'ok':>4} {'mismatch':>8} {'refused':>7} {'other':>5} {'cli disagrees':>13}")
        for k, s in summary.items():
            print(f"{k:18} {s['cases']:5} {s['ok']:4} {s['mismatch']:8} {s['refused']:7} {s['other']:5} {s['cliDisagrees']:13}")
        print(f'wrote {os.path.relpath(args.out, ROOT)}')


if __name__ == '__main__':
    main()
