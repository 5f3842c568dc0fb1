/**
 * `tsx tools/images/stage.ts --out <dir> [--require-native] [name…]`: run inside the image build after
 * `npm run build`; lays out `<dir>/<name>/` = the future /app of each component's image (dist files it needs,
 * native node_modules for the TensorFlow components when installed, flts-image.json), and prints a summary.
 * Every Dockerfile runs the same command for all six components, so the build stage is one cached layer
 * shared by all images; each runtime stage then copies only its own folder.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { componentSpecs } from '../../components/specs.js';
import { stageComponent } from './runtime-files.js';

const { values, positionals } = parseArgs({
  options: {
    out: { type: 'string' },
    root: { type: 'string', default: '.' },
    'require-native': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
if (!values.out) {
  process.stderr.write('usage: tsx tools/images/stage.ts --out <dir> [--root <project>] [--require-native] [component…]\n');
  process.exit(2);
}
const known = componentSpecs.map((spec) => spec.name as string);
const unknown = positionals.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`stage: unknown component(s) ${unknown.join(', ')}; expected ${known.join(', ')}\n`);
  process.exit(2);
}

const root = resolve(values.root);
const out = resolve(values.out);
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
for (const component of positionals.length > 0 ? positionals : known) {
  const staged = await stageComponent({ root, outDir: resolve(out, component), component, requireNative: values['require-native'] });
  const distBytes = staged.files.reduce((sum, file) => sum + file.bytes, 0);
  const { nodeModules, native } = staged;
  const modulesText =
    nodeModules.installed.length === 0
      ? 'no node_modules'
      : `node_modules for ${nodeModules.installed.join(', ')} (${nodeModules.packages} packages, ${mib(nodeModules.bytes)})`;
  const nativeAbsent = nodeModules.absent.filter((name) => name.startsWith('@tensorflow/tfjs-node'));
  const nativeText = native.length > 0 ? `native: ${native.join(', ')}` : nativeAbsent.length > 0 ? `native: none installed (WASM/cpu backends)` : '';
  const otherAbsent = nodeModules.absent.filter((name) => !nativeAbsent.includes(name));
  console.log(
    [`stage ${component}: ${staged.files.map((file) => file.path).join(' ')} (${mib(distBytes)})`, modulesText, nativeText,
      otherAbsent.length > 0 ? `WARNING: not installed, assumed optional: ${otherAbsent.join(', ')}` : '']
      .filter(Boolean)
      .join('; '),
  );
}
