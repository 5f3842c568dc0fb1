/**
 * The dialect parameters reach the reader: the synthetic sample rewritten as another tool would write it (a BOM,
 * semicolons, decimal commas, CRLF, day-first timestamps with an offset, header in capitals) preprocesses to the
 * same splits and the same config hash as the original; only the data digest, a hash of the bytes, differs.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { readDataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { sampleData } from '../helpers/sample-data.js';

/** `csv` (ISO times, commas) as a European spreadsheet export: ";" delimiters, decimal commas, CRLF, "dd.mm.yyyy HH:MM:SS+01:00". */
function european(csv: string): string {
  const [header, ...lines] = csv.trim().split('\n');
  const rows = lines.map((line) => {
    const [time, ...values] = line.split(',');
    const utc = new Date(`${time!.replace(' ', 'T')}Z`);
    const local = new Date(utc.getTime() + 3_600_000).toISOString();
    const stamp = `${local.slice(8, 10)}.${local.slice(5, 7)}.${local.slice(0, 4)} ${local.slice(11, 19)}+01:00`;
    return [stamp, ...values.map((value) => value.replace('.', ','))].join(';');
  });
  return `\ufeff${header!.toUpperCase().split(',').join(';')}\r\n${rows.join('\r\n')}\r\n`;
}

async function splits(run: LocalRunResult) {
  assert.equal(run.code, 0, run.stderr);
  const out: Record<string, unknown> = {};
  for (const name of ['training_data', 'validation_data', 'inference_data']) {
    const { frame } = await readDataset(artifactOf(run, name).uri, name);
    out[name] = { time: Array.from(frame.time), columns: Object.fromEntries(frame.names.map((n) => [n, Array.from(frame.columns[n]!)])) };
  }
  return out;
}

describe('preprocess reads CSV in other dialects', () => {
  it('a European export gives the same splits and config hash as the original, with the dialect sniffed and time_format given', async () => {
    const sample = await sampleData();
    const dir = await tempDir();
    const paths = { train: join(dir, 'sample.csv'), test: join(dir, 'sample_test.csv') };
    await writeFile(paths.train, european(await readFile(sample.train, 'utf8')));
    await writeFile(paths.test, european(await readFile(sample.test, 'utf8')));
    assert.match(await readFile(paths.train, 'utf8'), /^\ufeffTIME;DOWN;UP;RNTI_COUNT\r\n\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d\+01:00;\d+(,\d+)?;/);

    // The features are named as the parameter names them (the header's capitals aside), so both configs are equal.
    const features = ['up', 'rnti_count'];
    const original = await runLocally(preprocessSpec, join(dir, 'original'), { data_uri: sample.train, test_data_uri: sample.test, feature_columns: features });
    const other = await runLocally(preprocessSpec, join(dir, 'european'), {
      data_uri: paths.train,
      test_data_uri: paths.test,
      time_format: '%d.%m.%Y %H:%M:%S%z',
      feature_columns: features,
    });
    const [a, b] = [await splits(original), await splits(other)];
    assert.deepEqual(b, a);
    assert.equal(other.output!.parameterValues!['config_hash'], original.output!.parameterValues!['config_hash']);
    assert.notEqual(other.output!.parameterValues!['data_digest'], original.output!.parameterValues!['data_digest']);
  });

  it('an explicit delimiter that does not split the header finds no time column, and says which columns it found', async () => {
    const sample = await sampleData();
    const run = await runLocally(preprocessSpec, join(await tempDir(), 'task'), { data_uri: sample.train, csv_delimiter: ';' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /DataError: data_uri .*sample\.csv has no time column "time"; its columns are: time,down,up,rnti_count\.$/m);
  });
});
