import { build } from 'esbuild';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chooseBackend, effectiveRequest } from '../../shared/tf/backend.js';
import type { PackageImporter } from '../../shared/tf/native.js';

/** Behaves like import() of a package that is not installed. */
const absent: PackageImporter = async (name) => {
  throw Object.assign(new Error(`Cannot find package '${name}' imported from /app/dist/train-gru.js`), { code: 'ERR_MODULE_NOT_FOUND' });
};
/** Behaves like tfjs-node whose native library is missing. */
const brokenNative: PackageImporter = async () => {
  throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
};
/** Loads, but registers no backend (e.g. it registered with another copy of tfjs). */
const registersNothing: PackageImporter = async () => ({});

const noEnv = {};

describe('chooseBackend', () => {
  describe('auto', () => {
    it('passes over missing native packages, says why, and starts WASM with SIMD', async () => {
      const choice = await chooseBackend('auto', { env: noEnv, importPackage: absent });
      assert.equal(choice.backend, 'wasm');
      assert.equal(choice.tfjsBackend, 'wasm');
      assert.deepEqual(choice.skipped, [
        { backend: 'node-gpu', why: '@tensorflow/tfjs-node-gpu is not installed' },
        { backend: 'node', why: '@tensorflow/tfjs-node is not installed' },
      ]);
      assert.equal(
        choice.reason,
        'auto, first available (node-gpu: @tensorflow/tfjs-node-gpu is not installed; node: @tensorflow/tfjs-node is not installed)',
      );
      assert.equal(choice.wasm?.simd, true);
      assert.equal(choice.wasm?.threads, 1);
    });

    it('tells an installed but broken native package from a missing one', async () => {
      const choice = await chooseBackend('auto', { env: noEnv, importPackage: brokenNative });
      assert.equal(
        choice.skipped[0]!.why,
        '@tensorflow/tfjs-node-gpu is installed but failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory',
      );
    });

    it('passes over a native package that registered no backend with this tfjs', async () => {
      const choice = await chooseBackend('auto', { env: noEnv, importPackage: registersNothing });
      assert.equal(choice.backend, 'wasm');
      assert.equal(choice.skipped[1]!.why, '@tensorflow/tfjs-node loaded but registered no "tensorflow" backend with this process\'s @tensorflow/tfjs');
    });

    it('honours TFJS_BACKEND from the environment', async () => {
      const choice = await chooseBackend('auto', { env: { TFJS_BACKEND: 'cpu' } });
      assert.deepEqual([choice.backend, choice.requested, choice.requestedBy, choice.reason], ['cpu', 'cpu', 'TFJS_BACKEND', 'requested by environment variable TFJS_BACKEND']);
    });
  });

  describe('an explicit request', () => {
    it('gets exactly that backend', async () => {
      const choice = await chooseBackend('cpu', { env: { TFJS_BACKEND: 'wasm' } });
      assert.deepEqual([choice.backend, choice.requestedBy], ['cpu', 'parameter']);
    });

    it('for a backend that is not installed is an error, not a fallback', async () => {
      await assert.rejects(chooseBackend('node', { env: noEnv, importPackage: absent }), {
        name: 'InvalidParameterError',
        message: 'Backend "node" was requested (parameter "backend") but @tensorflow/tfjs-node is not installed. Install it, or request "auto" to use the best backend available.',
      });
    });

    it('through TFJS_BACKEND is as binding, and the error names the variable', async () => {
      await assert.rejects(chooseBackend('auto', { env: { TFJS_BACKEND: 'node-gpu' }, importPackage: brokenNative }), (error: Error & { issues: { path: string }[] }) => {
        assert.equal(error.issues[0]!.path, 'TFJS_BACKEND');
        assert.match(error.message, /^Backend "node-gpu" was requested \(environment variable TFJS_BACKEND\) but @tensorflow\/tfjs-node-gpu is installed but failed to load/);
        return true;
      });
    });
  });

  describe('names that are not backends', () => {
    it('are refused with the accepted list', () => {
      assert.throws(() => effectiveRequest('gpu', {}), {
        name: 'InvalidParameterError',
        message: 'Parameter "backend" must be one of auto, node-gpu, node, wasm, cpu; got "gpu".',
      });
    });

    it('in TFJS_BACKEND too', () => {
      assert.throws(() => effectiveRequest('auto', { TFJS_BACKEND: 'cuda' }), {
        message: 'Environment variable TFJS_BACKEND must be one of auto, node-gpu, node, wasm, cpu; got "cuda".',
      });
    });
  });
});

describe('the WASM backend in a bundle', () => {
  // A bundle of shared/tf with TensorFlow.js inlined, run from a directory with no node_modules above it: the
  // strictest deployment, where the .wasm files can only come from beside the bundle (tools/build.ts copies
  // them next to dist/<name>.js).
  const directory = mkdtempSync(join(tmpdir(), 'flts-wasm-bundle-'));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const backendModule = fileURLToPath(new URL('../../shared/tf/backend.ts', import.meta.url));
  const wasmDist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

  async function bundleProbe(name: string): Promise<string> {
    const entry = join(directory, `${name}.ts`);
    writeFileSync(
      entry,
      `import { chooseBackend } from ${JSON.stringify(backendModule)};\n` +
        `chooseBackend('wasm').then((c) => console.log(JSON.stringify({ backend: c.backend, directory: c.wasm?.directory })), (e) => { console.log(e.message); process.exit(2); });\n`,
    );
    const outfile = join(directory, name, `${name}.js`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
      banner: {
        js: "import { createRequire as __r } from 'node:module'; import { fileURLToPath as __f } from 'node:url'; import { dirname as __d } from 'node:path'; const require = __r(import.meta.url); const __filename = __f(import.meta.url); const __dirname = __d(__filename);",
      },
      logLevel: 'error',
    });
    return outfile;
  }

  it('loads its .wasm files from beside the bundle', async () => {
    const outfile = await bundleProbe('with-files');
    for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(join(wasmDist, file), join(dirname(outfile), file));
    const run = spawnSync(process.execPath, [outfile], { cwd: directory, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').pop()!), { backend: 'wasm', directory: dirname(outfile) });
  });

  it('without them, an explicit request fails naming the files and where it looked', async () => {
    const outfile = await bundleProbe('without-files');
    const run = spawnSync(process.execPath, [outfile], { cwd: directory, encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.equal(
      run.stdout.trim(),
      `Backend "wasm" was requested (parameter "backend") but its .wasm files (tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm) are in none of: ${dirname(outfile)}. Install it, or request "auto" to use the best backend available.`,
    );
  });
});
