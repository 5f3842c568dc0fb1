/**
 * Runs fixtures/claim-worker.ts as a child process, as a deployment would run an event-mode image: its JSON
 * log lines are collected, and the test can wait for one, signal the process and wait for its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './kafka-helpers.js';

const WORKER = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));

export class WorkerProcess {
  readonly name: string;
  readonly lines: Record<string, unknown>[] = [];
  readonly #child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  #stderr = '';

  constructor(name: string, env: Record<string, string>) {
    this.name = name;
    this.#child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') this.lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  /** What it wrote to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  events(name: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l['event'] === name);
  }

  async waitForEvent(name: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    await waitFor(`"${name}" from worker ${this.name} (last log lines: ${this.lines.slice(-4).map((l) => JSON.stringify(l)).join(' ')}; stderr: ${this.#stderr.slice(-500)})`, () => this.events(name).length > 0, timeoutMs);
    return this.events(name)[0]!;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
  }

  /** Kills it if still running and waits for the exit. */
  async dispose(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}
