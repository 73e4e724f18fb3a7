// A small reader for the module-scope declarations of our WGSL shaders, for checking them against
// the plans without a GPU (test/unit/shader-plan.test.ts). It reads what a plan must agree with:
// `override` constants (type, default), module `const`s, `struct`s, resource bindings (group,
// binding, address space, access, element type), `var<workgroup>` variables and the compute entry
// point's @workgroup_size. Array sizes and workgroup sizes are constant expressions over overrides
// and consts; `evalExpr` evaluates them (integers: + - * / % and parentheses, u32 division).
// Not a WGSL compiler: Dawn compiles the shaders in the GPU tests; this only reads declarations.
// (wgsl_reflect, the npm WGSL reflection library, rejects expressions in @workgroup_size, which
// every tiled shader here uses.)

export interface OverrideDecl {
  name: string;
  type: string;
  /** The default's source text, or null when the pipeline must set it. */
  init: string | null;
}

export interface BindingDecl {
  group: number;
  binding: number;
  name: string;
  space: 'storage' | 'uniform';
  access: 'read' | 'read_write';
  type: string;
}

export interface WgslDecls {
  overrides: OverrideDecl[];
  consts: Map<string, string>;
  structs: Map<string, Array<{ name: string; type: string }>>;
  bindings: BindingDecl[];
  workgroupVars: Array<{ name: string; type: string }>;
  entryPoints: Array<{ name: string; workgroupSize: string[] }>;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

/** The source with every `{ ... }` body at depth ≥ 1 blanked out except struct bodies, which are kept. */
function topLevel(src: string): string {
  let out = '';
  let depth = 0;
  let keep = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '{') {
      if (depth === 0) keep = /struct\s+\w+\s*$/.test(out);
      depth++;
      out += depth === 1 ? c : keep ? c : '';
      continue;
    }
    if (c === '}') {
      depth--;
      out += depth === 0 || keep ? c : '';
      continue;
    }
    if (depth === 0 || keep) out += c;
  }
  return out;
}

/** Splits "a<b, c>, d" at top-level commas. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '<' || c === '(') depth++;
    if (c === '>' || c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

export function parseWgsl(source: string): WgslDecls {
  const src = topLevel(stripComments(source));
  const d: WgslDecls = { overrides: [], consts: new Map(), structs: new Map(), bindings: [], workgroupVars: [], entryPoints: [] };
  for (const m of src.matchAll(/(?:@id\(\d+\)\s*)?override\s+(\w+)\s*:\s*(\w+)\s*(?:=\s*([^;]+))?;/g)) {
    d.overrides.push({ name: m[1], type: m[2], init: m[3]?.trim() ?? null });
  }
  for (const m of src.matchAll(/\bconst\s+(\w+)\s*(?::\s*[\w<>]+\s*)?=\s*([^;]+);/g)) d.consts.set(m[1], m[2].trim());
  for (const m of src.matchAll(/struct\s+(\w+)\s*\{([^}]*)\}/g)) {
    const fields = splitTop(m[2]).map((f) => {
      const fm = /^(?:@\w+(?:\([^)]*\))?\s*)*(\w+)\s*:\s*(.+)$/.exec(f.trim());
      if (!fm) throw new Error(`struct ${m[1]}: cannot read field "${f}"`);
      return { name: fm[1], type: fm[2].replace(/\s+/g, '') };
    });
    d.structs.set(m[1], fields);
  }
  for (const m of src.matchAll(/@group\((\d+)\)\s*@binding\((\d+)\)\s*var<\s*(\w+)\s*(?:,\s*(\w+)\s*)?>\s*(\w+)\s*:\s*([^;]+);/g)) {
    const space = m[3];
    if (space !== 'storage' && space !== 'uniform') throw new Error(`binding ${m[5]}: address space ${space} is not read here`);
    d.bindings.push({
      group: Number(m[1]),
      binding: Number(m[2]),
      space,
      access: space === 'uniform' ? 'read' : ((m[4] ?? 'read') as 'read' | 'read_write'),
      name: m[5],
      type: m[6].replace(/\s+/g, ''),
    });
  }
  for (const m of src.matchAll(/var<\s*workgroup\s*>\s*(\w+)\s*:\s*([^;]+);/g)) d.workgroupVars.push({ name: m[1], type: m[2].replace(/\s+/g, ' ').trim() });
  for (const m of src.matchAll(/@compute\s*@workgroup_size\(([^)]*)\)\s*fn\s+(\w+)/g)) d.entryPoints.push({ name: m[2], workgroupSize: splitTop(m[1]) });
  return d;
}

// ---- constant expressions -------------------------------------------------------------------------

export type Env = (name: string) => number;

/** Evaluates an integer constant expression: literals (1, 4u, 0x10), names via `env`, + - * / % and (). */
export function evalExpr(expr: string, env: Env): number {
  const toks = expr.match(/0x[0-9a-fA-F]+[ui]?|\d+[ui]?|\w+|[-+*/%()]/g) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const atom = (): number => {
    const t = toks[i++];
    if (t === undefined) throw new Error(`unexpected end of expression "${expr}"`);
    if (t === '(') {
      const v = sum();
      if (toks[i++] !== ')') throw new Error(`missing ) in "${expr}"`);
      return v;
    }
    if (t === '-') return -atom();
    if (/^(0x[0-9a-fA-F]+|\d+)[ui]?$/.test(t)) return Number(t.replace(/[ui]$/, ''));
    if (/^\w+$/.test(t)) return env(t);
    throw new Error(`unexpected "${t}" in "${expr}"`);
  };
  const product = (): number => {
    let v = atom();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = toks[i++];
      const r = atom();
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = toks[i++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (i !== toks.length) throw new Error(`cannot read "${expr}" past "${toks[i]}"`);
  return v;
}

/** Size and alignment in bytes of a WGSL type (host-shareable / workgroup layout rules). */
export function typeLayout(type: string, env: Env): { size: number; align: number } {
  const t = type.replace(/\s+/g, '');
  const scalar: Record<string, number> = { f32: 4, u32: 4, i32: 4, f16: 2, bool: 4 };
  if (t in scalar) return { size: scalar[t], align: scalar[t] };
  let m = /^atomic<(\w+)>$/.exec(t);
  if (m) return { size: 4, align: 4 };
  m = /^vec([234])<(\w+)>$/.exec(t) ?? /^vec([234])([fuih])$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    const e = m[2].length === 1 ? (m[2] === 'h' ? 2 : 4) : scalar[m[2]];
    return { size: n * e, align: (n === 3 ? 4 : n) * e };
  }
  m = /^array<(.+),([^,<>]+)>$/.exec(t);
  if (m) {
    const el = typeLayout(m[1], env);
    const stride = Math.ceil(el.size / el.align) * el.align;
    return { size: stride * evalExpr(m[2], env), align: el.align };
  }
  throw new Error(`type ${type} is not read here`);
}

/** The element type of a storage binding: array<T> -> T. */
export function elementType(type: string): string {
  const m = /^array<(.+)>$/.exec(type.replace(/\s+/g, ''));
  return m ? m[1] : type;
}
