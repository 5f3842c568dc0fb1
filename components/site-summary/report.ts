/**
 * The cross-site summary as HTML: the champions per site (a table, and their skill against persistence as bars),
 * then each site's forecast past its data with the champion's interval.
 */
import { barChart, lineChart } from '../../shared/report/chart.js';
import { formatNumber, page, paragraph, section, table } from '../../shared/report/html.js';
import type { SiteLine } from './summary.js';

export async function siteSummaryReport(sites: readonly SiteLine[]): Promise<string> {
  const name = (s: SiteLine) => s.identifier || '(global)';
  const skill = (value: number | null) => (value === null ? '—' : formatNumber(value));
  const overview = table(
    ['site', 'champion', 'score', 'skill vs persistence', 'skill vs linear', 'backtest RMSE', 'forecast steps'],
    sites.map((s) => [name(s), s.champion, s.score, skill(s.skill_vs_persistence), skill(s.skill_vs_linear), s.backtest_rmse ?? '—', s.forecast.time.length]),
  );
  const skilled = sites.filter((s) => s.skill_vs_persistence !== null);
  const skillBars = skilled.length > 0
    ? await barChart(skilled.map((s) => ({ label: `${name(s)} (${s.champion})`, value: s.skill_vs_persistence! })), { xTitle: 'skill vs persistence (1 − RMSE / persistence RMSE)' })
    : paragraph('(no site has a skill figure)', 'muted');
  const forecasts = await Promise.all(
    sites.map(async (s) => {
      const time = s.forecast.time.map((t) => Date.parse(t));
      const chart = await lineChart(
        [
          { label: 'forecast', x: time, y: s.forecast.forecast },
          { label: 'lower', x: time, y: s.forecast.lower, dashed: true, color: '#7f7f7f' },
          { label: 'upper', x: time, y: s.forecast.upper, dashed: true, color: '#7f7f7f' },
        ],
        { x: 'time', yTitle: 'forecast' },
      );
      const rows = table(['time', 'forecast', 'lower', 'upper'], s.forecast.time.map((time, i) => [time, s.forecast.forecast[i]!, s.forecast.lower[i]!, s.forecast.upper[i]!]));
      return section(`Forecast: ${name(s)} (${s.champion})`, chart + rows);
    }),
  );
  return page(`FLTS multi-site summary: ${sites.length} site${sites.length === 1 ? '' : 's'}`, [section('Champions per site', overview + skillBars), ...forecasts]);
}
