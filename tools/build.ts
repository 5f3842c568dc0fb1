/**
 * `npm run build`: bundles each component into one ES module, `dist/<name>.js`, so that
 * `node dist/train-gru.js --executor-input …` runs with nothing but `dist/` and the native optional packages.
 * Native modules stay external (they are installed in the image); the WASM binaries and the compiled cell loops'
 * addons (native/cells/build/, when built) and the native Parquet writer (native/parquet/build/) are copied beside
 * the bundles.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { componentSpecs } from '../components/specs.js';

const require = createRequire(import.meta.url);
const outdir = 'dist';

/**
 * Resolved at run time from node_modules: the native TensorFlow packages (optional, installed in the image), and
 * TensorFlow.js itself, because tfjs-node registers its kernels with the one @tensorflow/tfjs-core instance in
 * node_modules; a second copy inside the bundle would never see them. Polars (preprocess's CSV fast path), whose
 * loader requires its native package (nodejs-polars-linux-x64-gnu here) by name: the image stage copies both.
 */
const external = ['@tensorflow/*', 'nodejs-polars'];

/** WASM files the bundles load from their own directory. */
const wasmFiles = [
  require.resolve('parquet-wasm/node/parquet_wasm_bg.wasm'),
  // @platformatic/kafka's helpers read it from beside the module (`../dist/native.wasm`, i.e. dist/ once bundled).
  join(dirname(require.resolve('@platformatic/wasm-utils')), 'native.wasm'),
  ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((file) =>
    join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist', file),
  ),
];

// CommonJS dependencies bundled into an ES module still call require() and read __dirname.
const banner = [
  "import { createRequire as __fltsCreateRequire } from 'node:module';",
  "import { fileURLToPath as __fltsFileURLToPath } from 'node:url';",
  "import { dirname as __fltsDirname } from 'node:path';",
  'const require = __fltsCreateRequire(import.meta.url);',
  'const __filename = __fltsFileURLToPath(import.meta.url);',
  'const __dirname = __fltsDirname(__filename);',
].join('\n');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: Object.fromEntries(componentSpecs.map((spec) => [spec.name, `components/${spec.name}/main.ts`])),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  banner: { js: banner },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of wasmFiles) await copyFile(file, join(outdir, file.split('/').pop()!));
// The compiled cell loops, where tools/native-cells/build.sh has built them; the bundles load them from dist/.
const addonDir = 'native/cells/build';
const addons = existsSync(addonDir) ? (await readdir(addonDir)).filter((file) => file.endsWith('.node')) : [];
for (const file of addons) await copyFile(join(addonDir, file), join(outdir, file));
// The native Parquet writer, where tools/native-parquet/build.sh has built it; the bundles run it from dist/.
const parquetWriter = 'native/parquet/build/flts-parquet';
if (existsSync(parquetWriter)) await copyFile(parquetWriter, join(outdir, 'flts-parquet'));
console.log(`built ${componentSpecs.length} components into ${outdir}/: ${componentSpecs.map((s) => `${s.name}.js`).join(', ')}`);
console.log(existsSync(parquetWriter) ? 'native Parquet writer: flts-parquet' : `no native Parquet writer at ${parquetWriter} (tools/native-parquet/build.sh): Parquet is written by parquet-wasm`);
console.log(addons.length > 0 ? `compiled cell loops: ${addons.join(', ')}` : `no compiled cell loops in ${addonDir} (tools/native-cells/build.sh): the recurrent layers will run on the backend`);
