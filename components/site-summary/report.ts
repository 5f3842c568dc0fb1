/** The cross-site summary as HTML: plain tables for now (one row per site, then each site's forecast). */
import { formatNumber, page, section, table } from '../../shared/report/html.js';
import type { SiteLine } from './summary.js';

export function siteSummaryReport(sites: readonly SiteLine[]): string {
  const skill = (value: number | null) => (value === null ? '—' : formatNumber(value));
  const overview = table(
    ['site', 'champion', 'score', 'skill vs persistence', 'skill vs linear', 'backtest RMSE', 'forecast steps'],
    sites.map((s) => [s.identifier || '(global)', s.champion, s.score, skill(s.skill_vs_persistence), skill(s.skill_vs_linear), s.backtest_rmse ?? '—', s.forecast.time.length]),
  );
  const forecasts = sites.map((s) =>
    section(`Forecast: ${s.identifier || '(global)'} (${s.champion})`, table(['time', 'forecast', 'lower', 'upper'], s.forecast.time.map((time, i) => [time, s.forecast.forecast[i]!, s.forecast.lower[i]!, s.forecast.upper[i]!]))),
  );
  return page(`FLTS multi-site summary: ${sites.length} site${sites.length === 1 ? '' : 's'}`, [section('Champions per site', overview), ...forecasts]);
}
