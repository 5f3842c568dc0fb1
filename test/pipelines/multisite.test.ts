/**
 * The local runner on the compiled multi-site pipeline (pipelines/flts_multisite.yaml): the ParallelFor runs the
 * chain once per site and the summary collects them, independent tasks share the CPU budget, a repeated run is
 * served from the cache as KFP's would be, and a failing task stops the run, named. Two small synthetic sites
 * (three days each, one epoch), so that it stays a test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SiteLine } from '../../components/site-summary/summary.js';
import { InvalidParameterError } from '../../shared/errors.js';
import { CpuPool } from '../../pipelines/cpu-pool.js';
import { loadPipelineIr, resolvePipelineParameters, runPipelineIr, type PipelineIr, type TaskEvent, type TaskResult } from '../../pipelines/local-runner.js';
import { MULTISITE_IR, parseSites, syntheticSites, UsageError } from '../../pipelines/run-local.js';
import { writeSampleData } from '../../pipelines/sample-data.js';
import { checkPage, openBrowser } from '../helpers/browser.js';
import { tempDir } from '../helpers/component.js';

const CHAIN = ['preprocess', 'train-gru', 'train-lstm', 'train-prophet', 'eval', 'inference'];

/** The most tasks that were running at once, from a run's events. */
function mostAtOnce(events: TaskEvent[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    if (event.kind === 'start') most = Math.max(most, ++running);
    else if (event.kind === 'done' && !event.result.cached) running--;
  }
  return most;
}
const started = (events: TaskEvent[]) => events.flatMap((event) => (event.kind === 'start' ? [event.task] : [])).sort();

describe('the local runner on the multi-site pipeline', () => {
  let ir: PipelineIr;
  let root: string;
  let env: NodeJS.ProcessEnv;
  let sites: ReturnType<typeof syntheticSites>;
  const first: TaskEvent[] = [];
  let results: Record<string, TaskResult>;
  const run = (runRoot: string, options: { parameters?: Record<string, unknown>; cpus?: number; noCache?: boolean; events: TaskEvent[] }) =>
    runPipelineIr(ir, {
      parameters: { sites: sites as never, epochs: 1, ...(options.parameters as object) },
      runRoot: join(root, runRoot),
      env,
      cpus: options.cpus ?? 2,
      cacheDir: join(root, 'cache'),
      noCache: options.noCache ?? false,
      onEvent: (event) => options.events.push(event),
    });

  before(async () => {
    ir = await loadPipelineIr(MULTISITE_IR);
    root = await tempDir('flts-multisite-');
    env = { MLFLOW_TRACKING_URI: join(root, 'mlruns'), FLTS_LOCAL_STORE: join(root, 'object-store') };
    sites = syntheticSites(join(root, 'data'), 2);
    for (const [i, site] of sites.entries()) await writeSampleData(site.data_uri, site.test_data_uri, 3, i);
    results = await run('run-1', { events: first });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('runs the whole chain once per site, then the summary', () => {
    const expected = [...[0, 1].flatMap((i) => CHAIN.map((task) => `sites[${i}]/${task}`)), 'site-summary'];
    assert.deepEqual(Object.keys(results).sort(), expected.sort());
    assert.ok(Object.values(results).every((result) => !result.cached));
  });

  it('collects every site into the summary, in site order, with its champion, skill and forecast', async () => {
    const summary = results['site-summary']!;
    const { sites: lines } = JSON.parse(await readFile(summary.artifacts['summary']!.uri, 'utf8')) as { sites: SiteLine[] };
    assert.deepEqual(lines.map((line) => line.identifier), ['site-1', 'site-2']);
    for (const [i, line] of lines.entries()) {
      const promoted = JSON.parse(await readFile(results[`sites[${i}]/eval`]!.artifacts['promotion_metadata']!.uri, 'utf8')) as { model_type: string; run_id: string };
      assert.deepEqual([line.champion, line.run_id], [promoted.model_type, promoted.run_id]);
      assert.equal(typeof line.skill_vs_persistence, 'number');
      assert.equal(line.forecast.time.length, 6, 'the default horizon, 6 steps past the end of the data');
    }
    assert.equal(summary.parameters['sites'], 2);
    const html = await readFile(summary.artifacts['report']!.uri, 'utf8');
    assert.ok(html.includes('site-1') && html.includes('site-2'));
  });

  it('renders the summary in Chromium: the skill bars and a forecast chart per site, readable labels, no text cut off', async (t) => {
    const browser = await openBrowser();
    try {
      const screenshot = join(root, 'site-summary.png');
      const page = await checkPage(browser, results['site-summary']!.artifacts['report']!.uri, screenshot);
      t.diagnostic(`${page.title}: ${page.charts.length} charts; screenshot ${screenshot}`);
      assert.equal(page.charts.length, 3, 'the skill bars, and one forecast chart for each of the two sites');
      for (const chart of page.charts) {
        assert.ok(chart.labels.length >= 4, `a chart with ${chart.labels.length} labels`);
        for (const label of chart.labels) assert.doesNotMatch(label, /\de[+-]\d|^\.\d|\.\d{4,}/, `label "${label}" is not readable`);
      }
      assert.deepEqual(page.clipped, []);
    } finally {
      await browser.close();
    }
  });

  it('writes promotion records and inference logs under the object store it is given, per site', () => {
    for (const site of ['site-1', 'site-2']) {
      assert.ok(existsSync(join(root, 'object-store', 'model-promotion', site, 'current.json')), `promotion pointer of ${site}`);
      assert.ok(existsSync(join(root, 'object-store', 'inference-logs', site)), `inference log of ${site}`);
    }
  });

  it('runs independent tasks at the same time, never more than the CPU budget', () => {
    assert.equal(mostAtOnce(first), 2);
  });

  it('gives a task its own log, not the terminal', async () => {
    const log = await readFile(join(results['sites[0]/preprocess']!.taskRoot, 'task.log'), 'utf8');
    assert.match(log, /preprocess/);
  });

  describe('run again', () => {
    it('serves an identical run from the cache: nothing starts, every output is the first run\'s', async () => {
      const events: TaskEvent[] = [];
      const again = await run('run-2', { events });
      assert.deepEqual(started(events), []);
      assert.ok(Object.values(again).every((result) => result.cached));
      assert.deepEqual(
        Object.fromEntries(Object.entries(again).map(([task, result]) => [task, result.taskRoot])),
        Object.fromEntries(Object.entries(results).map(([task, result]) => [task, result.taskRoot])),
      );
    });

    it('re-runs exactly the tasks a changed parameter reaches, and those downstream of them', async () => {
      const events: TaskEvent[] = [];
      await run('run-3', { parameters: { log_bucket: join(root, 'other-logs') }, events });
      assert.deepEqual(started(events), ['site-summary', 'sites[0]/inference', 'sites[1]/inference']);
    });

    it('re-runs a task whose input file changed in place', async () => {
      const events: TaskEvent[] = [];
      await writeSampleData(sites[1]!.data_uri, sites[1]!.test_data_uri, 3, 7);
      await run('run-4', { events });
      assert.deepEqual(started(events), [...CHAIN.map((task) => `sites[1]/${task}`), 'site-summary'].sort());
    });

    it('with noCache runs every task; with one CPU, one at a time', async () => {
      const events: TaskEvent[] = [];
      const fresh = await run('run-5', { cpus: 1, noCache: true, events });
      assert.ok(Object.values(fresh).every((result) => !result.cached));
      assert.equal(started(events).length, 13);
      assert.equal(mostAtOnce(events), 1);
    });
  });

  it('stops at the first failing task, naming it and showing the end of its log', async () => {
    const bad = join(root, 'data', 'no-target.csv');
    await writeFile(bad, 'time,up\n2018-03-26 00:00:00,1\n2018-03-26 00:02:00,2\n');
    const events: TaskEvent[] = [];
    await assert.rejects(
      run('run-bad', { parameters: { sites: [sites[0], { data_uri: bad, test_data_uri: '', identifier: 'broken' }] }, noCache: true, events }),
      (error: Error) => {
        // The end of the task's log: its info lines (what it read), then the one error line.
        assert.match(error.message, /^Task sites\[1\]\/preprocess \(preprocess\) failed with exit code 2:\n( {2}\| \[preprocess\] .*\n)* {2}\| flts preprocess: DataError: .*no-target\.csv has no target column "down"/);
        assert.match(error.message, /\(whole log: .*\/for-loop-1-1\/preprocess\/task\.log\)$/);
        return true;
      },
    );
    assert.deepEqual(events.filter((event) => event.kind === 'failed').map((event) => (event as { task: string }).task), ['sites[1]/preprocess']);
    assert.equal(existsSync(join(root, 'run-bad', 'site-summary')), false);
  });

  it('refuses a site without data_uri before any task starts', () => {
    assert.throws(
      () => resolvePipelineParameters(ir, { sites: [{ identifier: 'x', test_data_uri: '' }] }),
      (error: Error) => error instanceof InvalidParameterError && /Parameter "sites" item 1 has no field \["data_uri"\], which task sites\/preprocess needs/.test(error.message),
    );
  });
});

describe('CpuPool', () => {
  it('grants CPUs up to its capacity; the next request waits for a release', async () => {
    const pool = new CpuPool(2);
    const a = await pool.acquire(1);
    await pool.acquire(1);
    let third = false;
    const waiting = pool.acquire(1).then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false);
    a();
    await waiting;
    assert.equal(third, true);
  });

  it('serves waiters by priority, lowest first, whatever order they came in', async () => {
    const pool = new CpuPool(1);
    const hold = await pool.acquire(1);
    const order: string[] = [];
    const later = pool.acquire(1, [1, 0]).then((release) => (order.push('site 1'), release()));
    const sooner = pool.acquire(1, [0, 5]).then((release) => (order.push('site 0'), release()));
    hold();
    await Promise.all([later, sooner]);
    assert.deepEqual(order, ['site 0', 'site 1']);
  });

  it('caps a request at its capacity rather than waiting forever', async () => {
    const release = await new CpuPool(2).acquire(8);
    release();
  });
});

describe('npm start -- --sites', () => {
  it('reads a number as that many synthetic sites', () => {
    assert.equal(parseSites('3'), 3);
  });

  it('reads data[+test] entries, taking <name>_test.csv beside a local file when it exists', () => {
    const exists = (path: string) => path === 'data/ElBorn_test.csv';
    assert.deepEqual(parseSites('data/ElBorn.csv,LesCorts.csv+held-out.csv,minio://dataset/x.csv', exists), [
      { data_uri: 'data/ElBorn.csv', test_data_uri: 'data/ElBorn_test.csv', identifier: 'ElBorn' },
      { data_uri: 'LesCorts.csv', test_data_uri: 'held-out.csv', identifier: 'LesCorts' },
      { data_uri: 'minio://dataset/x.csv', test_data_uri: '', identifier: 'x' },
    ]);
  });

  it('refuses two sites with the same name, an empty entry and zero sites', () => {
    assert.throws(() => parseSites('a/x.csv,b/x.csv', () => false), (error: Error) => error instanceof UsageError && /two sites "x"/.test(error.message));
    assert.throws(() => parseSites('a.csv,,b.csv', () => false), /entry 2 "" is not data\[\+test\]/);
    assert.throws(() => parseSites('0'), /1 to 1000 synthetic sites; got 0/);
  });

  it('writes each synthetic site as a pair of files named for it', async () => {
    const dir = await tempDir('flts-sites-');
    try {
      const [site] = syntheticSites(dir, 1);
      await writeSampleData(site!.data_uri, site!.test_data_uri, 1, 0);
      assert.deepEqual((await readdir(dir)).sort(), ['site-1.csv', 'site-1_test.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
