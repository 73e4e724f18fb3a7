// The one WGSL include mechanism (src/gpu/wgsl-include.ts): what it resolves, what it refuses and how it
// says so, and that every shader and include file on disk goes through it.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveIncludes, WgslIncludeError } from '../../src/gpu/wgsl-include.ts';
import { nodeShaderSource } from '../../src/gpu/node.ts';
import { SHADERS } from '../../src/gpu/browser.ts';

const INC = { 'a.wgsl': 'fn a() {}\n', 'b_2.wgsl': 'const B: u32 = 2u;' };

function refusal(src: string, includes: Record<string, string> = INC): WgslIncludeError {
  try {
    resolveIncludes(src, includes, 'k');
  } catch (e) {
    expect(e).toBeInstanceOf(WgslIncludeError);
    return e as WgslIncludeError;
  }
  throw new Error('resolved, expected a refusal');
}

describe('resolveIncludes', () => {
  it('puts the file in place of the directive line, once each, the rest untouched', () => {
    expect(resolveIncludes('x\n// #include "a.wgsl"\n  //#include   "b_2.wgsl"  \ny', INC, 'k')).toBe('x\nfn a() {}\nconst B: u32 = 2u;\ny');
    expect(resolveIncludes('// see #include "a.wgsl" below\nfn f() {}\n', INC, 'k')).toBe('// see #include "a.wgsl" below\nfn f() {}\n');
    expect(resolveIncludes('fn f() {}\r\n// #include "a.wgsl"\r\n', INC, 'k')).toBe('fn f() {}\r\nfn a() {}\n');
  });
  it('names the line and what is allowed for a malformed directive', () => {
    const e = refusal('fn f() {}\n// #include a.wgsl');
    expect(e.line).toBe(2);
    expect(e.message).toBe('k.wgsl line 2: an include reads // #include "NAME.wgsl" (NAME of a-z, 0-9, _), got "// #include a.wgsl"');
    expect(refusal('// #include "../a.wgsl"').line).toBe(1);
  });
  it('names the missing file and the files there are', () => {
    const e = refusal('\n\n// #include "c.wgsl"');
    expect(e.line).toBe(3);
    expect(e.message).toBe('k.wgsl line 3: #include "c.wgsl": no such file in shaders/include/; there: a.wgsl, b_2.wgsl');
    expect(refusal('// #include "constructor.wgsl"', {}).message).toMatch(/no such file in shaders\/include\/; there: none$/);
  });
  it('refuses a file included twice and an include file that includes (no recursion)', () => {
    expect(refusal('// #include "a.wgsl"\n// #include "a.wgsl"').message).toBe('k.wgsl line 2: "a.wgsl" is included twice; a shader includes a file once');
    const self = { 'a.wgsl': 'fn a() {}\n// #include "a.wgsl"\n' };
    expect(refusal('// #include "a.wgsl"', self).message).toBe('k.wgsl line 1: shaders/include/a.wgsl line 2 includes another file; include files include nothing (one level)');
  });
});

describe('the shaders on disk', () => {
  const dir = new URL('../../shaders/', import.meta.url);
  const shaders = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).map((f) => f.slice(0, -'.wgsl'.length));
  const includes = readdirSync(new URL('include/', dir)).filter((f) => f.endsWith('.wgsl'));
  it('all resolve, and every include file is included by some shader', () => {
    const used = new Set<string>();
    for (const s of shaders) {
      const raw = readFileSync(new URL(`${s}.wgsl`, dir), 'utf8');
      for (const m of raw.matchAll(/^\/\/ #include "([^"]+)"$/gm)) used.add(m[1]);
      expect(nodeShaderSource(s), s).not.toMatch(/^\s*\/\/\s*#include/m);
    }
    expect(includes.filter((f) => !used.has(f))).toEqual([]);
  });
  it("are one text through both loaders (the browser loader's Vite glob runs under vitest, which is Vite)", () => {
    expect(Object.keys(SHADERS).sort()).toEqual([...shaders].sort());
    for (const s of shaders) expect(SHADERS[s], s).toBe(nodeShaderSource(s));
    expect(SHADERS.matmul_gguf_gemv).toContain('fn decodePiece(pc: u32)');
  });
});

describe('kernel code several shaders share', () => {
  // Each is written once, in shaders/include/; a shader keeping a private copy of it fails here (a text
  // declared twice would also fail to compile, but only on the GPU).
  const shared: [string, string, string[]][] = [
    ['matmul_int8_tiled.wgsl', 'fn dot4x4(', ['matmul_int8_dot4', 'matmul_int8_unpacked']],
    ['tiled_f32.wgsl', 'fn main(', ['matmul_tiled', 'qkv_fused', 'qkv_fused_w8']],
    ['qkv_scatter.wgsl', 'fn scatter4(', ['qkv_fused', 'qkv_fused_w8']],
    ['gemv_f32.wgsl', 'fn main(', ['matmul_gemv', 'qkv_gemv']],
    ['int8_gemv.wgsl', 'fn dot16(', ['matmul_int8_gemv', 'matmul_int8_gemv_group']],
  ];
  for (const [file, fn, users] of shared) {
    const marker = `\n${fn}`; // the declaration, at the start of a line (a header may name it too)
    it(`${file} is the one text of ${fn}…) in ${users.join(', ')}`, () => {
      const body = readFileSync(new URL(`../../shaders/include/${file}`, import.meta.url), 'utf8');
      expect(body).toContain(marker);
      for (const s of users) {
        const raw = readFileSync(new URL(`../../shaders/${s}.wgsl`, import.meta.url), 'utf8');
        expect(raw, s).toContain(`\n// #include "${file}"\n`);
        expect(raw, s).not.toContain(marker);
        const resolved = nodeShaderSource(s);
        expect(resolved.split(marker).length - 1, s).toBe(1);
        expect(resolved, s).toContain(body.trimEnd());
      }
    });
  }
});
