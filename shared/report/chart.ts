/**
 * Charts for the HTML reports: line and bar charts described in Vega-Lite and rendered to an SVG string here, in
 * Node, by Vega's headless SVG renderer (no browser, no canvas, nothing fetched). Axis labels are readable in
 * their units: time in UTC, epochs and steps as integers, large values with a prefix (`300 MB`, `1.2 M`).
 */
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { paragraph } from './html.js';

export interface Series {
  label: string;
  /** x values (epoch ms on a time axis, else numbers) and y values of equal length; NaN breaks the line. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}

/**
 * What the values measure: `bytes` labels ticks as kB/MB/GB/TB (decimal, as disk and network sizes are quoted),
 * `count` with SI prefixes (k, M, G), `number` as plain numbers (with a prefix from 10 000 up).
 */
export type Unit = 'bytes' | 'count' | 'number';

/**
 * The unit of a column of the cell-traffic data upstream FLTS forecasts: `down`/`up` are traffic volumes
 * (transport block sizes; issue 15 reads them as bytes), `rnti_count` active users; any other column is a number.
 */
export function columnUnit(column: string): Unit {
  return column === 'down' || column === 'up' ? 'bytes' : column === 'rnti_count' ? 'count' : 'number';
}

export interface ChartOptions {
  /** Plot width in CSS pixels (axes and legend come on top). @default 860 */
  width?: number;
  /** Plot height in CSS pixels. @default 220 */
  height?: number;
  /** `time`: x is epoch ms, labelled as UTC dates; `integer`: whole numbers only (epochs, steps). @default 'number' */
  x?: 'time' | 'integer' | 'number';
  xTitle?: string;
  yTitle?: string;
  /** @default 'number' */
  unit?: Unit;
  /** Draw at most this many points per series (evenly thinned). @default 1500 */
  maxPoints?: number;
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const FONT = 'system-ui, sans-serif';

/** A line chart of one or more series sharing the axes, as an inline SVG figure. */
export async function lineChart(series: Series[], options: ChartOptions = {}): Promise<string> {
  const values = series.flatMap((s, i) => points(s, i, options.maxPoints ?? 1500));
  if (values.length === 0) return paragraph('(no data to plot)', 'muted');
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  const xKind = options.x ?? 'number';
  const spec: TopLevelSpec = {
    ...frame(options),
    data: { values },
    // With few points (a short training run) each is marked, so that even a single epoch shows.
    mark: { type: 'line', strokeWidth: 1.4, interpolate: 'linear', point: values.length <= 40 * series.length ? { size: 16 } : false },
    encoding: {
      x: {
        field: 'x',
        type: xKind === 'time' ? 'temporal' : 'quantitative',
        title: options.xTitle ?? null,
        ...(xKind === 'time' ? { scale: { type: 'utc' } } : { scale: { zero: false, nice: false } }),
        axis: xKind === 'integer' ? { tickMinStep: 1, format: 'd' } : {},
      },
      y: { field: 'y', type: 'quantitative', title: options.yTitle ?? null, scale: { zero: false }, axis: valueAxis(maxAbs(values), options.unit) },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.label), scale: { domain: series.map((s) => s.label), range: colors } },
      // On the same field as colour, so Vega-Lite merges the two into one legend that shows each line's dash.
      strokeDash: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: series.map((s) => s.label),
        scale: { domain: series.map((s) => s.label), range: series.map((s) => (s.dashed ? [5, 3] : [1, 0])) },
      },
      detail: { field: 'part', type: 'nominal' },
    },
  };
  return render(spec);
}

/** A horizontal bar chart, one bar per label (in the given order), as an inline SVG figure. */
export async function barChart(bars: Bar[], options: Pick<ChartOptions, 'width' | 'xTitle' | 'unit'> = {}): Promise<string> {
  const values = bars.filter((b) => Number.isFinite(b.value)).map((b, i) => ({ label: b.label, value: b.value, color: b.color ?? PALETTE[i % PALETTE.length]! }));
  if (values.length === 0) return paragraph('(no data to plot)', 'muted');
  const spec: TopLevelSpec = {
    ...frame({ width: options.width ?? 600, height: 22 * values.length }),
    data: { values },
    mark: { type: 'bar', height: 14 },
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', title: options.xTitle ?? null, axis: valueAxis(Math.max(...values.map((v) => Math.abs(v.value))), options.unit) },
      color: { field: 'color', type: 'nominal', scale: null, legend: null },
    },
  };
  return render(spec);
}

/**
 * The label expression of a value axis: ticks divided by a power of 1000 chosen from the largest value, with the
 * prefix written out, so `2.9915e+8` bytes reads `299 MB` and its ticks `100 MB`, `200 MB`, ….
 */
export function valueAxis(largest: number, unit: Unit = 'number'): { labelExpr?: string; format?: string } {
  const prefixes = unit === 'bytes' ? [' B', ' kB', ' MB', ' GB', ' TB', ' PB'] : ['', ' k', ' M', ' G', ' T', ' P'];
  if (unit === 'number' && !(largest >= 1e4)) return { format: '~r' };
  const power = Math.min(prefixes.length - 1, Math.max(0, Math.floor(Math.log10(Math.max(largest, 1)) / 3)));
  return { labelExpr: `datum.value === 0 ? '0' : format(datum.value / ${1000 ** power}, ',~r') + '${prefixes[power]}'` };
}

/** Size, fonts and the things that would otherwise clip text: label limits off, room made for every label. */
function frame(options: { width?: number; height?: number }): Partial<TopLevelSpec> {
  const width = options.width ?? 860;
  return {
    width,
    height: options.height ?? 220,
    background: 'white',
    autosize: { type: 'pad', contains: 'padding' },
    padding: { left: 4, right: 16, top: 6, bottom: 4 },
    config: {
      font: FONT,
      view: { stroke: '#ddd' },
      // About one tick per 90 px across and five up: Vega's default (one per 40 px) crowds the labels.
      axisX: { tickCount: Math.max(2, Math.round(width / 90)) },
      axisY: { tickCount: 5 },
      axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 0, labelOverlap: true, labelColor: '#444', titleColor: '#444', gridColor: '#eee' },
      legend: { orient: 'top', labelFontSize: 11, labelLimit: 0, symbolType: 'stroke' },
    },
  } as Partial<TopLevelSpec>;
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return `<figure class="chart">${svg.replace('<svg ', '<svg role="img" ')}</figure>`;
  } finally {
    view.finalize();
  }
}

/** A step in x this many times the typical one is a gap in the data (e.g. between a training and a test period). */
const GAP_FACTOR = 5;

/**
 * A series as chart rows, thinned to at most maxPoints. Each stretch of the line is its own `part`, so that a
 * missing value (NaN) or a gap in x (a step over GAP_FACTOR times the median step) leaves a break instead of
 * a straight line drawn across it.
 */
export function points(s: Series, index: number, maxPoints: number): { x: number; y: number; series: string; part: string }[] {
  const n = Math.min(s.x.length, s.y.length);
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const kept: number[] = [];
  for (let j = 0; j < n; j += stride) kept.push(j);
  const gap = GAP_FACTOR * medianStep(kept.map((j) => s.x[j]!));
  const rows: { x: number; y: number; series: string; part: string }[] = [];
  let part = 0;
  let previousX: number | undefined;
  for (const j of kept) {
    const x = s.x[j]!;
    const y = s.y[j]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (previousX !== undefined) part++;
      previousX = undefined;
      continue;
    }
    if (previousX !== undefined && x - previousX > gap) part++;
    rows.push({ x, y, series: s.label, part: `${index}:${part}` });
    previousX = x;
  }
  return rows;
}

/** The median of the positive steps between consecutive finite values; Infinity with fewer than two steps (no gaps then). */
function medianStep(xs: number[]): number {
  const steps: number[] = [];
  for (let i = 1; i < xs.length; i++) {
    const step = xs[i]! - xs[i - 1]!;
    if (Number.isFinite(step) && step > 0) steps.push(step);
  }
  if (steps.length < 2) return Infinity;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}

function maxAbs(rows: { y: number }[]): number {
  let largest = 0;
  for (const row of rows) largest = Math.max(largest, Math.abs(row.y));
  return largest;
}
