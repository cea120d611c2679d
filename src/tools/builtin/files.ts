import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ToolsPolicy } from '../policy.js';
import { defineTool, type ToolDefinition } from '../types.js';
import { resolveInSandbox } from './sandbox.js';

function inside(policy: ToolsPolicy, p: string): string {
  const resolved = resolveInSandbox(policy.sandboxPath, p);
  if (!resolved.ok) throw new Error(`refused: ${resolved.reason}`);
  return resolved.absolute;
}

/** `files.read`, `files.write`, `files.list`: inside the sandbox folder only. */
export function fileTools(getPolicy: () => ToolsPolicy): ToolDefinition[] {
  const pathField = z.string().max(1_000).describe('a path relative to the sandbox folder');
  return [
    defineTool({
      id: 'files.read',
      description: 'Read a text file inside the sandbox folder.',
      input: z.object({ path: pathField }),
      policy: 'allow',
      async run({ path: p }) {
        const policy = getPolicy();
        const file = inside(policy, p);
        const info = await stat(file);
        if (!info.isFile()) throw new Error(`"${p}" is not a file`);
        if (info.size > policy.files.maxBytes) throw new Error(`"${p}" is ${info.size} bytes; the limit is ${policy.files.maxBytes}`);
        return { path: p, content: await readFile(file, 'utf8') };
      },
    }),
    defineTool({
      id: 'files.write',
      description: 'Write a text file inside the sandbox folder (creating folders as needed).',
      input: z.object({ path: pathField, content: z.string() }),
      policy: 'ask',
      async run({ path: p, content }) {
        const policy = getPolicy();
        const file = inside(policy, p);
        if (Buffer.byteLength(content) > policy.files.maxBytes) throw new Error(`the content is larger than ${policy.files.maxBytes} bytes`);
        try {
          if (lstatSync(file).isSymbolicLink()) throw new Error(`refused: "${p}" is a symlink`);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, content, { flag: 'w' });
        return { path: p, bytes: Buffer.byteLength(content) };
      },
    }),
    defineTool({
      id: 'files.list',
      description: 'List the entries of a folder inside the sandbox folder.',
      input: z.object({ path: pathField.default('.') }),
      policy: 'allow',
      async run({ path: p }) {
        const folder = inside(getPolicy(), p);
        const entries = await readdir(folder, { withFileTypes: true });
        return entries.map((e) => ({ name: e.name, type: e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'link' : 'file' }));
      },
    }),
  ];
}
