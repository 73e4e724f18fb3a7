// The one include mechanism of our WGSL (the language has none). A shader line
//     // #include "NAME.wgsl"
// stands for the text of shaders/include/NAME.wgsl: resolveIncludes puts that text in its place, line for
// line, for both loaders (src/gpu/browser.ts: Vite's import.meta.glob; src/gpu/node.ts: the files on disk)
// and for edited shaders (the playground's editor, the kernel CLI's --wgsl), so the GPU, the editor (which
// shows the resolved text, so compile errors' line numbers are the editor's) and the tests see one text.
// Include files include nothing (a directive in one is an error), so there is no recursion to guard, and a
// shader includes a file once (twice would declare everything twice). Pure; test/unit/wgsl-include.test.ts.

/** A line that is an include directive (the comment form keeps the file valid WGSL for editors and linters). */
const DIRECTIVE = /^\s*\/\/\s*#include\b([^\r\n]*)\r?$/;
/** What follows `#include`: a quoted file name of shaders/include/. */
const TARGET = /^\s+"([a-z0-9_]+\.wgsl)"\s*$/;

/** Where the include files live, for messages. */
export const INCLUDE_DIR = 'shaders/include/';

/** A bad include directive: its 1-based line in the including text, and one line saying what is wrong and what is allowed. */
export class WgslIncludeError extends Error {
  override name = 'WgslIncludeError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `source` (shader `shader`, for messages) with each `// #include "NAME.wgsl"` line replaced by
 * `includes[NAME.wgsl]` (the files of shaders/include/ by file name). Throws WgslIncludeError naming the
 * line for a malformed directive, an unknown file (listing the ones there are), a file included twice, or
 * an include file that itself includes. A source without directives is returned unchanged.
 */
export function resolveIncludes(source: string, includes: Readonly<Record<string, string>>, shader: string): string {
  if (!source.includes('#include')) return source;
  const seen = new Set<string>();
  return source
    .split('\n')
    .map((text, i) => {
      const m = DIRECTIVE.exec(text);
      if (!m) return text;
      const at = `${shader}.wgsl line ${i + 1}`;
      const name = TARGET.exec(m[1])?.[1];
      if (name === undefined) throw new WgslIncludeError(i + 1, `${at}: an include reads // #include "NAME.wgsl" (NAME of a-z, 0-9, _), got ${JSON.stringify(text.trim())}`);
      const body = Object.hasOwn(includes, name) ? includes[name] : undefined;
      if (body === undefined) {
        const there = Object.keys(includes).sort();
        throw new WgslIncludeError(i + 1, `${at}: #include "${name}": no such file in ${INCLUDE_DIR}; there: ${there.length ? there.join(', ') : 'none'}`);
      }
      if (seen.has(name)) throw new WgslIncludeError(i + 1, `${at}: "${name}" is included twice; a shader includes a file once`);
      seen.add(name);
      const nested = body.split('\n').findIndex((l) => DIRECTIVE.test(l));
      if (nested >= 0) throw new WgslIncludeError(i + 1, `${at}: ${INCLUDE_DIR}${name} line ${nested + 1} includes another file; include files include nothing (one level)`);
      return body.endsWith('\n') ? body.slice(0, -1) : body;
    })
    .join('\n');
}

/** Files by their name without the folder (`a/b/c.wgsl` → `c.wgsl`), for a glob's or a directory's listing. */
export function byFileName(files: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text]));
}
