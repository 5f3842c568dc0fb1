/**
 * Small HTML reports for the KFP UI (which renders a system.HTML artifact's file): a page with headed sections
 * and tables; the charts come from ./chart.ts as inline SVG. Everything is escaped; nothing is fetched.
 */

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
th{background:#f4f4f4}td:first-child,th:first-child,td.text{text-align:left}td{white-space:nowrap}td.text{white-space:normal}td.id{overflow-wrap:anywhere;min-width:9em}
.warn{color:#a15c00}.muted{color:#777}figure.chart{margin:8px 0}figure.chart svg{max-width:100%;height:auto}
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

/** A long identifier (a run id) as a table cell that may wrap anywhere, so that a wide table still fits the page. */
export interface IdCell {
  id: string;
}

export function idCell(id: string): IdCell {
  return { id };
}

/** A table with a header row; numbers are formatted with `formatNumber`. */
export function table(header: string[], rows: (string | number | IdCell)[][]): string {
  // Numbers right-aligned so their digits line up (and never wrapped); text (ids, dates, JSON) left-aligned.
  const cell = (value: string | number | IdCell) =>
    typeof value === 'number'
      ? `<td>${escapeHtml(formatNumber(value))}</td>`
      : typeof value === 'string'
        ? `<td class="text">${escapeHtml(value)}</td>`
        : `<td class="text id">${escapeHtml(value.id)}</td>`;
  return `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((row) => `<tr>${row.map(cell).join('')}</tr>`)
    .join('')}</table>`;
}

/** Five significant digits; from 100 000 up, whole and grouped in thousands (`299,153,471`, not `2.9915e+8`). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e15 || (abs !== 0 && abs < 1e-3)) return value.toExponential(4);
  if (Number.isInteger(value) || abs >= 1e5) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(5);
}
