/**
 * The splits a trainer read, as MLflow run dataset inputs: one per split, named `<identifier>-<split>` (the split
 * alone without an identifier), with the
 * data digest (sha256 of the raw input, cut to MLflow's 36 characters), the URI it was read from, its columns
 * and row count, so that MLflow's run page lists them and its lineage links runs to data.
 */
import type { Dataset } from '../../shared/table/dataset.js';
import type { DatasetInput } from '../../shared/tracking/index.js';

/** What each split was used for, in MLflow's `mlflow.data.context` words. */
const CONTEXTS = { train: 'training', validation: 'validation', test: 'testing' } as const;

export function splitInputs(splits: { dataset: Dataset; uri: string }[]): DatasetInput[] {
  return splits.map(({ dataset, uri }) => {
    const { info, frame } = dataset;
    return {
      name: info.identifier ? `${info.identifier}-${info.split}` : info.split,
      digest: info.dataDigest.slice(0, 36),
      sourceUri: uri,
      schema: [{ name: 'time', type: 'datetime' }, ...info.columns.map((name) => ({ name, type: 'double' }))],
      profile: { num_rows: frame.time.length, data_digest: info.dataDigest, config_hash: info.configHash },
      context: CONTEXTS[info.split],
      tags: { 'flts.config_hash': info.configHash },
    };
  });
}
