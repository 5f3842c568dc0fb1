/** Writes one benchmark's result to bench/results/<name>.json and prints it, so `npm run bench` leaves a record. */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';

export async function recordResult(name: string, result: Record<string, unknown>): Promise<void> {
  const record = {
    name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    ...result,
  };
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(record, null, 2)}\n`);
  console.log(JSON.stringify(record, null, 2));
}
