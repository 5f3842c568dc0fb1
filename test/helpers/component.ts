/** Runs a built component bundle (`dist/<name>.js`) the way KFP does, and reads back what it wrote. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './python.js';

export interface ComponentRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/<name>.js …args` from the repository root; never throws on a non-zero exit. */
export function runBundle(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ComponentRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'dist', `${name}.js`), ...args],
      { cwd: repoRoot, env: { ...process.env, FLTS_QUIET: '1', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'flts-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function readJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
