/**
 * The compiled pipelines under KFP's own local executor, `kfp.local.DockerRunner` (the real kfp SDK in .venv), over
 * podman's Docker-compatible API socket, with the images tools/images/build.sh built (FLTS_IMAGE_TESTS=1, as CI
 * runs it; FLTS_IMAGE_TAG picks images built under another tag). tools/images/podman-service.sh installs podman and
 * runc (Debian packages, once) and starts the service; the harness (test/kfp/kfp_docker.py) keeps each container
 * until its exit code is read, so that a failed task fails the run where it failed. Skipped, saying why, only where
 * containers cannot start at all. Small data (two synthetic sites of three days, one epoch) keeps CI's cost down.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allComponentSpecs } from '../../components/specs.js';
import type { SiteLine } from '../../components/site-summary/summary.js';
import { syntheticSites } from '../../pipelines/run-local.js';
import { writeSampleData } from '../../pipelines/sample-data.js';
import { imageFor } from '../../shared/kfp/component-yaml.js';
import { defaultImage } from '../../tools/image.js';
import { tempDir } from '../helpers/component.js';
import { repoRoot, requirePython } from '../helpers/python.js';

interface ParsedTask {
  task_root: string;
  parameters: Record<string, unknown>;
  artifacts: Record<string, { uri: string; metadata: Record<string, unknown>; schemaTitle: string }>;
}
interface KfpRun {
  ok: boolean;
  error: string;
  tasks: ParsedTask[];
  log: string;
}

const enabled = process.env['FLTS_IMAGE_TESTS'] === '1';

/** Runs the harness; resolves with its JSON report (the last stdout line) and the whole log. */
function kfpLocal(args: string[], env: NodeJS.ProcessEnv): Promise<KfpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(requirePython(), ['test/kfp/kfp_docker.py', ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...(JSON.parse(last) as Omit<KfpRun, 'log'>), log: `${stdout}\n${stderr}` });
      } catch {
        reject(new Error(`kfp_docker.py exited ${code} without a report:\n${stderr.slice(-3000)}`));
      }
    });
  });
}

/** The component a task ran (kfp.local names a task's folder for its task, which the pipelines name for the component), checked against the outputs kfp parsed. */
function componentOf(task: ParsedTask): string {
  const name = basename(task.task_root);
  const spec = allComponentSpecs.find((candidate) => candidate.name === name);
  const keys = [...Object.keys(task.parameters), ...Object.keys(task.artifacts)].sort();
  if (!spec) return `unknown task ${name}`;
  const declared = [...Object.keys(spec.outputs.parameters), ...Object.keys(spec.outputs.artifacts)].sort();
  return JSON.stringify(keys) === JSON.stringify(declared) ? spec.name : `${name} with outputs ${keys.join(',')}`;
}

const count = (names: string[]) => Object.fromEntries([...new Set(names)].sort().map((name) => [name, names.filter((n) => n === name).length]));

describe('the compiled pipelines under kfp.local.DockerRunner over podman', { skip: enabled ? false : 'FLTS_IMAGE_TESTS=1 runs it (after tools/images/build.sh)' }, () => {
  let env: NodeJS.ProcessEnv = {};
  let service: string;
  let podmanPid = 0;
  let root: string;
  let skipReason: string | undefined;

  before(async () => {
    service = await tempDir('flts-podman-');
    const started = spawnSync('bash', ['tools/images/podman-service.sh', service], { cwd: repoRoot, encoding: 'utf8' });
    if (started.status === 3) {
      skipReason = `containers cannot start here: ${started.stderr.trim()}`;
      return;
    }
    assert.equal(started.status, 0, `podman-service.sh failed:\n${started.stderr}`);
    for (const line of started.stdout.trim().split('\n')) {
      const [name, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      if (name === 'PODMAN_PID') podmanPid = Number(value);
      else env[name] = value;
    }
    if (process.env['FLTS_IMAGE_TAG']) env['FLTS_IMAGE_TAG'] = process.env['FLTS_IMAGE_TAG'];
    const probe = await kfpLocal(['probe', imageFor(allComponentSpecs[0], defaultImage)], env).catch((error: Error) => ({ ok: false, error: error.message }));
    if (!probe.ok && /OCI runtime|cgroup|setrlimit|permission denied|operation not permitted/i.test(probe.error)) {
      skipReason = `a container cannot start here: ${probe.error}`;
      return;
    }
    assert.ok(probe.ok, `the preprocess image does not run \`node --version\` (was tools/images/build.sh run?): ${probe.error}`);
    // The images run as uid 1000; kfp.local mounts the pipeline root at the same path, so the tasks must be able to write it.
    root = await tempDir('flts-kfp-docker-');
    await chmod(root, 0o777);
  });

  after(async () => {
    if (podmanPid > 0) process.kill(podmanPid, 'SIGTERM');
    await rm(service, { recursive: true, force: true });
    if (root) spawnSync('rm', ['-rf', root]);
  });

  /** Arguments that keep every output inside the mounted pipeline root (nothing is lost in a container). */
  const stores = () => ({
    epochs: 1,
    mlflow_tracking_uri: join(root, 'mlruns'),
    promotion_bucket: join(root, 'object-store', 'model-promotion'),
    log_bucket: join(root, 'object-store', 'inference-logs'),
  });
  const runPipeline = async (name: string, pipeline: string, args: Record<string, unknown>, flags: string[] = []): Promise<KfpRun> => {
    const argsPath = join(root, `${name}.args.json`);
    await writeFile(argsPath, JSON.stringify(args));
    // One pipeline root for every run (kfp.local gives each its own folder in it), holding the data too: it is
    // the only host folder mounted into the containers.
    return kfpLocal(['run', `pipelines/${pipeline}.yaml`, root, argsPath, ...flags], env);
  };

  it('runs the multi-site pipeline: every task of every site, then the summary, parsed by kfp', { timeout: 20 * 60_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const sites = syntheticSites(join(root, 'data'), 2);
    for (const [i, site] of sites.entries()) await writeSampleData(site.data_uri, site.test_data_uri, 3, i);
    const run = await runPipeline('multisite', 'flts_multisite', { ...stores(), sites });
    assert.ok(run.ok, `${run.error}\n${run.log.slice(-4000)}`);
    assert.deepEqual(count(run.tasks.map(componentOf)), {
      eval: 2,
      inference: 2,
      preprocess: 2,
      'site-summary': 1,
      'train-gru': 2,
      'train-lstm': 2,
      'train-prophet': 2,
    });
    const summary = run.tasks.find((task) => componentOf(task) === 'site-summary')!;
    assert.equal(summary.parameters['sites'], 2);
    const { sites: lines } = JSON.parse(await readFile(summary.artifacts['summary']!.uri, 'utf8')) as { sites: SiteLine[] };
    assert.deepEqual(lines.map((line) => line.identifier), ['site-1', 'site-2']);
    for (const site of ['site-1', 'site-2']) {
      assert.ok(existsSync(join(root, 'object-store', 'model-promotion', site, 'current.json')), `the promotion record of ${site} is in the pipeline root`);
    }
  });

  it('runs the single-site pipeline', { timeout: 20 * 60_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [site] = syntheticSites(join(root, 'data'), 1);
    const run = await runPipeline('single', 'flts_pipeline', { ...stores(), data_uri: site!.data_uri, test_data_uri: site!.test_data_uri, identifier: 'single' });
    assert.ok(run.ok, `${run.error}\n${run.log.slice(-4000)}`);
    assert.deepEqual(run.tasks.map(componentOf).sort(), ['eval', 'inference', 'preprocess', 'train-gru', 'train-lstm', 'train-prophet']);
  });

  it('fails the run at the task that failed (the exit code is read before the container goes)', { timeout: 10 * 60_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const bad = join(root, 'data', 'no-target.csv');
    await writeFile(bad, 'time,up\n2018-03-26 00:00:00,1\n2018-03-26 00:02:00,2\n');
    // Without its retries: they would only wait 3.5 minutes for the same bad data.
    const run = await runPipeline('failing', 'flts_pipeline', { ...stores(), data_uri: bad, test_data_uri: '' }, ['--no-retries']);
    assert.equal(run.ok, false);
    assert.match(run.error.replace(/\x1b\[[0-9;]*m/g, ''), /finished with status FAILURE\. Inner task failed: 'preprocess'\.$/);
    assert.deepEqual(run.tasks, [], 'no task was reported as succeeding');
    assert.match(run.log, /flts preprocess: /);
  });
});
