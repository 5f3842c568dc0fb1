/**
 * The data behaviour tests run on: the built-in synthetic cell traffic (pipelines/sample-data.ts, eight days at
 * 2-minute steps from a fixed seed), written once per test process as a training and a held-out CSV. With it a
 * clone of the project alone runs every behaviour test; only checks against third-party reference files need
 * ../shared (helpers/shared-data.ts).
 */
import { join } from 'node:path';
import { writeSampleData } from '../../pipelines/sample-data.js';
import { tempDir } from './component.js';

export interface SampleFiles {
  train: string;
  test: string;
}

let written: Promise<SampleFiles> | undefined;

/** The sample's two CSV files (`time,down,up,rnti_count`), written on first use. */
export function sampleData(): Promise<SampleFiles> {
  written ??= (async () => {
    const dir = await tempDir('flts-sample-');
    const files = { train: join(dir, 'sample.csv'), test: join(dir, 'sample_test.csv') };
    await writeSampleData(files.train, files.test);
    return files;
  })();
  return written;
}
