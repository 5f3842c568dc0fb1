/**
 * Preprocess throughput and memory: ours against pandas + pyarrow doing the same steps on the same file (read CSV
 * — ours through Polars, the file being plain — → grid → time interpolation → time features → train-only scaling →
 * Parquet, by the native writer where it is built, else parquet-wasm), at several sizes, each side in a process of
 * its own so that peak RSS is measured per run (ours with the native writer's); reported as wall time, rows/s, peak
 * RSS and the ratio.
 * The input is LesCorts.csv repeated (shifted in time): ×25 = 172 k rows, ×290 = 2 M, ×2900 = 20 M rows.
 * BENCH_PREPROCESS_COPIES picks the sizes (default "25,290"; the 20 M file is 3.9 GB, and needs ~6.2 GiB for us,
 * so it is run on its own, with FLTS_MEMORY_LIMIT set where the machine is shared).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '../test/helpers/shared-data.js';
import { python } from '../test/helpers/python.js';
import { parquetWriter } from '../shared/table/parquet.js';
import { recordResult } from './record.js';

const COPIES = (process.env['BENCH_PREPROCESS_COPIES'] ?? '25,290').split(',').map(Number);

const source = sharedPath('data/flts/LesCorts.csv');
if (!source) {
  console.log('bench/preprocess: skipped, ../shared/data/flts/LesCorts.csv is absent');
  process.exit(0);
}

interface Side {
  seconds?: number;
  rows?: number;
  rowsPerSecond?: number;
  peakRssBytes: number;
  refused?: string;
}

const sizes: { copies: number; rows: number; repeats: number; ours: Side; pandas: Side; ratio?: number }[] = [];
for (const copies of COPIES) {
  const dir = await mkdtemp(join(tmpdir(), 'flts-bench-'));
  const input = join(dir, 'lescorts-x.csv');
  await replicate(source, copies, input);
  const repeats = copies <= 300 ? 3 : 1;
  const ours = side(process.execPath, ['--import', 'tsx', new URL('./preprocess_ours.ts', import.meta.url).pathname, input, String(repeats)]);
  const pandas = side(python, [new URL('./preprocess_peer.py', import.meta.url).pathname, input, String(repeats)]);
  await rm(dir, { recursive: true, force: true });
  const rows = ours.rows ?? pandas.rows ?? 0;
  sizes.push({ copies, rows, repeats, ours, pandas, ...(ours.seconds && pandas.seconds ? { ratio: pandas.seconds / ours.seconds } : {}) });
}

await recordResult('preprocess', {
  description: 'LesCorts.csv repeated (12 columns): read CSV (ours: Polars fast path) → grid → time interpolation → time features → scale → Parquet; best of `repeats`, each side in its own process',
  memoryLimit: process.env['FLTS_MEMORY_LIMIT'] ?? '(none set: the machine)',
  parquetWriter: parquetWriter().kind,
  sizes,
  ratioMeaning: 'pandas time / our time (> 1: we are faster)',
});
console.log(table());

/** Runs one side and reads its JSON line, with rows/s added. */
function side(command: string, args: string[]): Side {
  const result = JSON.parse(execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!) as Side;
  if (result.seconds && result.rows) result.rowsPerSecond = result.rows / result.seconds;
  return result;
}

/** The results as the README's Markdown table. */
function table(): string {
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const cell = (s: Side) => (s.refused ? 'refused (memory limit) | —' : `${s.seconds!.toFixed(2)} s | ${Math.round(s.rowsPerSecond!).toLocaleString('en')}`);
  const lines = [
    '| rows | ours: time | ours: rows/s | ours: peak RSS | pandas: time | pandas: rows/s | pandas: peak RSS | ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const size of sizes) {
    lines.push(`| ${size.rows.toLocaleString('en')} | ${cell(size.ours)} | ${gib(size.ours.peakRssBytes)} | ${cell(size.pandas)} | ${gib(size.pandas.peakRssBytes)} | ${size.ratio?.toFixed(2) ?? '—'} |`);
  }
  return lines.join('\n');
}

/** The CSV repeated `copies` times into `path`, each copy shifted past the previous one so timestamps stay unique. */
async function replicate(from: string, copies: number, path: string): Promise<void> {
  const [header, ...lines] = (await readFile(from, 'utf8')).trim().split('\n');
  const parse = (line: string) => Date.parse(`${line.slice(0, 19).replace(' ', 'T')}Z`);
  const span = parse(lines[lines.length - 1]!) - parse(lines[0]!) + 120_000;
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let c = 0; c < copies; c++) {
    const chunk = lines.map((line) => new Date(parse(line) + c * span).toISOString().slice(0, 19).replace('T', ' ') + line.slice(19)).join('\n');
    if (!out.write(`${chunk}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
