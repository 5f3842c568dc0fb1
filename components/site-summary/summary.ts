/**
 * The site-summary component's body: pair each site's promotion record with its predictions, and write one
 * JSON and one HTML summary of every site. Pairing is by position (KFP collects a ParallelFor's outputs in
 * iteration order) and checked by the champion's run id, which both artifacts carry.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { DataError } from '../../shared/errors.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { readParquet } from '../../shared/table/parquet.js';
import type { RawTable } from '../../shared/table/raw-table.js';
import type { PromotionRecord } from '../eval/promotion.js';
import { siteSummaryReport } from './report.js';
import type { siteSummarySpec } from './spec.js';

/** One site's line of the summary (the JSON artifact's `sites[]`). */
export interface SiteLine {
  identifier: string;
  config_hash: string;
  champion: string;
  run_id: string;
  score: number;
  skill_vs_persistence: number | null;
  skill_vs_linear: number | null;
  candidates: { model_type: string; score: number; skill_vs_persistence: number | null }[];
  /** RMSE of inference's backtest rows, in the target's units; null without backtest rows. */
  backtest_rmse: number | null;
  /** The forecast past the end of the data; times ISO 8601 UTC. */
  forecast: { time: string[]; forecast: number[]; lower: number[]; upper: number[] };
}

export async function runSiteSummary(executor: Executor<typeof siteSummarySpec>): Promise<void> {
  const promotions = executor.inputArtifactList('promotions');
  const predictions = executor.inputArtifactList('predictions');
  if (promotions.length === 0) throw new DataError('Input "promotions" is empty: the summary needs at least one site.');
  if (promotions.length !== predictions.length) {
    throw new DataError(`Inputs "promotions" (${promotions.length}) and "predictions" (${predictions.length}) must hold one artifact per site each.`);
  }
  const sites: SiteLine[] = [];
  for (const [i, promotion] of promotions.entries()) {
    const record = await readPromotion(promotion.path);
    const table = readParquet(await readFile(predictions[i]!.path), predictions[i]!.path).table;
    const predictedBy = predictions[i]!.metadata['run_id'];
    if (typeof predictedBy === 'string' && predictedBy !== '' && predictedBy !== record.run_id) {
      throw new DataError(`Site ${i + 1}: "predictions" come from run ${predictedBy}, but its promotion record promoted run ${record.run_id}; the two lists are not in the same site order.`);
    }
    sites.push(siteLine(record, table, executor.parameters.forecast_steps));
  }
  await writeFile(executor.outputArtifact('summary').path, `${JSON.stringify({ sites }, null, 2)}\n`);
  await writeFile(executor.outputArtifact('report').path, await siteSummaryReport(sites));
  executor.setMetadata('summary', { sites: sites.length, champions: sites.map((site) => site.champion) });
  executor.setOutput('sites', sites.length);
}

async function readPromotion(path: string): Promise<PromotionRecord> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as PromotionRecord;
    if (typeof record.model_type !== 'string' || !Array.isArray(record.candidates)) throw new Error('no model_type or candidates');
    return record;
  } catch (cause) {
    throw new DataError(`${path} (an item of "promotions") is not an eval promotion record: ${(cause as Error).message}`, { cause });
  }
}

/** The summary line of one site: its promotion record, and its predictions table (inference's columns). */
export function siteLine(record: PromotionRecord, predictions: RawTable, forecastSteps = 0): SiteLine {
  const column = (name: string): Float64Array => {
    const found = predictions.columns[name];
    if (!found || found.kind === 'text') throw new DataError(`The predictions of site "${record.identifier}" have no numeric column "${name}".`);
    return found.values;
  };
  const [time, forecast, lower, upper, error, isFuture] = ['time', 'forecast', 'lower', 'upper', 'error', 'is_future'].map(column) as Float64Array[];
  let squares = 0;
  let backtest = 0;
  const future: number[] = [];
  for (let row = 0; row < predictions.rows; row++) {
    if (isFuture![row]) future.push(row);
    else if (Number.isFinite(error![row])) {
      squares += error![row]! ** 2;
      backtest++;
    }
  }
  const kept = forecastSteps > 0 ? future.slice(0, forecastSteps) : future;
  const champion = record.candidates.find((candidate) => candidate.run_id === record.run_id);
  return {
    identifier: record.identifier,
    config_hash: record.config_hash,
    champion: record.model_type,
    run_id: record.run_id,
    score: record.score,
    skill_vs_persistence: champion?.skill_vs_persistence ?? null,
    skill_vs_linear: champion?.skill_vs_linear ?? null,
    candidates: record.candidates.map((c) => ({ model_type: c.model_type, score: c.score, skill_vs_persistence: c.skill_vs_persistence })),
    backtest_rmse: backtest > 0 ? Math.sqrt(squares / backtest) : null,
    forecast: {
      time: kept.map((row) => new Date(time![row]!).toISOString()),
      forecast: kept.map((row) => forecast![row]!),
      lower: kept.map((row) => lower![row]!),
      upper: kept.map((row) => upper![row]!),
    },
  };
}
