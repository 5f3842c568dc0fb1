/**
 * The component images. Always: the Dockerfiles match their template and agree with component.yaml (command,
 * image name, no ENTRYPOINT). With FLTS_IMAGE_TESTS=1, after `tools/images/build.sh`: each built image exists
 * under both names, its config runs component.yaml's command as a non-root user, and tools/images/smoke.sh
 * passes on it (node, the bundle, its .wasm files and node_modules, TensorFlow.js on WASM).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { join } from 'node:path';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { componentSpecs } from '../../components/specs.js';
import { trainGruSpec } from '../../components/train-gru/spec.js';
import { dockerfileFor, dockerfilePath, imageComponents } from '../../tools/images/dockerfiles.js';
import { artifactOf, runLocally, tempDir } from '../helpers/component.js';
import { sampleData } from '../helpers/sample-data.js';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const { version } = JSON.parse(read('package.json')) as { version: string };

interface ContainerSpec {
  image: string;
  command: string[];
  args?: string[];
}

/** deploymentSpec.executors.exec-<name>.container of components/<name>/component.yaml. */
function containerSpec(name: string): ContainerSpec {
  const [document] = parseAllDocuments(read(`components/${name}/component.yaml`));
  const yaml = document?.toJS() as { deploymentSpec: { executors: Record<string, { container: ContainerSpec }> } };
  const executor = yaml.deploymentSpec.executors[`exec-${name}`];
  assert.ok(executor, `components/${name}/component.yaml has no executor exec-${name}`);
  return executor.container;
}

describe('Dockerfiles', () => {
  it('one per component, in the order of the component specs', () => {
    assert.deepEqual([...imageComponents], componentSpecs.map((spec) => spec.name));
  });

  for (const name of imageComponents) {
    it(`${dockerfilePath(name)} is the template's output (npx tsx tools/images/dockerfiles.ts)`, () => {
      assert.equal(read(dockerfilePath(name)), dockerfileFor(name));
    });

    it(`${name}: CMD is component.yaml's command, there is no ENTRYPOINT, and the image name matches`, () => {
      const container = containerSpec(name);
      assert.deepEqual(container.command, ['node', `/app/dist/${name}.js`]);
      assert.deepEqual(container.args, ['--executor-input', '{{$}}']);
      assert.equal(container.image, `ghcr.io/flts-ts/flts-${name}:${version}`);
      const dockerfile = read(dockerfilePath(name));
      const cmd = dockerfile.match(/^CMD (.+)$/m)?.[1];
      assert.ok(cmd, `${dockerfilePath(name)} has no CMD`);
      assert.deepEqual(JSON.parse(cmd), container.command);
      assert.doesNotMatch(dockerfile, /^ENTRYPOINT/m);
    });
  }

  it('the GPU Dockerfile has no ENTRYPOINT either', () => {
    assert.doesNotMatch(read('Dockerfiles/gpu.Dockerfile'), /^ENTRYPOINT/m);
  });
});

const enabled = process.env['FLTS_IMAGE_TESTS'] === '1';
const skip = enabled
  ? false
  : 'FLTS_IMAGE_TESTS is not set to 1: build the images with tools/images/build.sh, then run with FLTS_IMAGE_TESTS=1';
const tag = process.env['FLTS_IMAGE_TAG'] || version;

/** Runs tools/images/<script> with the project's buildah settings; returns status and output. */
function run(script: string, args: string[], timeoutMs = 240_000, env: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const result = spawnSync('bash', [`tools/images/${script}`, ...args], { cwd: root, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

interface ImageInfo {
  FromImageID: string;
  OCIv1: { config: { Cmd?: string[]; Entrypoint?: string[]; User?: string; WorkingDir?: string } };
}

function inspect(image: string): ImageInfo {
  const { status, output } = run('buildah.sh', ['inspect', '--type', 'image', image], 60_000);
  assert.equal(status, 0, `image ${image} not found (build it with tools/images/build.sh):\n${output}`);
  return JSON.parse(output) as ImageInfo;
}

describe('container images', { skip }, () => {
  for (const name of imageComponents) {
    describe(`flts-${name}:${tag}`, () => {
      it("exists, also under component.yaml's image name when the tag is the package version", () => {
        const local = inspect(`localhost/flts-${name}:${tag}`);
        if (tag === version) {
          assert.equal(inspect(containerSpec(name).image).FromImageID, local.FromImageID);
        }
      });

      it("runs component.yaml's command as a non-root user in /app, with no ENTRYPOINT", () => {
        const { config } = inspect(`localhost/flts-${name}:${tag}`).OCIv1;
        assert.deepEqual(config.Cmd, containerSpec(name).command);
        assert.ok(!config.Entrypoint || config.Entrypoint.length === 0, `Entrypoint is ${JSON.stringify(config.Entrypoint)}`);
        assert.equal(config.User, '1000:1000');
        assert.equal(config.WorkingDir, '/app');
      });

      it('passes tools/images/smoke.sh (usage error and exit 2, files, wasm, compiled cells, Parquet writer, node_modules, tfjs; serve answers for inference)', { timeout: 300_000 }, async () => {
        const { status, output } = run('smoke.sh', [name], 290_000, name === 'inference' ? { FLTS_SMOKE_MODEL: await smokeModel() } : {});
        assert.equal(status, 0, output);
        if (name === 'inference') assert.match(output, /serve ok: \/v2\/health\/live 200, \/v2\/health\/ready 200 with the model loaded/, output);
        // Every image carries the compiled cell loops, and the addon for this CPU works: each bundle reaches models
        // through the registry, whose GRU/LSTM adapter loads them (eval reads model directories, event mode's
        // stages know every component's parameters).
        assert.match(output, /compiled cells flts-cells-[\w-]+\.node ok/, output);
        // The native Parquet writer is in the images that write Parquet (preprocess its splits, inference its
        // predictions) when it was built here (tools/images/build.sh adds it to the context), and it runs there.
        const writesParquet = name === 'preprocess' || name === 'inference';
        if (!writesParquet) assert.match(output, /parquet writer none/, output);
        else if (existsSync(new URL('native/parquet/build/flts-parquet', root))) assert.match(output, /parquet writer flts-parquet ok/, output);
      });
    });
  }
});

/** A small GRU model directory trained by the bundles on the sample data, readable by the images' user (uid 1000). */
async function smokeModel(): Promise<string> {
  const dir = await tempDir('flts-smoke-model-');
  const sample = await sampleData();
  const prep = await runLocally(preprocessSpec, join(dir, 'prep'), { data_uri: sample.train, test_data_uri: sample.test, sample_train_rows: 600, sample_test_rows: 100 });
  assert.equal(prep.code, 0, prep.stderr);
  const splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
  const gru = await runLocally(trainGruSpec, join(dir, 'gru'), { epochs: 1, hidden_size: 4, input_length: 12, horizon: 3, mlflow_tracking_uri: join(dir, 'mlruns') }, splits);
  assert.equal(gru.code, 0, gru.stderr);
  spawnSync('chmod', ['-R', 'a+rX', dir]);
  return artifactOf(gru, 'model').uri;
}
