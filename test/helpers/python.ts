/** Runs the project's Python peers (.venv from tools/python-env.sh: kfp, mlflow, pandas, pyarrow, prophet). */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const python = `${repoRoot}.venv/bin/python`;

/** Fails with the command to run when the virtualenv is missing: conformance tests must run, not skip. */
export function requirePython(): string {
  if (!existsSync(python)) throw new Error(`No Python virtualenv at ${python}; run tools/python-env.sh (npm test does).`);
  return python;
}

/** Runs `.venv/bin/python args…` and returns stdout; throws with stderr on a non-zero exit. */
export async function runPython(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout } = await run(requirePython(), args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`python ${args.join(' ')} failed: ${failure.stderr || failure.message}`);
  }
}

/** Runs a Python snippet and parses the JSON it prints last. */
export async function pythonJson<T>(code: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const stdout = await runPython(['-c', code], options);
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
