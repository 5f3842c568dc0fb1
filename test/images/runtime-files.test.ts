import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  externalPackages,
  isPrunable,
  packageClosure,
  packageOf,
  resolvePackageDir,
  stageComponent,
  wasmFilesFor,
  type StagedComponent,
} from '../../tools/images/runtime-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'flts-images-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes files (path → content) under `root`; a `package.json` value may be given as an object. */
function lay(root: string, files: Record<string, string | object>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

describe('wasmFilesFor', () => {
  it('keeps the .wasm files whose names the bundle text contains', () => {
    const text = 'const p = `${__dirname}/parquet_wasm_bg.wasm`; path = "tfjs-backend-wasm-simd.wasm";';
    const available = ['tfjs-backend-wasm.wasm', 'parquet_wasm_bg.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
    assert.deepEqual(wasmFilesFor(text, available), ['parquet_wasm_bg.wasm', 'tfjs-backend-wasm-simd.wasm']);
  });
});

describe('packageOf', () => {
  it('names the package of a bare specifier', () => {
    assert.equal(packageOf('@tensorflow/tfjs'), '@tensorflow/tfjs');
    assert.equal(packageOf('@tensorflow/tfjs-core/dist/ops'), '@tensorflow/tfjs-core');
    assert.equal(packageOf('apache-arrow/util'), 'apache-arrow');
  });
  it('ignores builtins, node: URLs and relative paths', () => {
    for (const specifier of ['fs', 'node:fs', 'fs/promises', 'stream', './x.js', '../y', '/abs', 'file:///z']) {
      assert.equal(packageOf(specifier), undefined, specifier);
    }
  });
});

describe('externalPackages', () => {
  const bundle = [
    "import { createRequire as __fltsCreateRequire } from 'node:module';",
    'import * as tf from "@tensorflow/tfjs";',
    'import {',
    '  setWasmPaths,',
    '  getThreadsCount',
    '} from "@tensorflow/tfjs-backend-wasm";',
    'import "side-effect-pkg";',
    'import { readFile } from "fs";',
    '/**',
    ' * import { nope } from "only-in-a-comment";',
    ' */',
    'var x = __require("@tensorflow/tfjs-core/dist/ops");',
    'const importPackage = (name) => import(name);',
    'const NATIVE = { node: "@tensorflow/tfjs-node", gpu: "@tensorflow/tfjs-node-gpu" };',
    'const later = await import("@tensorflow/tfjs");',
  ].join('\n');

  it('reads the static imports at column 0 and the dynamic and native references', () => {
    assert.deepEqual(externalPackages(bundle), {
      static: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'side-effect-pkg'],
      dynamic: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    });
  });
  it('finds nothing in a self-contained bundle', () => {
    assert.deepEqual(externalPackages('import { a } from "node:fs";\nconsole.log(1);'), { static: [], dynamic: [] });
  });
});

describe('isPrunable', () => {
  const dir = lay(join(scratch, 'prune', 'tfjs'), { 'dist/tf.node.js': '', 'dist/tf.js': '', 'dist/index.js': '' });
  it('drops source maps and type declarations of any package', () => {
    assert.equal(isPrunable('left-pad', 'index.js.map', dir), true);
    assert.equal(isPrunable('left-pad', 'index.d.ts', dir), true);
    assert.equal(isPrunable('left-pad', 'index.min.js', dir), false);
  });
  it('drops the browser-only bundles of TensorFlow.js packages and keeps what Node.js loads', () => {
    for (const file of ['dist/tf.min.js', 'dist/tf.es2017.js', 'dist/tf.fesm.min.js', 'dist/tf.min.js.html', 'dist/tf.js', 'dist/miniprogram/index.js']) {
      assert.equal(isPrunable('@tensorflow/tfjs', file, dir, 'dist/tf.node.js'), true, file);
    }
    for (const file of ['dist/tf.node.js', 'dist/index.js', 'dist/ops/add.js', 'package.json', 'dist/tfjs-backend-wasm.wasm']) {
      assert.equal(isPrunable('@tensorflow/tfjs', file, dir, 'dist/tf.node.js'), false, file);
    }
  });
  it('never drops the main file', () => {
    assert.equal(isPrunable('@tensorflow/odd', 'dist/odd.min.js', dir, './dist/odd.min.js'), false);
  });
});

describe('packageClosure', () => {
  const root = lay(join(scratch, 'closure'), {
    'node_modules/a/package.json': { name: 'a', version: '1.0.0', dependencies: { b: '^1', c: '^1' }, optionalDependencies: { gone: '*' } },
    'node_modules/b/package.json': { name: 'b', version: '1.0.0', peerDependencies: { a: '*', 'no-peer': '*' } },
    'node_modules/c/package.json': { name: 'c', version: '1.0.0', dependencies: { b: '^2' } },
    'node_modules/c/node_modules/b/package.json': { name: 'b', version: '2.0.0' },
    'node_modules/unrelated/package.json': { name: 'unrelated', version: '1.0.0' },
    'node_modules/broken/package.json': { name: 'broken', version: '1.0.0', dependencies: { missing: '*' } },
  });

  it('resolves like Node.js: nearest node_modules first', () => {
    assert.equal(resolvePackageDir(root, join(root, 'node_modules', 'c'), 'b'), join(root, 'node_modules', 'c', 'node_modules', 'b'));
    assert.equal(resolvePackageDir(root, join(root, 'node_modules', 'a'), 'b'), join(root, 'node_modules', 'b'));
    assert.equal(resolvePackageDir(root, root, 'nope'), undefined);
  });
  it('collects dependencies transitively, nested copies included, and reports absent roots', () => {
    const { packages, absent } = packageClosure(root, ['a', 'not-installed']);
    assert.deepEqual(
      packages.map((pkg) => `${pkg.dir}@${pkg.version}`),
      ['node_modules/a@1.0.0', 'node_modules/b@1.0.0', 'node_modules/c@1.0.0', 'node_modules/c/node_modules/b@2.0.0'],
    );
    assert.deepEqual(absent, ['not-installed']);
  });
  it('fails on a missing required dependency', () => {
    assert.throws(() => packageClosure(root, ['broken']), /broken@1\.0\.0 needs missing/);
  });
});

describe('stageComponent', () => {
  const cache = lay(join(scratch, 'outside-cache'), { 'lib/libnative.so': 'ELF', 'include/x.h': '' });
  const root = lay(join(scratch, 'project'), {
    'dist/comp.js': 'import * as tf from "@tensorflow/tfjs";\nconst p = "parquet_wasm_bg.wasm";\nconst n = "@tensorflow/tfjs-node";\n',
    'dist/comp.js.map': '{}',
    'dist/parquet_wasm_bg.wasm': 'wasm-a',
    'dist/tfjs-backend-wasm.wasm': 'wasm-b',
    'dist/other.js': 'console.log(1);\n',
    'node_modules/@tensorflow/tfjs/package.json': { name: '@tensorflow/tfjs', version: '4.22.0', main: 'dist/tf.node.js', dependencies: { seedrandom: '*' } },
    'node_modules/@tensorflow/tfjs/dist/tf.node.js': 'module.exports = {};',
    'node_modules/@tensorflow/tfjs/dist/tf.node.js.map': '{}',
    'node_modules/@tensorflow/tfjs/dist/tf.js': 'umd',
    'node_modules/@tensorflow/tfjs/dist/tf.min.js': 'min',
    'node_modules/@tensorflow/tfjs-node/package.json': { name: '@tensorflow/tfjs-node', version: '4.22.0', dependencies: { '@tensorflow/tfjs': '*' } },
    'node_modules/@tensorflow/tfjs-node/lib/binding.node': 'addon',
    'node_modules/seedrandom/package.json': { name: 'seedrandom', version: '3.0.5' },
    'node_modules/unused/package.json': { name: 'unused', version: '1.0.0' },
  });
  // Like tools/native-tf/install.sh: deps/ is a link to a cache outside the package; inside, a relative link.
  symlinkSync(cache, join(root, 'node_modules/@tensorflow/tfjs-node/deps'));
  symlinkSync('libnative.so', join(cache, 'lib', 'libnative.so.2'));

  it('copies the bundle, its map and wasm files, and the closure of its external packages', async () => {
    const out = join(scratch, 'stage', 'comp');
    const staged: StagedComponent = await stageComponent({ root, outDir: out, component: 'comp' });
    assert.deepEqual(
      staged.files.map((file) => file.path),
      ['dist/comp.js', 'dist/comp.js.map', 'dist/parquet_wasm_bg.wasm'],
    );
    assert.deepEqual(staged.nodeModules.static, ['@tensorflow/tfjs']);
    assert.deepEqual(staged.nodeModules.installed, ['@tensorflow/tfjs@4.22.0', '@tensorflow/tfjs-node@4.22.0']);
    assert.deepEqual(staged.native, ['@tensorflow/tfjs-node@4.22.0']);
    assert.equal(staged.nodeModules.packages, 3);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'flts-image.json'), 'utf8')), staged);

    assert.equal(existsSync(join(out, 'dist/other.js')), false);
    assert.equal(existsSync(join(out, 'dist/tfjs-backend-wasm.wasm')), false);
    assert.equal(existsSync(join(out, 'node_modules/unused')), false);
    assert.equal(existsSync(join(out, 'node_modules/seedrandom/package.json')), true);
    assert.equal(readFileSync(join(out, 'node_modules/@tensorflow/tfjs/dist/tf.node.js'), 'utf8'), 'module.exports = {};');
    for (const pruned of ['dist/tf.node.js.map', 'dist/tf.js', 'dist/tf.min.js']) {
      assert.equal(existsSync(join(out, 'node_modules/@tensorflow/tfjs', pruned)), false, pruned);
    }
    // The link out of the package became a real folder; the relative link inside it stayed a link.
    const deps = join(out, 'node_modules/@tensorflow/tfjs-node/deps');
    assert.equal(lstatSync(deps).isDirectory(), true);
    assert.equal(readFileSync(join(deps, 'lib/libnative.so'), 'utf8'), 'ELF');
    assert.equal(readlinkSync(join(deps, 'lib/libnative.so.2')), 'libnative.so');
  });

  it('fails when a statically imported package is not installed', async () => {
    lay(root, { 'dist/needy.js': 'import x from "not-installed";\n' });
    await assert.rejects(stageComponent({ root, outDir: join(scratch, 'stage', 'needy'), component: 'needy' }), /imports not-installed/);
  });

  it('with requireNative, fails when the bundle cannot load a native package', async () => {
    await assert.rejects(
      stageComponent({ root, outDir: join(scratch, 'stage', 'other'), component: 'other', requireNative: true }),
      /requires a native TensorFlow package/,
    );
  });
});
