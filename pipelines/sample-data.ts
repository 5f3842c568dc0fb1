/**
 * The built-in dataset of the local run: eight days of synthetic 2-minute cell traffic shaped like the LTE
 * data upstream FLTS used (columns time, down, up, rnti_count; a daily cycle with a busy evening, quieter
 * weekends, bursts and noise), generated from a fixed seed so every run sees the same numbers. Real data is
 * one flag away: `npm start -- --data ElBorn.csv --test-data ElBorn_test.csv`. `site` > 0 gives other cells of the
 * same kind (the multi-site run's synthetic sites): their own seed, load and evening peak hour; site 0 is the
 * original sample.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRandom, normal } from '../shared/models/recurrent/random.js';

const STEP_MS = 120_000;

/** Writes the training period (first 80 %) and the held-out period to two CSV files, as upstream's pairs. */
export async function writeSampleData(trainPath: string, testPath: string, days = 8, site = 0): Promise<void> {
  const rows = sampleRows(days, site);
  const cut = Math.round(rows.length * 0.8);
  const header = 'time,down,up,rnti_count';
  await mkdir(dirname(trainPath), { recursive: true });
  await writeFile(trainPath, `${[header, ...rows.slice(0, cut)].join('\n')}\n`);
  await writeFile(testPath, `${[header, ...rows.slice(cut)].join('\n')}\n`);
}

function sampleRows(days: number, site: number): string[] {
  const random = createRandom(20180328 + 7919 * site);
  const load = 1 + 0.37 * (site % 5);
  const peak = 20 - (site % 3);
  const gaussian = () => normal(random);
  const start = Date.UTC(2018, 2, 26); // a Monday
  const rows: string[] = [];
  let burst = 0;
  for (let i = 0; i < (days * 86_400_000) / STEP_MS; i++) {
    const t = start + i * STEP_MS;
    const hour = ((t / 3_600_000) % 24 + 24) % 24;
    const weekday = (Math.floor(t / 86_400_000) + 3) % 7; // Monday = 0
    const daily = 0.25 + 0.55 * Math.exp(-(((hour - peak) / 4) ** 2)) + 0.35 * Math.exp(-(((hour - 12) / 3) ** 2));
    const weekly = weekday >= 5 ? 0.8 : 1;
    burst = burst * 0.9 + (random() < 0.01 ? 0.6 * random() : 0);
    const users = Math.max(5, Math.round(4000 * daily * weekly * (1 + 0.05 * gaussian())));
    const down = Math.max(0, 2.4e8 * load * (daily * weekly + burst) * (1 + 0.08 * gaussian()));
    const up = Math.max(0, 1.1e7 * daily * weekly * (1 + 0.15 * gaussian()));
    rows.push(`${new Date(t).toISOString().slice(0, 19).replace('T', ' ')},${down.toFixed(1)},${up.toFixed(1)},${users}`);
  }
  return rows;
}
