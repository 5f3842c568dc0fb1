/**
 * The whole pipeline at default settings on the real LTE sites (ElBorn, LesCorts): every model's held-out
 * metrics next to the naive baselines, and each task's time. With `--services` it runs against a real MLflow
 * server and a real MinIO (started from test/services), data passed by claim check; otherwise offline.
 *
 *   npx tsx bench/pipeline.ts [--services] [--sites ElBorn,LesCorts]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCompiledPipeline, type TaskResult } from '../pipelines/local-runner.js';
import { sharedPath } from '../test/helpers/shared-data.js';
import { tempDir } from '../test/helpers/component.js';
import { recordResult } from './record.js';

const { values } = parseArgs({ options: { services: { type: 'boolean', default: false }, sites: { type: 'string', default: 'ElBorn,LesCorts' } } });
if (!sharedPath('data/flts/ElBorn.csv')) {
  console.log('bench/pipeline: skipped, ../shared/data/flts is absent');
  process.exit(0);
}

let env: NodeJS.ProcessEnv = {};
let stop = async () => undefined as void;
let trackingUri = '';
if (values.services) {
  const { startMinio } = await import('../test/services/minio.js');
  const { startMlflow } = await import('../test/services/mlflow.js');
  const minio = await startMinio();
  const mlflow = await startMlflow({ artifacts: 's3', minio });
  env = { ...minio.env, ...mlflow.env };
  trackingUri = mlflow.url;
  stop = async () => {
    await mlflow.stop();
    await minio.stop();
  };
}

const rows: Record<string, unknown>[] = [];
try {
  for (const site of values.sites!.split(',')) {
    const root = await tempDir(`flts-bench-${site}-`);
    const results = await runCompiledPipeline(new URL('../pipelines/flts_pipeline.yaml', import.meta.url).pathname, {
      parameters: {
        data_uri: sharedPath(`data/flts/${site}.csv`)!,
        test_data_uri: sharedPath(`data/flts/${site}_test.csv`)!,
        identifier: site.toLowerCase(),
        mlflow_tracking_uri: trackingUri || join(root, 'mlruns'),
      },
      runRoot: root,
      env: { FLTS_LOCAL_STORE: join(root, 'store'), ...env },
    });
    rows.push(...(await siteRows(site, results)));
  }
} finally {
  await stop();
}

await recordResult(values.services ? 'pipeline-services' : 'pipeline', {
  description: `Whole pipeline at default settings (${values.services ? 'real MLflow server + MinIO, claim check' : 'offline tracking, artifact paths'}); held-out metrics on every (origin, step) target of the test file, scaled units`,
  rows,
});

async function siteRows(site: string, results: Record<string, TaskResult>): Promise<Record<string, unknown>[]> {
  const promotion = JSON.parse(await readFile(results['eval']!.artifacts['promotion_metadata']!.uri, 'utf8')) as { model_type: string };
  return ['train-gru', 'train-lstm', 'train-prophet'].map((task) => {
    const m = results[task]!.artifacts['model']!.metadata!;
    return {
      site,
      model: m['model_type'],
      selected: m['model_type'] === promotion.model_type,
      seconds: Number(results[task]!.seconds.toFixed(1)),
      backend: m['backend'] ?? '',
      rmse: m['test_rmse'],
      mae: m['test_mae'],
      persistence_rmse: m['persistence_rmse'],
      seasonal_naive_rmse: m['seasonal_naive_rmse'],
      skill_vs_persistence: m['skill_vs_persistence'],
      linear_rmse: m['linear_rmse'],
      skill_vs_linear: m['skill_vs_linear'],
      coverage: m['test_coverage'],
      best_epoch: m['best_epoch'] ?? '',
    };
  });
}
