/**
 * `npm start`: the whole FLTS pipeline on this machine — preprocess, GRU ∥ LSTM ∥ Prophet, eval, inference —
 * from the compiled KFP pipeline, with embedded defaults: the built-in sample data, outputs under
 * ./local_outputs, tracking in ./mlruns (or MLFLOW_TRACKING_URI), storage on the local disk.
 *
 *   npm start -- [--data <path|uri>] [--test-data <path|uri>] [--out <dir>] [--param name=value …]
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { messageOf } from '../shared/errors.js';
import type { JsonValue } from '../shared/kfp/spec.js';
import { runCompiledPipeline } from './local-runner.js';
import { writeSampleData } from './sample-data.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    'test-data': { type: 'string' },
    out: { type: 'string', default: 'local_outputs' },
    param: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('npm start -- [--data <path|uri>] [--test-data <path|uri>] [--out <dir>] [--param name=value ...]');
  process.exit(0);
}

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const runRoot = resolve(values.out!, `flts-${stamp}`);
const parameters: Record<string, JsonValue> = {};
if (values.data) {
  parameters['data_uri'] = values.data;
  parameters['test_data_uri'] = values['test-data'] ?? '';
} else {
  const train = join(runRoot, 'sample', 'sample.csv');
  const test = join(runRoot, 'sample', 'sample_test.csv');
  await writeSampleData(train, test);
  parameters['data_uri'] = train;
  parameters['test_data_uri'] = test;
  console.log(`Using the built-in sample data (8 days of synthetic 2-minute traffic): ${train}`);
}
for (const assignment of values.param!) {
  const at = assignment.indexOf('=');
  if (at <= 0) {
    console.error(`--param expects name=value; got ${JSON.stringify(assignment)}`);
    process.exit(2);
  }
  const text = assignment.slice(at + 1);
  parameters[assignment.slice(0, at)] = parseValue(text);
}

const started = performance.now();
try {
  const results = await runCompiledPipeline(new URL('./flts_pipeline.yaml', import.meta.url).pathname, {
    parameters,
    runRoot,
    onTask: (task) => console.log(`\n✔ ${task.task} finished in ${task.seconds.toFixed(1)} s → ${task.taskRoot}\n`),
  });
  console.log(`\nPipeline finished in ${((performance.now() - started) / 1000).toFixed(1)} s. Outputs: ${runRoot}`);
  await printSummary(results);
} catch (error) {
  console.error(`\nflts local run failed: ${messageOf(error)}`);
  process.exitCode = 1;
}

function parseValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

async function printSummary(results: Awaited<ReturnType<typeof runCompiledPipeline>>): Promise<void> {
  const promotion = results['eval']?.artifacts['promotion_metadata'];
  if (promotion) {
    try {
      const record = JSON.parse(await readFile(promotion.uri, 'utf8')) as { model_type?: string; candidates?: { model_type: string; score: number }[] };
      if (record.candidates) {
        console.log('\nCandidates (composite score, lower is better):');
        for (const candidate of record.candidates) console.log(`  ${candidate.model_type.padEnd(8)} ${candidate.score.toPrecision(5)}`);
      }
      if (record.model_type) console.log(`Selected: ${record.model_type}`);
    } catch {
      // A promotion record we cannot read is reported by its path below.
    }
  }
  for (const [task, result] of Object.entries(results)) {
    for (const [name, artifact] of Object.entries(result.artifacts)) {
      if (name === 'report') console.log(`  report of ${task}: ${artifact.uri}`);
    }
  }
  console.log('\nMLflow runs: ./mlruns — view with `MLFLOW_ALLOW_FILE_STORE=true .venv/bin/mlflow ui --backend-store-uri ./mlruns`');
}
