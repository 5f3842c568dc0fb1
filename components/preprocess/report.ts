/** The preprocess summary as an HTML page: rows per split, gaps, warnings, per-column statistics, the target. */
import type { PreprocessResult } from '../../shared/preprocess/pipeline.js';
import { concatFrames, selectColumns } from '../../shared/series/frame.js';
import { formatTimestamp } from '../../shared/series/timestamps.js';
import { columnUnit, lineChart } from '../../shared/report/chart.js';
import { list, page, paragraph, section, table } from '../../shared/report/html.js';

export async function preprocessReport(result: PreprocessResult, lineage: { configHash: string; dataDigest: string; config: string }): Promise<string> {
  const { summary } = result;
  const splits = ['train', 'validation', 'test'] as const;
  // The target alone: a copy of every column would double a large file's memory.
  const all = concatFrames(splits.map((split) => selectColumns(result.unscaled[split], [result.target])));
  const target = all.columns[result.target]!;
  const boundaries = splits.map((split) => result.unscaled[split].time.length);
  return page(`Preprocess: ${result.target} at ${result.frequency}`, [
    section(
      'Splits',
      table(
        ['split', 'rows', 'from', 'to'],
        splits.map((split) => [split, summary.rows[split], summary.timeRange[split][0], summary.timeRange[split][1]]),
      ),
      paragraph(
        `Input rows: ${summary.inputRows.train} (training file)${summary.inputRows.test ? `, ${summary.inputRows.test} (test file)` : ''}. ` +
          `Duplicates dropped: ${summary.duplicatesDropped}. Off-grid rows dropped: ${summary.offGridDropped}. ` +
          `Missing time steps ${summary.gapsFilled ? 'filled' : 'left out (imputation "drop")'}: ${summary.rowsInserted} in ${summary.gaps.length} gap(s). ` +
            `Rows dropped for missing values: ${summary.rowsDroppedMissing}; for lag history: ${summary.rowsDroppedLags}.`,
      ),
    ),
    section(
      `Target "${result.target}" (original units)`,
      await lineChart([{ label: result.target, x: all.time, y: target }], { x: 'time', yTitle: result.target, unit: columnUnit(result.target) }),
      paragraph(`Split boundaries after ${boundaries[0]} and ${boundaries[0]! + boundaries[1]!} rows.`, 'muted'),
    ),
    section('Warnings', summary.warnings.length ? list(summary.warnings, 'warn') : paragraph('None.', 'muted')),
    section(
      'Gaps',
      summary.gaps.length
        ? table(
            ['after', 'before', 'missing steps'],
            summary.gaps.slice(0, 50).map((gap) => [formatTimestamp(gap.after), formatTimestamp(gap.before), gap.missing]),
          )
        : paragraph('No gaps in the time index.', 'muted'),
    ),
    section(
      'Columns (training split, before scaling)',
      table(
        ['column', 'min', 'max', 'mean', 'std', 'missing (all splits)', 'clipped', 'scaler center', 'scaler scale'],
        result.columns.map((name) => {
          const stats = summary.stats[name]!;
          const scale = result.scaler.columns[name]!;
          return [name, stats.min, stats.max, stats.mean, stats.std, stats.missing, summary.clipped[name] ?? 0, scale.center, scale.scale];
        }),
      ),
      paragraph(`Scaler: ${result.scaler.method}, fitted on the training split only.`, 'muted'),
    ),
    section('Lineage', table(['field', 'value'], [['config_hash', lineage.configHash], ['data_digest', lineage.dataDigest], ['config', lineage.config]])),
  ]);
}
