// Every shader in shaders/ against every plan that uses it, without a GPU: the plan's uniforms are
// the shader's `struct Params` (names, order, types), its bindings are the shader's (binding, access,
// element type fits the tensor's dtype), its overrides exist in the shader with the right type, its
// workgroup size is the shader's @workgroup_size, and its workgroupBytes equal the shader's
// `var<workgroup>` declarations evaluated with the plan's overrides. For each kernel's default
// params, the shader's override defaults equal the plan's values (so a shader run with defaults is
// the plan's default problem). Shapes: a few per kernel and variant (table below; a kernel not in
// the table is checked at its defaults).

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../../src/kernels/registry.ts';
import { nodeShaderSource } from '../../src/gpu/node.ts';
import { KernelInputError, type KernelDef } from '../../src/kernels/kernel.ts';
import type { DType, Pass, Plan } from '../../src/kernels/plan.ts';
import { elementType, evalExpr, parseWgsl, typeLayout, type Env, type WgslDecls } from './wgsl-decls.ts';

const SHADER_DIR = new URL('../../shaders/', import.meta.url);
const shaderFiles = readdirSync(SHADER_DIR).filter((f) => f.endsWith('.wgsl'));
// the text that runs: each shader with its includes (shaders/include/) resolved by the Node loader
const decls = new Map<string, WgslDecls>(shaderFiles.map((f) => [f.replace(/\.wgsl$/, ''), parseWgsl(nodeShaderSource(f.replace(/\.wgsl$/, '')))]));

/** Bindings the runtime adds to every pass (src/gpu/runner.ts): the Params uniform and the stats buffer. */
const RUNTIME_BINDINGS = new Set([14, 15]);

/** Shader element types a tensor dtype may be bound as (u32 for f32/i32: outputs written as bits). */
const ELEMENT_TYPES: Record<DType, readonly string[]> = {
  f32: ['f32', 'vec2<f32>', 'vec4<f32>', 'u32'],
  f16: ['f16', 'vec2<f16>', 'vec4<f16>'],
  i32: ['i32', 'u32'],
  u32: ['u32', 'vec4<u32>'],
  i8: ['u32'],
  i8x4: ['u32', 'vec4<u32>'],
};

/** Params per kernel: chosen to cover every tile class shape the plans distinguish (ragged edges, GQA, odd sizes). */
const CASES: Record<string, Array<Record<string, unknown>>> = {
  matmul: [{}, { M: 1, N: 36, K: 17 }, { M: 70, N: 5, K: 64, BM: 32, BN: 16, BK: 8, TM: 4, TN: 2 }, { M: 3, N: 33, K: 300 }],
  'matmul-int8': [
    {}, { M: 1, N: 33, K: 17, output: 'acc' }, { M: 40, N: 24, K: 96, group: 32, BKW: 4, BM: 16, BN: 32, TM: 2, TN: 4 },
    { M: 3, N: 9, K: 1056, group: 32 }, { M: 2, N: 9, K: 80, group: 48, BKW: 4 }, // gemv per group: XC 64 and 63
  ],
  // every format; ragged rows and columns; gemv chunks of 2048 (M 1), 256 (MR 8) and a ragged tail (Q4_0, K 96 < XC)
  'matmul-gguf': [
    {}, { M: 1, N: 9, K: 2560, format: 'q6_k' }, { M: 3, N: 5, K: 96, format: 'q4_0' },
    { M: 40, N: 20, K: 512, format: 'q5_k', BM: 16, BN: 16, TM: 2, TN: 2 }, { M: 9, N: 33, K: 768, format: 'q4_k', BM: 64, TM: 8 }, { M: 2, N: 32, K: 256, dh: 16 }, { M: 3, N: 5, K: 96, format: 'q5_0' },
    // 16-bit weights as stored: ragged tiles, a gemv tail chunk (K 2112 > XC 2048 for M 1)
    { M: 19, N: 17, K: 96, format: 'f16', BM: 16, BN: 16, TM: 2, TN: 2 }, { M: 1, N: 5, K: 2112, format: 'bf16' },
  ],
  // f32 and both 16-bit storages (E bound as u32 words), with positions and a split part
  embed: [{}, { M: 3, D: 70, V: 20, format: 'f16' }, { M: 2, D: 8, V: 30, vocab: 50, v0: 20, positions: 8, pos0: 2, format: 'bf16' }, { M: 2, D: 64, V: 9, format: 'q5_0' }, { M: 2, D: 256, V: 30, vocab: 50, v0: 20, format: 'q6_k' }],
  qkv: [{}, { M: 1, D: 40, Hq: 4, Hkv: 1, dh: 16, bias: true }, { M: 33, D: 17, Hq: 6, Hkv: 2, dh: 8, BM: 16, BN: 32, BK: 8, TM: 2, TN: 4 }],
  'attention-prefill': [{}, { S: 33, Hq: 4, Hkv: 2, dh: 16, causal: false, Br: 8, Bc: 8 }, { S: 20, Hq: 2, Hkv: 1, dh: 128, Br: 16, Bc: 16 }, { S: 17, L: 40, Hq: 4, Hkv: 2, dh: 16, window: 13 }],
  'attention-decode': [{}, { B: 2, L: 50, Hq: 8, Hkv: 1, dh: 32, split: 16, Bc: 4 }, { L: 9, Hq: 2, Hkv: 2, dh: 128, split: 4, Bc: 3 }, { L: 300, Hq: 4, Hkv: 1, dh: 16, window: 100 }],
};

/** Every variant's plan for every case; a variant may refuse a shape (gemv: N not a multiple of 4) but must take one. */
function plansOf(def: KernelDef): Array<{ plan: Plan; isDefault: boolean }> {
  const out: Array<{ plan: Plan; isDefault: boolean }> = [];
  for (const [i, raw] of (CASES[def.name] ?? [{}]).entries()) {
    const params = def.validate(raw);
    for (const v of def.variants) {
      try {
        out.push({ plan: def.plan(params, v), isDefault: i === 0 && Object.keys(raw).length === 0 });
      } catch (e) {
        if (!(e instanceof KernelInputError)) throw e;
      }
    }
  }
  for (const v of def.variants) expect(out.some((x) => x.plan.variant === v), `${def.name}/${v}: no case it accepts`).toBe(true);
  return out;
}

/** Values of overrides and consts for evaluating the shader's constant expressions under a pass. */
function envFor(d: WgslDecls, pass: Pass): Env {
  const env: Env = (name) => {
    if (name in pass.overrides) return Number(pass.overrides[name]);
    const o = d.overrides.find((x) => x.name === name);
    if (o) {
      if (o.init === null) throw new Error(`override ${name} has no default and the plan does not set it`);
      return o.type === 'bool' ? Number(o.init === 'true') : evalExpr(o.init, env);
    }
    const c = d.consts.get(name);
    if (c !== undefined) return evalExpr(c, env);
    throw new Error(`${pass.shader}: unknown name ${name} in a constant expression`);
  };
  return env;
}

function checkPass(plan: Plan, pass: Pass, isDefault: boolean): void {
  const where = `${plan.kernel}/${plan.variant} ${JSON.stringify(plan.params)}: pass "${pass.label}" (${pass.shader}.wgsl)`;
  const d = decls.get(pass.shader);
  expect(d, `${where}: no shaders/${pass.shader}.wgsl`).toBeDefined();
  if (!d) return;
  const env = envFor(d, pass);

  // Entry point and workgroup size.
  const entry = d.entryPoints.find((e) => e.name === pass.entryPoint);
  expect(entry, `${where}: no @compute fn ${pass.entryPoint}`).toBeDefined();
  const wg = [...entry!.workgroupSize.map((e) => evalExpr(e, env)), 1, 1].slice(0, 3);
  expect(wg, `${where}: @workgroup_size`).toEqual(pass.workgroupSize);

  // struct Params == uniforms, in order.
  const uniform = d.bindings.find((b) => b.space === 'uniform');
  if (pass.uniforms.length > 0 || uniform) {
    expect(uniform?.binding, `${where}: the Params uniform is at binding 14`).toBe(14);
    const fields = d.structs.get(uniform!.type);
    expect(fields, `${where}: struct ${uniform!.type}`).toBeDefined();
    expect(fields!.map((f) => `${f.name}: ${f.type}`), `${where}: struct ${uniform!.type} fields`).toEqual(pass.uniforms.map(([n, u]) => `${n}: ${u.type}`));
  }

  // Bindings: the same set, the same access, element types that fit the dtypes.
  const shaderBindings = d.bindings.filter((b) => b.space === 'storage' && !RUNTIME_BINDINGS.has(b.binding));
  expect(shaderBindings.map((b) => b.binding).sort((a, b) => a - b), `${where}: binding numbers`).toEqual(pass.bindings.map((b) => b.binding).sort((a, b) => a - b));
  for (const b of pass.bindings) {
    const s = shaderBindings.find((x) => x.binding === b.binding)!;
    expect(s.group, `${where}: ${b.tensor} group`).toBe(0);
    expect(s.access, `${where}: ${b.tensor} (binding ${b.binding}, shader var ${s.name}) access`).toBe(b.access);
    const t = plan.tensors.find((x) => x.name === b.tensor);
    expect(t, `${where}: binding ${b.binding} names tensor ${b.tensor}, which the plan does not declare`).toBeDefined();
    expect(ELEMENT_TYPES[t!.dtype], `${where}: ${b.tensor} is ${t!.dtype}, shader var ${s.name} is ${s.type}`).toContain(elementType(s.type));
  }
  expect(d.bindings.find((b) => b.binding === 15)?.access, `${where}: stats buffer at binding 15`).toBe('read_write');

  // Overrides: every one the plan sets exists with a fitting type; the rest have defaults.
  for (const [name, value] of Object.entries(pass.overrides)) {
    const o = d.overrides.find((x) => x.name === name);
    expect(o, `${where}: the plan sets override ${name}, which the shader does not declare`).toBeDefined();
    expect(o!.type === 'bool', `${where}: override ${name} is ${o!.type}, the plan gives ${JSON.stringify(value)}`).toBe(typeof value === 'boolean');
    if (isDefault && o!.init !== null) {
      const def = o!.type === 'bool' ? o!.init === 'true' : evalExpr(o!.init, env);
      expect(def, `${where}: the shader's default for ${name} differs from the plan's default-params value`).toBe(value);
    }
  }
  const instrument = d.overrides.find((o) => o.name === 'INSTRUMENT');
  expect(instrument?.type, `${where}: override INSTRUMENT: bool (set by the runtime)`).toBe('bool');
  for (const o of d.overrides) if (o.init === null) expect(pass.overrides, `${where}: ${o.name} has no default`).toHaveProperty(o.name);

  // Workgroup memory.
  const bytes = d.workgroupVars.reduce((a, v) => a + typeLayout(v.type, env).size, 0);
  expect(bytes, `${where}: var<workgroup> bytes (${d.workgroupVars.map((v) => `${v.name}: ${v.type}`).join('; ')})`).toBe(pass.workgroupBytes);
}

describe('shaders agree with the plans that dispatch them', () => {
  const used = new Set<string>();
  for (const def of KERNELS) {
    it(`${def.name}: every variant, ${(CASES[def.name] ?? [{}]).length} shapes`, () => {
      for (const { plan, isDefault } of plansOf(def))
        for (const pass of plan.passes) {
          used.add(pass.shader);
          checkPass(plan, pass, isDefault);
        }
    });
  }
  it('every shader in shaders/ is dispatched by some plan', () => {
    for (const def of KERNELS) for (const { plan } of plansOf(def)) for (const p of plan.passes) used.add(p.shader);
    expect(shaderFiles.map((f) => f.replace(/\.wgsl$/, '')).filter((s) => !used.has(s))).toEqual([]);
  });
  it('user tensor shapes name only declared parameters', () => {
    for (const def of KERNELS)
      for (const u of def.userInputs ?? [])
        for (const shape of u.shapes)
          for (const dim of shape) if (typeof dim === 'string') expect(def.params.map((p) => p.name), `${def.name} input ${u.name}`).toContain(dim);
  });
});

describe('the WGSL declaration reader', () => {
  // Hand-written source, so a reader bug cannot hide behind the real shaders agreeing with it.
  const d = parseWgsl(`
    override BM: u32 = 64; // a comment { with a brace
    override FLAG: bool = false;
    override NODEF: u32;
    const MAX: u32 = 2u * 8u;
    struct Params { M: u32, scale: f32 }
    @group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
    @group(0) @binding(3) var<storage, read_write> C: array<f32>;
    @group(0) @binding(14) var<uniform> p: Params;
    var<workgroup> As: array<f32, BM * MAX / 4u>;
    var<workgroup> V3: array<vec3<f32>, 2>;
    var<workgroup> n: atomic<u32>;
    fn helper() { var<workgroup> notTopLevel: u32; const inner = 1; }
    @compute @workgroup_size(BM / 8, 2)
    fn main() {}
  `);
  const env: Env = (name) => ({ BM: 64, MAX: 16 })[name] ?? NaN;
  it('reads overrides, consts, structs, bindings, workgroup vars and the entry point', () => {
    expect(d.overrides).toEqual([
      { name: 'BM', type: 'u32', init: '64' },
      { name: 'FLAG', type: 'bool', init: 'false' },
      { name: 'NODEF', type: 'u32', init: null },
    ]);
    expect([...d.consts]).toEqual([['MAX', '2u * 8u']]);
    expect(d.structs.get('Params')).toEqual([{ name: 'M', type: 'u32' }, { name: 'scale', type: 'f32' }]);
    expect(d.bindings.map((b) => [b.binding, b.space, b.access, b.name, elementType(b.type)])).toEqual([
      [0, 'storage', 'read', 'A', 'vec4<f32>'],
      [3, 'storage', 'read_write', 'C', 'f32'],
      [14, 'uniform', 'read', 'p', 'Params'],
    ]);
    expect(d.workgroupVars.map((v) => v.name)).toEqual(['As', 'V3', 'n']);
    expect(d.entryPoints).toEqual([{ name: 'main', workgroupSize: ['BM / 8', '2'] }]);
  });
  it('evaluates sizes: u32 division truncates, vec3 arrays have a 16-byte stride', () => {
    expect(evalExpr('BM * MAX / 4u', env)).toBe(256);
    expect(evalExpr('(BM + 3) / 4 % 5', env)).toBe(1);
    expect(typeLayout('array<f32, BM * MAX / 4u>', env).size).toBe(1024);
    expect(typeLayout('array<vec3<f32>, 2>', env).size).toBe(32);
    expect(typeLayout('atomic<u32>', env).size).toBe(4);
    expect(() => evalExpr('BM +', env)).toThrow(/end of expression/);
  });
});
