/**
 * What people look at, in a real headless Chromium (Debian's, from test/services/chromium-install.sh): every
 * component's HTML report as the KFP UI shows it, and MLflow's own UI over the offline store the components
 * wrote, on one small pipeline run. Screenshots go to FLTS_SCREENSHOTS (default: a temporary directory).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkPage, openBrowser, type Browser, type Page } from '../helpers/browser.js';
import { artifactOf, tempDir } from '../helpers/component.js';
import { runPipeline, type PipelineRun } from '../helpers/pipeline.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

/** The reports, and how many charts each must show at least. */
const REPORTS = [
  ['preprocess', 'prep', 1],
  ['train-gru', 'gru', 2], // forecast against actual; training and validation loss per epoch
  ['train-lstm', 'lstm', 2],
  ['train-prophet', 'prophet', 3], // forecast against actual; components; fit
  ['eval', 'selection', 1], // RMSE of every candidate and baseline
  ['inference', 'inference', 2], // backtest; forecast past the data
] as const;

/**
 * MLflow 3.17's UI has a global switch, "GenAI" (its default, kept in the browser's local storage) or "Model
 * training", and with that switch it takes an experiment's kind from the switch rather than from the
 * `mlflow.experimentKind` tag we set (which earlier 3.x UIs and the API read); a user of this project picks
 * "Model training" once, as the tests do here.
 */
const MODEL_TRAINING = '?workflowType=machine_learning';

describe('in a browser', () => {
  let browser: Browser;
  let run: PipelineRun;
  let mlruns: string;
  let shots: string;

  before(async () => {
    const root = await tempDir('flts-browser-');
    shots = process.env['FLTS_SCREENSHOTS'] || join(root, 'screenshots');
    mkdirSync(shots, { recursive: true });
    mlruns = join(root, 'mlruns');
    [browser, run] = await Promise.all([openBrowser(), runPipeline({ mlflow_tracking_uri: mlruns }, { FLTS_LOCAL_STORE: join(root, 'store') })]);
  });
  after(async () => browser?.close());

  describe('the component reports', () => {
    for (const [name, step, minCharts] of REPORTS) {
      it(`${name}: shows its charts with readable labels, and no text is cut off`, async (t) => {
        const screenshot = join(shots, `${name}.png`);
        const page = await checkPage(browser, artifactOf(run[step], 'report').uri, screenshot);
        t.diagnostic(`${page.title}: ${page.charts.length} charts; screenshot ${screenshot}`);
        assert.ok(page.charts.length >= minCharts, `${page.charts.length} charts, expected at least ${minCharts}`);
        for (const chart of page.charts) {
          assert.ok(chart.width >= 300 && chart.height >= 60, `a chart of ${chart.width}×${chart.height} px`);
          assert.ok(chart.labels.length >= 4, `a chart with ${chart.labels.length} labels`);
          for (const label of chart.labels) assert.doesNotMatch(label, /\de[+-]\d|^\.\d|\.\d{4,}/, `label "${label}" is not readable`);
        }
        assert.deepEqual(page.clipped, []);
        assert.ok(page.screenshot.length > 20_000, 'a screenshot with something drawn on it');
      });
    }

    it('reports text cut off by its chart (the check itself can fail)', async () => {
      const file = join(shots, 'clipped.html');
      // The old hand-drawn charts' failure: a long y label anchored at the svg's left edge.
      writeFileSync(file, '<!doctype html><svg width="200" height="50"><line x1="0" x2="200" y1="25" y2="25" stroke="#000"/><text x="10" y="20" text-anchor="end">2.0427e+8</text></svg>');
      const page = await checkPage(browser, file);
      assert.deepEqual(page.clipped, [{ text: '2.0427e+8', where: 'svg' }]);
    });
  });

  describe("MLflow's own UI over the offline store", () => {
    let mlflow: MlflowServer;
    let page: Page;
    before(async () => {
      mlflow = await startMlflow({ mlruns });
    });
    after(async () => {
      await page?.close();
      await mlflow?.stop();
    });

    it('opens a trainer run with its datasets and its metric charts', async (t) => {
      const metadata = artifactOf(run.gru, 'model').metadata!;
      const runId = metadata['run_id'] as string;
      const experimentId = await experimentOf(mlflow.url, runId);
      const digest = (run.prep.output!.parameterValues!['data_digest'] as string).slice(0, 36);
      page = await browser.open(`${mlflow.url}/#/experiments/${experimentId}/runs/${runId}${MODEL_TRAINING}`, { width: 1400, height: 1000 });
      await page.waitFor(`document.body.innerText.includes(${JSON.stringify(digest)})`, 'the datasets on the run page', 60_000);
      const overview = await page.evaluate<string>('document.body.innerText');
      // MLflow lists the first dataset with its digest and its context, and counts the others ("+2").
      assert.match(overview, new RegExp(`Datasets\\s+(train|validation|test) \\(${digest}\\)\\s+(Training|Validation|Testing)\\s+\\+2`));
      writeFileSync(join(shots, 'mlflow-run.png'), await page.screenshot());

      await page.evaluate(`location.hash = '#/experiments/${experimentId}/runs/${runId}/model-metrics${MODEL_TRAINING}'`);
      await page.waitFor(`document.querySelectorAll('.js-plotly-plot, canvas, svg.main-svg').length > 0`, 'metric charts', 60_000);
      await page.waitFor(`document.body.innerText.includes('val_loss')`, 'the val_loss chart', 30_000);
      const screenshot = join(shots, 'mlflow-metrics.png');
      writeFileSync(screenshot, await page.screenshot());
      t.diagnostic(`screenshots ${join(shots, 'mlflow-run.png')}, ${screenshot}`);
    });

    it('shows the registered model with the champion alias on the promoted version', async () => {
      const record = JSON.parse(readFileSync(artifactOf(run.selection, 'promotion_metadata').uri, 'utf8')) as { registered_model: { name: string; version: string; alias: string } };
      const { name, version, alias } = record.registered_model;
      const models = await browser.open(`${mlflow.url}/#/models/${encodeURIComponent(name)}${MODEL_TRAINING}`, { width: 1400, height: 1000 });
      try {
        await models.waitFor(`document.body.innerText.includes(${JSON.stringify(`Version ${version}`)})`, `version ${version} of ${name}`, 60_000);
        const text = await models.evaluate<string>('document.body.innerText');
        assert.match(text, new RegExp(`\\b${alias}\\b`), `the alias ${alias} is shown`);
        writeFileSync(join(shots, 'mlflow-model.png'), await models.screenshot());
      } finally {
        await models.close();
      }
    });

    it("lists the experiment's runs with the datasets each read", async () => {
      const metadata = artifactOf(run.gru, 'model').metadata!;
      const experimentId = await experimentOf(mlflow.url, metadata['run_id'] as string);
      const experiment = await browser.open(`${mlflow.url}/#/experiments/${experimentId}${MODEL_TRAINING}`, { width: 1400, height: 1000 });
      try {
        const digest = (run.prep.output!.parameterValues!['data_digest'] as string).slice(0, 36);
        await experiment.waitFor(`document.body.innerText.includes('GRU')`, 'the run GRU in the runs table', 60_000);
        const text = await experiment.evaluate<string>('document.body.innerText');
        assert.doesNotMatch(text, /Evaluation runs/);
        // The runs table's Dataset column: each dataset with its digest and context.
        for (const [split, context] of [['train', 'Training'], ['test', 'Testing']]) assert.match(text, new RegExp(`${split} \\(${digest}\\)\\s+${context}`));
        writeFileSync(join(shots, 'mlflow-experiment.png'), await experiment.screenshot());
      } finally {
        await experiment.close();
      }
    });
  });
});

async function experimentOf(server: string, runId: string): Promise<string> {
  const reply = await fetch(`${server}/api/2.0/mlflow/runs/get?run_id=${runId}`);
  const body = (await reply.json()) as { run: { info: { experiment_id: string } } };
  return body.run.info.experiment_id;
}
