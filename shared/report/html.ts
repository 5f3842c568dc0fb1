/**
 * Small, dependency-free HTML reports for the KFP UI (which renders a system.HTML artifact's file): a page
 * with headed sections, tables, and inline SVG line charts. Everything is escaped; nothing is fetched.
 */

export interface Series {
  label: string;
  /** x values (e.g. epoch ms or epoch numbers) and y values of equal length; NaN breaks the line. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A whole HTML document. `sections` are HTML fragments made with the helpers below. */
export function page(title: string, sections: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.warn{color:#a15c00}.muted{color:#777}svg text{font:11px system-ui,sans-serif;fill:#444}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${sections.join('\n')}
</body></html>
`;
}

export function section(heading: string, ...content: string[]): string {
  return `<h2>${escapeHtml(heading)}</h2>\n${content.join('\n')}`;
}

export function paragraph(text: string, className?: string): string {
  return `<p${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</p>`;
}

export function list(items: string[], className?: string): string {
  if (items.length === 0) return '';
  return `<ul${className ? ` class="${className}"` : ''}>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}

/** A table with a header row; numbers are formatted with `formatNumber`. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cell = (value: string | number) => escapeHtml(typeof value === 'number' ? formatNumber(value) : value);
  return `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((row) => `<tr>${row.map((value) => `<td>${cell(value)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(4) : value.toPrecision(5);
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** Format x tick labels as UTC dates (x in epoch ms). */
  timeAxis?: boolean;
  yLabel?: string;
  /** Draw at most this many points per series (evenly thinned). @default 1500 */
  maxPoints?: number;
}

/** The smallest and largest finite value of all `arrays` ([Infinity, -Infinity] when there is none). */
function finiteRange(arrays: ArrayLike<number>[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < min && Number.isFinite(v)) min = v;
      if (v > max && Number.isFinite(v)) max = v;
    }
  }
  return [min, max];
}

/** An inline SVG line chart of one or more series sharing the axes. */
export function lineChart(series: Series[], options: ChartOptions = {}): string {
  const width = options.width ?? 900;
  const height = options.height ?? 260;
  const margin = { left: 64, right: 12, top: 10, bottom: 28 };
  // Loops, not spreads: a series of millions of points would overflow the call stack and fill the heap.
  let [yMin, yMax] = finiteRange(series.map((s) => s.y));
  let [xMin, xMax] = finiteRange(series.map((s) => s.x));
  if (!(yMin <= yMax) || !(xMin <= xMax)) return paragraph('(no data to plot)', 'muted');
  if (yMin === yMax) [yMin, yMax] = [yMin - 1, yMax + 1];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  const px = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * (width - margin.left - margin.right);
  const py = (y: number) => margin.top + (1 - (y - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);

  const paths = series.map((s, i) => {
    const n = Math.min(s.x.length, s.y.length);
    const stride = Math.max(1, Math.ceil(n / (options.maxPoints ?? 1500)));
    let d = '';
    let pen = false;
    for (let j = 0; j < n; j += stride) {
      const y = s.y[j]!;
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(s.x[j]!).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    }
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.3"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const yTicks = ticks.map((f) => {
    const value = yMin + f * (yMax - yMin);
    return `<text x="${margin.left - 6}" y="${py(value) + 4}" text-anchor="end">${escapeHtml(formatNumber(value))}</text><line x1="${margin.left}" x2="${width - margin.right}" y1="${py(value)}" y2="${py(value)}" stroke="#eee"/>`;
  });
  const xTicks = ticks.map((f) => {
    const value = xMin + f * (xMax - xMin);
    const label = options.timeAxis ? new Date(value).toISOString().slice(0, 16).replace('T', ' ') : formatNumber(value);
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    return `<text x="${px(value)}" y="${height - 8}" text-anchor="${anchor}">${escapeHtml(label)}</text>`;
  });
  const legend = series
    .map((s, i) => `<span style="color:${s.color ?? PALETTE[i % PALETTE.length]}">━ ${escapeHtml(s.label)}</span>`)
    .join(' &nbsp; ');
  return `<div>${legend}${options.yLabel ? ` <span class="muted">(${escapeHtml(options.yLabel)})</span>` : ''}</div>
<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${yTicks.join('')}${xTicks.join('')}${paths.join('')}</svg>`;
}
