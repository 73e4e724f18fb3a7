// Model files from disk in Node (the CLI, the bench): file handles read at offsets, so a multi-GB
// model is never read whole into memory.

import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ModelFileError, type ByteSource } from './source.ts';

export interface NodeFiles {
  sources: ByteSource[];
  close(): Promise<void>;
}

async function fileSource(path: string): Promise<{ src: ByteSource; close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  const src: ByteSource = {
    name: basename(path),
    size,
    async read(offset, length) {
      if (offset < 0 || offset + length > size) throw new ModelFileError(`${basename(path)}: a read needs bytes ${offset}..${offset + length} but the file has ${size} bytes (truncated file?)`);
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new ModelFileError(`${basename(path)}: unexpected end of file at byte ${offset + done}`);
        done += bytesRead;
      }
      return buf;
    },
  };
  return { src, close: () => fh.close() };
}

/** The JSON files read beside .safetensors weights (config.json needed; the others optional). */
const SIDE_FILES = ['config.json', 'tokenizer.json', 'generation_config.json', 'tokenizer_config.json'];
const WANTED = (n: string) => n.endsWith('.gguf') || n.endsWith('.safetensors') || SIDE_FILES.includes(n);

/** A model directory (its .safetensors, config.json, tokenizer.json, generation_config.json, tokenizer_config.json, or its .gguf) or one file (siblings found beside it). */
export async function openModelPath(path: string): Promise<NodeFiles> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new ModelFileError(`--model ${path}: no such file or directory`);
  }
  let paths: string[];
  if (st.isDirectory()) {
    paths = (await readdir(path)).filter(WANTED).map((n) => join(path, n));
    const gguf = paths.filter((p) => p.endsWith('.gguf'));
    if (gguf.length > 0 && paths.some((p) => p.endsWith('.safetensors'))) paths = paths.filter((p) => !p.endsWith('.gguf'));
  } else if (path.endsWith('.gguf')) {
    paths = [path];
  } else if (path.endsWith('.safetensors')) {
    const dir = dirname(path);
    paths = [path, ...(await readdir(dir)).filter((n) => SIDE_FILES.includes(n)).map((n) => join(dir, n))];
  } else {
    throw new ModelFileError(`--model ${path}: give a model directory, a .gguf file or a .safetensors file (with config.json beside it)`);
  }
  const opened = await Promise.all(paths.map(fileSource));
  return { sources: opened.map((o) => o.src), close: async () => { await Promise.all(opened.map((o) => o.close())); } };
}
