/**
 * The preprocess bundle on the real LTE data (../shared/data/flts), locally and with the claim check to a
 * real MinIO, read back by pandas/pyarrow; and every kind of bad input.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { readDataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { pythonJson } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared-data.js';
import { startMinio, type MinioServer } from '../services/minio.js';

const FLTS = 'data/flts';
const data = (file: string) => sharedPath(`${FLTS}/${file}`) ?? '';
const sample = await sampleData();

describe('preprocess on ElBorn.csv + ElBorn_test.csv', { skip: skipWithoutShared(FLTS) }, () => {
  let run: LocalRunResult;
  before(async () => {
    run = await runLocally(preprocessSpec, await tempDir(), { data_uri: data('ElBorn.csv'), test_data_uri: data('ElBorn_test.csv') });
    assert.equal(run.code, 0, run.stderr);
  });

  it('splits the training file 90/10 into train and validation, and keeps the test file as the held-out split', () => {
    const rows = ['training_data', 'validation_data', 'inference_data'].map((name) => artifactOf(run, name).metadata!['rows']);
    assert.deepEqual(rows, [3773, 419, 1049]);
  });

  it('records the time range, frequency, target and config hash on each dataset artifact', () => {
    const test = artifactOf(run, 'inference_data').metadata!;
    assert.equal(test['start'], '2018-04-03T11:40:00Z');
    assert.equal(test['end'], '2018-04-04T22:36:00Z');
    assert.equal(test['frequency'], '2min');
    assert.equal(test['target'], 'down');
    assert.equal(test['config_hash'], run.output!.parameterValues!['config_hash']);
  });

  it('fits the scaler on the training split only', async () => {
    const train = await readDataset(artifactOf(run, 'training_data').uri, 'training_data');
    const test = await readDataset(artifactOf(run, 'inference_data').uri, 'inference_data');
    const down = Array.from(train.frame.columns['down']!);
    assert.equal(Math.min(...down), 0);
    assert.equal(Math.max(...down), 1);
    assert.deepEqual(test.info.scaler, train.info.scaler, 'every split carries the same (training) scaler');
    // The scale is the first 3773 rows' range (the training split), and the test file is mapped with it.
    const raw = await pythonJson<{ min: number; max: number; test0: number }>(`
import json, pandas as pd
a = pd.read_csv(${JSON.stringify(data('ElBorn.csv'))}).down.iloc[:3773]
print(json.dumps({'min': float(a.min()), 'max': float(a.max()), 'test0': float(pd.read_csv(${JSON.stringify(data('ElBorn_test.csv'))}).down.iloc[0])}))`);
    assert.deepEqual(train.info.scaler.columns['down'], { center: raw.min, scale: raw.max - raw.min });
    assert.ok(Math.abs(test.frame.columns['down']![0]! - (raw.test0 - raw.min) / (raw.max - raw.min)) < 1e-15);
  });

  it('writes the columns in the documented order: time, target, features in file order, time features', () => {
    assert.deepEqual(artifactOf(run, 'training_data').metadata!['columns'], [
      'time', 'down', 'up', 'rnti_count', 'mcs_down', 'mcs_down_var', 'mcs_up', 'mcs_up_var', 'rb_down', 'rb_down_var', 'rb_up', 'rb_up_var',
      'min_of_day_sin', 'min_of_day_cos', 'day_of_week_sin', 'day_of_week_cos', 'day_of_year_sin', 'day_of_year_cos',
    ]);
  });

  it('produces Parquet that pandas reads with the same values, dtypes and key/value metadata', async () => {
    const path = artifactOf(run, 'training_data').uri;
    const ours = await readDataset(path, 'training_data');
    const pandas = await pythonJson<{ dtypes: Record<string, string>; rows: number; kv: Record<string, string>; first: number[]; sums: Record<string, number>; time0: string }>(`
import json, pandas as pd, pyarrow.parquet as pq
df = pd.read_parquet(${JSON.stringify(path)})
kv = {k.decode(): v.decode() for k, v in pq.ParquetFile(${JSON.stringify(path)}).metadata.metadata.items() if k != b'ARROW:schema'}
print(json.dumps({'dtypes': {c: str(t) for c, t in df.dtypes.items()}, 'rows': len(df), 'kv': kv,
  'first': [float(v) for v in df.iloc[0, 1:]], 'sums': {c: float(df[c].sum()) for c in df.columns[1:]},
  'time0': df['time'].iloc[0].isoformat()}))`);
    assert.equal(pandas.rows, 3773);
    assert.equal(pandas.dtypes['time'], 'datetime64[ms, UTC]');
    for (const name of ours.info.columns) assert.equal(pandas.dtypes[name], 'float64', name);
    assert.equal(pandas.time0, '2018-03-28T15:56:00+00:00');
    assert.deepEqual(pandas.first, ours.info.columns.map((name) => ours.frame.columns[name]![0]));
    for (const name of ours.info.columns) {
      const sum = ours.frame.columns[name]!.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - pandas.sums[name]!) <= 1e-9 * Math.max(1, Math.abs(sum)), name);
    }
    assert.equal(pandas.kv['config_hash'], run.output!.parameterValues!['config_hash']);
    assert.equal(pandas.kv['preprocess_config'], run.output!.parameterValues!['config_json']);
    assert.ok(JSON.parse(pandas.kv['flts_dataset']!).scaler);
  });

  it('outputs the canonical config, which names the files as upstream does', () => {
    const config = JSON.parse(run.output!.parameterValues!['config_json'] as string);
    assert.deepEqual(config._data, { sample_strategy: 'head', sample_test_rows: 0, sample_train_rows: 0, test_file: 'ElBorn_test.csv', train_file: 'ElBorn.csv' });
    assert.match(run.output!.parameterValues!['data_digest'] as string, /^[0-9a-f]{64}$/);
  });

  it('gives the same data_digest for the same files: the sha256 of the training file\'s bytes, then the test file\'s', async () => {
    const again = await runLocally(preprocessSpec, await tempDir(), { data_uri: data('ElBorn.csv'), test_data_uri: data('ElBorn_test.csv') });
    assert.equal(again.code, 0, again.stderr);
    const digest = run.output!.parameterValues!['data_digest'];
    assert.equal(again.output!.parameterValues!['data_digest'], digest);
    const bytes = createHash('sha256').update(await readFile(data('ElBorn.csv'))).update(await readFile(data('ElBorn_test.csv'))).digest('hex');
    assert.equal(digest, bytes);
    assert.equal(artifactOf(run, 'training_data').metadata!['data_digest'], digest);
  });

  it('keeps config_hash but changes data_digest when one value of a file changes (same name, other directory)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'copy'));
    const copy = join(dir, 'copy', 'ElBorn.csv');
    const lines = (await readFile(data('ElBorn.csv'), 'utf8')).split('\n');
    const cells = lines[1]!.split(',');
    cells[1] = String(Number(cells[1]) + 1); // the first row's "down"
    lines[1] = cells.join(',');
    await writeFile(copy, lines.join('\n'));
    const changed = await runLocally(preprocessSpec, join(dir, 'task'), { data_uri: copy, test_data_uri: data('ElBorn_test.csv') });
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(changed.output!.parameterValues!['config_hash'], run.output!.parameterValues!['config_hash']);
    assert.equal(changed.output!.parameterValues!['config_json'], run.output!.parameterValues!['config_json']);
    assert.notEqual(changed.output!.parameterValues!['data_digest'], run.output!.parameterValues!['data_digest']);
    assert.match(changed.output!.parameterValues!['data_digest'] as string, /^[0-9a-f]{64}$/);
  });

  it('writes the scaler and an HTML report', async () => {
    const scaler = JSON.parse(await readFile(artifactOf(run, 'scaler').uri, 'utf8'));
    assert.equal(scaler.method, 'minmax');
    assert.equal(scaler.target, 'down');
    const html = await readFile(artifactOf(run, 'report').uri, 'utf8');
    assert.match(html, /<h2>Splits<\/h2>/);
    assert.match(html, /<svg /);
  });
});

describe('preprocess on LesCorts, which has empty cells', { skip: skipWithoutShared(FLTS) }, () => {
  it('imputes every missing value and leaves no NaN in any split', async () => {
    const run = await runLocally(preprocessSpec, await tempDir(), { data_uri: data('LesCorts.csv'), test_data_uri: data('LesCorts_test.csv') });
    assert.equal(run.code, 0, run.stderr);
    for (const name of ['training_data', 'validation_data', 'inference_data']) {
      const { frame } = await readDataset(artifactOf(run, name).uri, name);
      for (const column of frame.names) assert.ok(frame.columns[column]!.every(Number.isFinite), `${name}.${column}`);
    }
    assert.deepEqual(['training_data', 'validation_data', 'inference_data'].map((name) => artifactOf(run, name).metadata!['rows']), [6203, 689, 1723]);
  });

  it('splits by time when there is no test file', async () => {
    const run = await runLocally(preprocessSpec, await tempDir(), { data_uri: data('LesCorts.csv'), test_fraction: 0.25, validation_fraction: 0.2 });
    assert.equal(run.code, 0, run.stderr);
    // 6892 rows: the last round(0.25 · 6892) = 1723 held out, then the last round(0.2 · 5169) = 1034 of the rest for validation.
    assert.deepEqual(['training_data', 'validation_data', 'inference_data'].map((name) => artifactOf(run, name).metadata!['rows']), [4135, 1034, 1723]);
  });
});

describe('preprocess with the claim check to a real MinIO', () => {
  let minio: MinioServer;
  before(async () => {
    minio = await startMinio();
  });
  after(async () => minio?.stop());

  it('stores the datasets in the bucket and passes pointers that resolve to the same data', async () => {
    const run = await runLocally(
      preprocessSpec,
      await tempDir(),
      { data_uri: sample.train, test_data_uri: sample.test, data_location: 'claim-check', identifier: 'site-a' },
      {},
      minio.env,
    );
    assert.equal(run.code, 0, run.stderr);
    const hash = run.output!.parameterValues!['config_hash'];
    const digest = run.output!.parameterValues!['data_digest'];
    const metadata = artifactOf(run, 'training_data').metadata!;
    assert.equal(metadata['claim_check_uri'], `s3://processed-data/site-a/${hash}/${digest}/training_data.parquet`);
    const pointer = JSON.parse(await readFile(artifactOf(run, 'training_data').uri, 'utf8'));
    assert.equal(pointer.claim_check.uri, metadata['claim_check_uri']);

    const { resolveClaim, createStore } = await import('../../shared/store/index.js');
    const store = createStore({ env: minio.env });
    const local = await resolveClaim({ name: 'training_data', path: artifactOf(run, 'training_data').uri, metadata }, { store });
    const dataset = await readDataset(local, 'training_data');
    const native = await runLocally(preprocessSpec, await tempDir(), { data_uri: sample.train, test_data_uri: sample.test, identifier: 'site-a' });
    assert.equal(native.code, 0, native.stderr);
    const expected = await readDataset(artifactOf(native, 'training_data').uri, 'training_data');
    assert.deepEqual(dataset.frame, expected.frame, 'the claimed object holds what the KFP-native artifact holds');
    assert.equal(dataset.info.configHash, hash);
  });

  it('keys the objects by the data digest too, so another file with the same identifier and config overwrites nothing', async () => {
    // Same file name (so the same config hash), other rows: the second run must not replace the first run's objects.
    const [firstDir, secondDir] = [await tempDir(), await tempDir()];
    const text = await readFile(sample.train, 'utf8');
    const lines = text.trimEnd().split('\n');
    await writeFile(join(firstDir, 'site.csv'), text);
    await writeFile(join(secondDir, 'site.csv'), `${lines.slice(0, -50).join('\n')}\n`);
    const parameters = { test_data_uri: sample.test, data_location: 'claim-check', identifier: 'site-collide' };
    const first = await runLocally(preprocessSpec, await tempDir(), { ...parameters, data_uri: join(firstDir, 'site.csv') }, {}, minio.env);
    const second = await runLocally(preprocessSpec, await tempDir(), { ...parameters, data_uri: join(secondDir, 'site.csv') }, {}, minio.env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(first.output!.parameterValues!['config_hash'], second.output!.parameterValues!['config_hash'], 'the config hash does not cover the data');
    const [a, b] = [artifactOf(first, 'training_data').metadata!, artifactOf(second, 'training_data').metadata!];
    assert.notEqual(a['claim_check_uri'], b['claim_check_uri']);

    const { resolveClaim, createStore } = await import('../../shared/store/index.js');
    const store = createStore({ env: minio.env });
    const local = await resolveClaim({ name: 'training_data', path: artifactOf(first, 'training_data').uri, metadata: a }, { store });
    assert.equal((await readDataset(local, 'training_data')).frame.time.length, a['rows'], "the first run's data is intact and passes its checksum");
  });

  it('fails within its deadline, naming the endpoint, when MinIO is frozen during the upload; nothing is written', async () => {
    const taskRoot = await tempDir();
    minio.freeze(true);
    const started = Date.now();
    let run: LocalRunResult;
    try {
      run = await runLocally(
        preprocessSpec,
        taskRoot,
        { data_uri: sample.train, test_data_uri: sample.test, data_location: 'claim-check', identifier: 'site-frozen' },
        {},
        { ...minio.env, FLTS_S3_REQUEST_TIMEOUT: '1', FLTS_S3_DEADLINE: '4' },
      );
    } finally {
      minio.freeze(false);
    }
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.code, 1, run.stderr);
    assert.ok(seconds < 60, `bounded by the deadline, not by the frozen server (took ${seconds} s)`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, new RegExp(`StorageError: .*${minio.endpoint.replace(/[.:/]/g, '\\$&')}.*(FLTS_S3_DEADLINE|FLTS_S3_REQUEST_TIMEOUT)`));
    assert.deepEqual(await readdir(taskRoot), [], 'no output, staged or final, and no ExecutorOutput');
  });

  it('reads its raw input from a minio:// URI', async () => {
    const { createStore } = await import('../../shared/store/index.js');
    const store = createStore({ env: minio.env });
    await store.upload(sample.train, 's3://dataset/site-a.csv');
    const run = await runLocally(preprocessSpec, await tempDir(), { data_uri: 'minio://dataset/site-a.csv', sample_train_rows: 500 }, {}, minio.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.output!.parameterValues!['config_json'] as string)._data.train_file, 'site-a.csv');
  });
});

describe('preprocess reads Parquet written by pyarrow', () => {
  for (const compression of ['snappy', 'zstd']) {
    it(`with ${compression} compression`, async () => {
      const dir = await tempDir();
      const path = join(dir, `raw-${compression}.parquet`);
      const written = await pythonJson<{ down: number[]; codec: string }>(`
import json, numpy as np, pandas as pd, pyarrow.parquet as pq
t = pd.date_range('2024-01-01', periods=300, freq='10min')
df = pd.DataFrame({'time': t, 'down': np.sin(np.arange(300) / 10) + 2, 'up': np.arange(300, dtype='int64'), 'site': 'a'})
df.to_parquet(${JSON.stringify(path)}, compression=${JSON.stringify(compression)})
print(json.dumps({'down': [float(v) for v in df['down']], 'codec': pq.ParquetFile(${JSON.stringify(path)}).metadata.row_group(0).column(1).compression}))`);
      assert.equal(written.codec, compression.toUpperCase(), 'pyarrow wrote the codec under test');
      // No scaling, so the splits hold the file's values themselves.
      const run = await runLocally(preprocessSpec, join(dir, 'task'), { data_uri: path, scaler: 'none' });
      assert.equal(run.code, 0, run.stderr);
      const train = artifactOf(run, 'training_data').metadata!;
      assert.equal(train['frequency'], '10min');
      assert.deepEqual((train['columns'] as string[]).slice(0, 3), ['time', 'down', 'up']);
      assert.match((train['warnings'] as string[]).join(' '), /Non-numeric columns left out: site\./);
      const splits = await Promise.all(['training_data', 'validation_data', 'inference_data'].map((name) => readDataset(artifactOf(run, name).uri, name)));
      assert.deepEqual(splits.map(({ frame }) => frame.time.length), [216, 24, 60], 'all 300 rows: 20 % test, then 10 % of the rest validation');
      const column = (name: string) => splits.flatMap(({ frame }) => Array.from(frame.columns[name]!));
      assert.deepEqual(column('up'), Array.from({ length: 300 }, (_, i) => i));
      assert.deepEqual(column('down'), written.down);
      const times = splits.flatMap(({ frame }) => Array.from(frame.time));
      assert.deepEqual(times, Array.from({ length: 300 }, (_, i) => Date.UTC(2024, 0, 1) + i * 600_000));
    });
  }
});

describe('preprocess on bad input', () => {
  /** Asserts the run wrote nothing under its task root: no outputs, no ExecutorOutput. */
  async function assertNothingWritten(run: LocalRunResult): Promise<void> {
    const written = existsSync(run.taskRoot) ? await readdir(run.taskRoot, { recursive: true }) : [];
    assert.deepEqual(written, [], 'nothing written');
    assert.equal(run.output, undefined, 'no ExecutorOutput');
  }

  /** Runs preprocess on `csv` (written to a file); it must exit 2 with one line on stderr and write nothing. */
  async function runOn(csv: string | Buffer, parameters: Record<string, unknown> = {}) {
    const dir = await tempDir();
    const path = join(dir, 'raw.csv');
    await writeFile(path, csv);
    const run = await runLocally(preprocessSpec, join(dir, 'task'), { data_uri: path, ...parameters } as never);
    assert.equal(run.code, 2, `exit code 2: ${run.stderr}`);
    await assertNothingWritten(run);
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    return run;
  }
  const rows = (n: number, start = 0) =>
    Array.from({ length: n }, (_, i) => `2024-01-01 ${String(Math.floor((i + start) / 60)).padStart(2, '0')}:${String((i + start) % 60).padStart(2, '0')}:00,${i},${i * 2}`).join('\n');

  it('a missing file', async () => {
    const run = await runLocally(preprocessSpec, join(await tempDir(), 'task'), { data_uri: '/nonexistent/raw.csv' });
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim(), 'flts preprocess: DataError: Data file data_uri /nonexistent/raw.csv does not exist.');
    await assertNothingWritten(run);
  });

  it('no data at all', async () => {
    const run = await runLocally(preprocessSpec, join(await tempDir(), 'task'), {});
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim(), 'flts preprocess: InvalidParameterError: No raw data: give the "raw_data" input artifact or the "data_uri" parameter.');
    await assertNothingWritten(run);
  });

  it('an empty file', async () => {
    const run = await runOn('');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /DataError: Data file data_uri .*raw\.csv is empty\.$/m);
  });

  it('a file that is neither CSV nor Parquet', async () => {
    const run = await runOn(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    assert.match(run.stderr, /DataError: Data file data_uri .*raw\.csv is neither CSV nor Parquet/);
  });

  it('the time column missing, listing the columns that exist', async () => {
    const run = await runOn(`when,down,up\n${rows(5)}`);
    assert.match(run.stderr, /DataError: data_uri .*raw\.csv has no time column "time"; its columns are: when, down, up\.$/m);
  });

  it('the target column missing, listing the columns that exist', async () => {
    const run = await runOn(`time,down,up\n${rows(5)}`, { target_column: 'traffic' });
    assert.match(run.stderr, /has no target column "traffic"; its columns are: time, down, up\.$/m);
  });

  it('an unparseable timestamp, showing the first bad row', async () => {
    const run = await runOn(`time,down,up\n${rows(3)}\n03/01/2024 00:04,1,2\nnot a time,1,2`);
    assert.match(run.stderr, /time column "time" has an unparseable timestamp in row 4 \(line 5\): "03\/01\/2024 00:04"; expected ISO 8601/);
  });

  it('a header without rows, said as such', async () => {
    const run = await runOn('time,down,up\n');
    assert.match(run.stderr, /^flts preprocess: DataError: data_uri .*raw\.csv has a header but no data rows\.$/m);
  });

  for (const [cell, shown] of <[string, string][]>[
    ['Infinity', 'Infinity'],
    ['-1e308', '-1e+308'],
  ]) {
    it(`a target of ${cell}: an error naming the column, row and file (invalid_values="error", the default)`, async () => {
      const run = await runOn(`time,down,up\n${rows(20)}\n2024-01-01 00:20:00,${cell},1\n${rows(20, 21)}`);
      assert.match(
        run.stderr,
        new RegExp(`^flts preprocess: DataError: Column "down" of data_uri .*raw\\.csv holds ${shown.replace('+', '\\+')} in data row 21; values must be finite and within ±1000000000000000 \\(value_bound\\)`, 'm'),
      );
    });
  }

  it('a feature beyond value_bound with invalid_values="gap": imputed, every split finite, a warning', async () => {
    const dir = await tempDir();
    const path = join(dir, 'raw.csv');
    await writeFile(path, `time,down,up\n${rows(200)}\n2024-01-01 03:20:00,5,1e308\n2024-01-01 03:21:00,Infinity,3\n${rows(200, 202)}`);
    const run = await runLocally(preprocessSpec, join(dir, 'task'), { data_uri: path, invalid_values: 'gap' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /WARNING Column "down" of data_uri .*: 1 infinite or out-of-range value\(s\)/);
    assert.match(run.stderr, /WARNING Column "up" of data_uri .*: 1 infinite or out-of-range value\(s\)/);
    for (const name of ['training_data', 'validation_data', 'inference_data']) {
      const { frame } = await readDataset(artifactOf(run, name).uri, name);
      for (const column of frame.names) assert.ok(frame.columns[column]!.every(Number.isFinite), `${name}.${column} is finite`);
    }
  });

  it('an all-missing target', async () => {
    const body = Array.from({ length: 10 }, (_, i) => `2024-01-01 00:0${i}:00,,${i}`).join('\n');
    const run = await runOn(`time,down,up\n${body}`);
    assert.match(run.stderr, /DataError: Target column "down" has no values in the training split \(all \d+ are missing\)\.$/m);
  });

  it('fewer rows than the smallest usable split', async () => {
    const run = await runOn(`time,down,up\n${rows(2)}`);
    assert.match(run.stderr, /DataError: Too few rows after preprocessing: the validation split has 0 \(at least 1 needed\), the test split has 0 \(at least 1 needed\); rows per split: train 2, validation 0, test 0\.$/m);
  });

  it('a requested feature column that is not numeric', async () => {
    const body = Array.from({ length: 10 }, (_, i) => `2024-01-01 00:0${i}:00,${i},${i === 3 ? 'high' : i}`).join('\n');
    const run = await runOn(`time,down,up\n${body}`, { feature_columns: ['up'] });
    assert.match(run.stderr, /DataError: data_uri .*: feature column "up" is not numeric: row 4 \(line 5\) holds "high"\.$/m);
  });

  it('a duplicate column name', async () => {
    const run = await runOn(`time,down,down\n${rows(5)}`);
    assert.match(run.stderr, /DataError: data_uri .*raw\.csv: the column name "down" appears more than once in the header\.$/m);
  });

  it('an unknown imputation method, named with the accepted ones', async () => {
    const run = await runOn(`time,down,up\n${rows(20)}`, { imputation: 'knn' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Parameter "imputation" must be one of "time", "mean", "ffill", "drop"; got "knn"\.$/m);
  });

  it('a validation fraction of 0: the recurrent trainers need a validation split, so it must be > 0', async () => {
    const run = await runOn(`time,down,up\n${rows(20)}`, { validation_fraction: 0 });
    assert.equal(run.stderr.trim(), 'flts preprocess: InvalidParameterError: Parameter "validation_fraction" must be > 0 and <= 0.5; got 0.');
  });

  it('several bad parameters at once, as one line of sentences', async () => {
    const run = await runOn(`time,down,up\n${rows(20)}`, { validation_fraction: 0.6, lags: -1 });
    assert.equal(
      run.stderr.trim(),
      'flts preprocess: InvalidParameterError: Parameter "lags" must be >= 0 and <= 1000; got -1. Parameter "validation_fraction" must be > 0 and <= 0.5; got 0.6.',
    );
  });
});

describe('preprocess reports non-fatal oddities as warnings in the metadata', () => {
  it('duplicates dropped, gaps filled, constant columns', async () => {
    const dir = await tempDir();
    const path = join(dir, 'raw.csv');
    const minutes = [0, 1, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
    await writeFile(path, `time,down,flat\n${minutes.map((m, i) => `2024-01-01 00:${String(m).padStart(2, '0')}:00,${i},5`).join('\n')}`);
    const run = await runLocally(preprocessSpec, join(dir, 'task'), { data_uri: path, max_gap_steps: 2, time_features: false });
    assert.equal(run.code, 0, run.stderr);
    const warnings = artifactOf(run, 'training_data').metadata!['warnings'] as string[];
    assert.deepEqual(warnings, [
      'Dropped 1 row(s) with a duplicate timestamp (the first of each kept).',
      'Filled 3 missing time step(s) in 1 gap(s).',
      'Long gap: 3 step(s) missing between 2024-01-01T00:03:00Z and 2024-01-01T00:07:00Z.',
      'Constant column(s) in the training split (scaled to 0): flat.',
      'The test split has 4 row(s), fewer than the trainers\' default horizon (6): trainers at those settings find no held-out origin to score; lower their "horizon"/"input_length" or keep more held-out rows ("sample_test_rows", "test_fraction").',
    ]);
  });
});
