/**
 * The multi-site pipeline at scale on this machine: `npm start -- --sites N` (the built-in data as N synthetic
 * sites) for each N, timed from the command line, with the peak memory of the whole local run (the runner and
 * every task process it started, summed, sampled every 100 ms) and of the runner process alone; then the same
 * command again, served from the cache. With --compare, 3 sites are also run with --cpus 1 (one task at a time)
 * and with all CPUs, both --no-cache, to show what running independent tasks at once gains.
 *
 *   npx tsx bench/scale.ts [--sites 1,3,10] [--epochs 3] [--compare]
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tempDir } from '../test/helpers/component.js';
import { recordResult } from './record.js';

const { values } = parseArgs({
  options: { sites: { type: 'string', default: '1,3,10' }, epochs: { type: 'string', default: '3' }, compare: { type: 'boolean', default: false } },
});

/** Resident memory of a process (kB), 0 when it is gone. */
function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The pids of a process and all its descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const all: number[] = [];
  const visit = (pid: number) => {
    all.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return all;
}

interface Measured {
  seconds: number;
  peakTreeMiB: number;
  peakRunnerMiB: number;
}

async function startRun(args: string[]): Promise<Measured> {
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'pipelines/run-local.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let peakTree = 0;
  let peakRunner = 0;
  const sample = setInterval(() => {
    peakTree = Math.max(peakTree, tree(child.pid!).reduce((sum, pid) => sum + rssKb(pid), 0));
    peakRunner = Math.max(peakRunner, rssKb(child.pid!));
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sample);
  if (code !== 0) throw new Error(`npm start ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`);
  return { seconds: Number(((performance.now() - began) / 1000).toFixed(1)), peakTreeMiB: Math.round(peakTree / 1024), peakRunnerMiB: Math.round(peakRunner / 1024) };
}

const epochs = ['--param', `epochs=${values.epochs}`];
const rows: Record<string, unknown>[] = [];
for (const sites of values.sites!.split(',').map(Number)) {
  const out = await tempDir('flts-bench-scale-');
  const first = await startRun(['--sites', String(sites), '--out', out, ...epochs]);
  const cached = await startRun(['--sites', String(sites), '--out', out, ...epochs]);
  rows.push({ sites, tasks: sites * 6 + 1, first, cached });
  console.log(JSON.stringify(rows.at(-1)));
}
let compare: Record<string, unknown> | undefined;
if (values.compare) {
  const out = await tempDir('flts-bench-scale-');
  const serial = await startRun(['--sites', '3', '--out', out, '--cpus', '1', '--no-cache', ...epochs]);
  const concurrent = await startRun(['--sites', '3', '--out', out, '--no-cache', ...epochs]);
  compare = { sites: 3, oneAtATime: serial, concurrent: { cpus: availableParallelism(), ...concurrent } };
  console.log(JSON.stringify(compare));
}
await recordResult('scale', { epochs: Number(values.epochs), cpus: availableParallelism(), runs: rows, ...(compare ? { compare } : {}), note: join('bench', 'scale.ts') });
