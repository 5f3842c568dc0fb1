/**
 * `npm run bench`: runs every benchmark in bench/ (each compares us with a peer in the same run and writes
 * bench/results/<name>.json). Arguments pick benchmarks by name: `npm run bench -- preprocess prophet`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
const all = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !['run.ts', 'record.ts'].includes(file) && !file.includes('.test.'))
  .map((file) => file.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? all.filter((name) => wanted.includes(name)) : all;
let failed = 0;
for (const name of chosen) {
  console.log(`\n== bench ${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${here}${name}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
if (failed > 0) process.exitCode = 1;
