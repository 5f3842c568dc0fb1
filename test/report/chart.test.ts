import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChart, columnUnit, lineChart, points } from '../../shared/report/chart.js';
import { formatNumber } from '../../shared/report/html.js';

/** The text of every axis label in an SVG chart, by axis: Vega draws them as `role-axis-label` text marks. */
function axisLabels(svg: string): string[][] {
  return [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g)].map((group) => [...group[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!));
}

const hours = (n: number) => Float64Array.from({ length: n }, (_, i) => Date.UTC(2019, 0, 12) + i * 3_600_000);

describe('lineChart', () => {
  it('labels a byte series in MB, not in exponent notation', async () => {
    const x = hours(48);
    const y = Float64Array.from(x, (_, i) => 2.9915e8 + 1.2e8 * Math.sin(i / 5));
    const [xLabels, yLabels] = axisLabels(await lineChart([{ label: 'down', x, y }], { x: 'time', unit: 'bytes' }));
    assert.ok(yLabels!.length >= 3, `y labels: ${yLabels}`);
    for (const label of yLabels!) assert.match(label, /^\d{1,3}(,\d{3})*(\.\d+)? MB$/);
    for (const label of xLabels!) assert.doesNotMatch(label, /^\d{6,}$|e[+-]\d/, 'time ticks are dates, not epoch numbers');
  });

  it('switches to GB when the values reach billions', async () => {
    const x = hours(10);
    const y = Float64Array.from(x, (_, i) => 1e9 + i * 3e8);
    const [, yLabels] = axisLabels(await lineChart([{ label: 'down', x, y }], { x: 'time', unit: 'bytes' }));
    for (const label of yLabels!) assert.match(label, /^\d+(\.\d+)? GB$/);
  });

  it('labels epochs as whole numbers', async () => {
    const epochs = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const [xLabels] = axisLabels(await lineChart([{ label: 'loss', x: epochs, y: epochs.map((e) => 1 / e) }], { x: 'integer', xTitle: 'epoch' }));
    assert.ok(xLabels!.length >= 2);
    for (const label of xLabels!) assert.match(label, /^\d+$/);
  });

  it('gives large plain numbers an SI prefix and small ones their digits', async () => {
    const x = [0, 1, 2, 3];
    const [, big] = axisLabels(await lineChart([{ label: 'n', x, y: [0, 2e6, 4e6, 6e6] }]));
    for (const label of big!) assert.match(label, /^\d+(\.\d+)?( M)?$/);
    const [, small] = axisLabels(await lineChart([{ label: 'loss', x, y: [0.012, 0.018, 0.02, 0.031] }]));
    for (const label of small!) assert.match(label, /^0\.\d+$/);
  });

  it('shows every series in the legend, untruncated', async () => {
    const x = [0, 1, 2];
    const svg = await lineChart([
      { label: 'training loss (MSE, scaled)', x, y: [3, 2, 1] },
      { label: 'validation loss', x, y: [3, 2.5, 2], dashed: true },
    ]);
    assert.match(svg, />training loss \(MSE, scaled\)</);
    assert.match(svg, />validation loss</);
    assert.doesNotMatch(svg, /…/);
  });

  it('breaks the line at missing values and across gaps in time, not only at NaN', () => {
    const minute = 60_000;
    const x = [0, 1, 2, 3, 4, 5, 100, 101, 102].map((m) => m * minute);
    const y = [1, 2, NaN, 4, 5, 6, 7, 8, 9];
    const parts = points({ label: 'y', x, y }, 0, 1500).map((row) => row.part);
    assert.deepEqual(parts, ['0:0', '0:0', '0:1', '0:1', '0:1', '0:2', '0:2', '0:2']);
  });

  it('says there is nothing to plot when every value is missing', async () => {
    assert.equal(await lineChart([{ label: 'y', x: [1, 2], y: [NaN, NaN] }]), '<p class="muted">(no data to plot)</p>');
  });
});

describe('barChart', () => {
  it('draws one bar per finite value, labelled in the given order', async () => {
    const svg = await barChart([
      { label: 'gru', value: 1.5e7 },
      { label: 'lstm', value: 2.5e7 },
      { label: 'broken', value: NaN },
    ]);
    assert.equal((svg.match(/aria-roledescription="bar"/g) ?? []).length, 2);
    const [xLabels, yLabels] = axisLabels(svg);
    assert.deepEqual(yLabels, ['gru', 'lstm']);
    for (const label of xLabels!) assert.match(label, /^0$|^\d+(\.\d+)? M$/);
  });
});

describe('columnUnit', () => {
  it('knows the traffic columns as bytes and the user count as a count', () => {
    assert.deepEqual(['down', 'up', 'rnti_count', 'mcs_down'].map(columnUnit), ['bytes', 'bytes', 'count', 'number']);
  });
});

describe('formatNumber', () => {
  it('groups large values in thousands instead of using an exponent', () => {
    assert.deepEqual([299153471.3, 123456, 42, 0.5, 1.23456789, 0.00001234, -2.5e6].map(formatNumber), [
      '299,153,471',
      '123,456',
      '42',
      '0.50000',
      '1.2346',
      '1.2340e-5',
      '-2,500,000',
    ]);
  });
});
