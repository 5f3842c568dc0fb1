/**
 * Reading and preprocessing give the same splits as before the CSV reader was rewritten (dialects, streaming):
 * every value of the three splits, the timestamps and every column, is hashed as float64 bytes and compared with
 * the hash recorded from the previous implementation (commit 3d960b5), on the synthetic sample and on ElBorn and
 * LesCorts, under several settings. Equal hashes mean equal to the last bit.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { preprocessTables, type PreprocessOptions } from '../../shared/preprocess/pipeline.js';
import { readTableFile } from '../../shared/table/read-table.js';
import { PREPROCESS_OPTIONS } from '../helpers/preprocess-options.js';
import { sampleData } from '../helpers/sample-data.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared-data.js';


const SETTINGS: Record<string, Partial<PreprocessOptions>> = {
  defaults: {},
  'ffill, lags 3 × 2, standard scaling': { imputation: 'ffill', lags: 3, lagStep: 2, scaler: 'standard' },
  'mean, percentile clipping, no time features': { imputation: 'mean', outlierMethod: 'percentile', outlierFactor: 0.01, timeFeatures: false },
  'drop, tail sampling': { imputation: 'drop', sampleTrainRows: 2000, sampleStrategy: 'tail', lags: 2 },
};

/** sha256 over each split's timestamps and columns (in output order) as float64 bytes, with the column names. */
async function splitsHash(train: string, test: string | undefined, overrides: Partial<PreprocessOptions>): Promise<string> {
  const inputs = {
    // As the component reads them (the time column parsed while the file is streamed) and hands them over (imputed in place).
    handOver: true,
    train: { table: (await readTableFile(train, train, { timeColumn: 'time' })).table, source: train },
    ...(test ? { test: { table: (await readTableFile(test, test, { timeColumn: 'time' })).table, source: test } } : {}),
  };
  const result = preprocessTables(inputs, { ...PREPROCESS_OPTIONS, ...overrides });
  const hash = createHash('sha256');
  for (const split of ['train', 'validation', 'test'] as const) {
    const frame = result.splits[split];
    hash.update(`${split}:${frame.names.join(',')}:`);
    hash.update(new Uint8Array(frame.time.buffer, frame.time.byteOffset, frame.time.byteLength));
    for (const name of frame.names) {
      const values = frame.columns[name]!;
      hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  return hash.digest('hex');
}

const EXPECTED: Record<string, Record<string, string>> = {
  sample: {
    'defaults': '90459cfb9a39890eeee3863a48572d1650d73e110f46b0625fcf8278ad647152',
    'ffill, lags 3 × 2, standard scaling': '2af9a1aa5b8bd9b17417b4d3cf9ead55577898b3171600e9f0eeefecd2ca2a53',
    'mean, percentile clipping, no time features': '1b0767774af9997beb6b84dd1b5f1e7354c1937ba8919af498678b576062468b',
    'drop, tail sampling': '6b8d5bc7b09ad96f5482d6faadcd4264262ff5b99a5fc43bc9c1190b995ab3c2',
  },
  ElBorn: {
    'defaults': '5088145e9fe23af98998d00476542baf157208e834febfe22f38197bb709867d',
    'ffill, lags 3 × 2, standard scaling': '26210016920c68ee32d4bdd93510a3077215dfba16d08150aa42bf1fa254be8a',
    'mean, percentile clipping, no time features': '19d98101ed3b7257578afa3c701f11811f4ca1569058182d098086468a91ac6e',
    'drop, tail sampling': '198bd0d722621559a045c7ab4e93be1a36df798d607d4a6063d7546c57c0572a',
  },
  LesCorts: {
    'defaults': 'be45aee90b21cbdef498e9e491a680d765d67d05d142339f348f945e0a958322',
    'ffill, lags 3 × 2, standard scaling': '42361f8a0554ac6ff66555180c58d35249e7de0488ea3230be2682bf006fd8fe',
    'mean, percentile clipping, no time features': 'e9b89b58133a819a546e1b40e3125e62cff31b860a8a740d84ea430486dbcbcd',
    'drop, tail sampling': '6e575f7189005b61013c50fccd74671ff5a52d2095235e846e50aeb04ccba744',
  },
};

describe('the splits equal those of the previous reader to the last bit', () => {
  it('on the synthetic sample (training and held-out file)', async () => {
    const sample = await sampleData();
    for (const [name, overrides] of Object.entries(SETTINGS)) {
      assert.equal(await splitsHash(sample.train, sample.test, overrides), EXPECTED['sample']?.[name], name);
    }
  });

  for (const site of ['ElBorn', 'LesCorts']) {
    it(`on ${site}.csv + ${site}_test.csv`, { skip: skipWithoutShared('data/flts') }, async () => {
      for (const [name, overrides] of Object.entries(SETTINGS)) {
        const hash = await splitsHash(sharedPath(`data/flts/${site}.csv`)!, sharedPath(`data/flts/${site}_test.csv`)!, overrides);
        assert.equal(hash, EXPECTED[site]?.[name], `${site}: ${name}`);
      }
    });
  }
});
