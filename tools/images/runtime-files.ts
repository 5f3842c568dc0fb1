/**
 * Decides what goes into a component's image besides Node.js: its bundle `dist/<name>.js` (and source map), the
 * `.wasm` files that bundle loads, and, for the components that can use the native TensorFlow backend, the
 * installed `@tensorflow/tfjs-node(-gpu)` packages with every package they need at run time (their dependency
 * closure in node_modules, as npm laid it out). Used by `tools/images/stage.ts` inside the image build.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

/** Native packages the bundles keep external (tools/build.ts) and resolve from /app/node_modules when present. */
export const nativePackages = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] as const;

/** Components whose images carry the native TensorFlow packages (when installed): the trainers on tfjs and inference. */
export const nativeComponents: ReadonlySet<string> = new Set(['train-gru', 'train-lstm', 'inference']);

/** Files left out when node_modules packages are copied: not needed at run time. */
const prunedSuffixes = ['.map', '.d.ts', '.d.mts', '.d.cts'];

/**
 * The `.wasm` files (by base name) that a bundle loads. Both loaders the project bundles name their binaries
 * literally (`parquet_wasm_bg.wasm`; `tfjs-backend-wasm.wasm`, `-simd`, `-threaded-simd`), so a bundle needs
 * exactly the files whose names occur in its text.
 */
export function wasmFilesFor(bundleText: string, available: readonly string[]): string[] {
  return available.filter((file) => bundleText.includes(file)).sort();
}

/** Whether a bundle imports one of the native packages (it stays external, so the specifier is in the text). */
export function referencesNative(bundleText: string): boolean {
  return nativePackages.some((name) => bundleText.includes(`"${name}"`) || bundleText.includes(`'${name}'`));
}

/** One installed package of a closure: its folder relative to the project root, name and version. */
export interface InstalledPackage {
  dir: string;
  name: string;
  version: string;
}

/**
 * The folder Node.js would load package `name` from when required by code in `fromDir` (the nearest
 * `node_modules/<name>` walking up, never above `root`), or undefined when it is not installed.
 */
export function resolvePackageDir(root: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    if (dir === root || relative(root, dir).startsWith('..') || dirname(dir) === dir) return undefined;
  }
}

/**
 * Every installed package that the packages `names` (resolved from `root`) need at run time: their
 * dependencies, optional dependencies and peer dependencies, transitively. Names not installed at the top are
 * reported in `absent`; a missing required dependency further down is an error (the install is broken), a
 * missing optional or peer one is skipped, as Node.js would at run time.
 */
export function packageClosure(root: string, names: readonly string[]): { packages: InstalledPackage[]; absent: string[] } {
  const seen = new Map<string, InstalledPackage>();
  const absent: string[] = [];
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    seen.set(dir, { dir: relative(root, dir), name: manifest.name, version: manifest.version });
    const required = Object.keys(manifest.dependencies ?? {}).filter((dep) => !(dep in (manifest.optionalDependencies ?? {})));
    const optional = [...Object.keys(manifest.optionalDependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
    for (const dep of required) {
      const depDir = resolvePackageDir(root, dir, dep);
      if (!depDir) throw new Error(`${manifest.name}@${manifest.version} needs ${dep}, which is not installed under ${root}`);
      visit(depDir);
    }
    for (const dep of optional) {
      const depDir = resolvePackageDir(root, dir, dep);
      if (depDir) visit(depDir);
    }
  };
  for (const name of names) {
    const dir = resolvePackageDir(root, root, name);
    if (dir) visit(dir);
    else absent.push(name);
  }
  return { packages: [...seen.values()].sort((a, b) => a.dir.localeCompare(b.dir)), absent };
}

/** What stageComponent put into an image folder; written there as flts-image.json. */
export interface StagedComponent {
  component: string;
  files: { path: string; bytes: number }[];
  native: { wanted: boolean; installed: string[]; absent: string[]; packages: number; bytes: number };
}

export interface StageOptions {
  /** Project root: holds dist/ and node_modules/. */
  root: string;
  /** The image's /app, i.e. where dist/ and node_modules/ of this component go. */
  outDir: string;
  component: string;
  /** Fail when the component wants a native package and none is installed (GPU images). */
  requireNative?: boolean;
}

/** Copies one component's run-time files from `root` to `outDir` and returns (and writes) their manifest. */
export async function stageComponent({ root, outDir, component, requireNative = false }: StageOptions): Promise<StagedComponent> {
  const distDir = join(root, 'dist');
  const bundle = join(distDir, `${component}.js`);
  if (!existsSync(bundle)) throw new Error(`${relative(root, bundle)} is missing: run \`npm run build\` first`);
  const bundleText = readFileSync(bundle, 'utf8');
  const wasm = wasmFilesFor(bundleText, readdirSync(distDir).filter((file) => file.endsWith('.wasm')));
  const distFiles = [`${component}.js`, ...(existsSync(`${bundle}.map`) ? [`${component}.js.map`] : []), ...wasm];

  await mkdir(join(outDir, 'dist'), { recursive: true });
  const files: StagedComponent['files'] = [];
  for (const file of distFiles) {
    await cp(join(distDir, file), join(outDir, 'dist', file), { preserveTimestamps: true });
    files.push({ path: `dist/${file}`, bytes: statSync(join(distDir, file)).size });
  }

  const wanted = nativeComponents.has(component) || referencesNative(bundleText);
  const native: StagedComponent['native'] = { wanted, installed: [], absent: [], packages: 0, bytes: 0 };
  if (wanted) {
    const { packages, absent } = packageClosure(root, nativePackages);
    native.absent = absent;
    native.installed = nativePackages.filter((name) => !absent.includes(name)).map((name) => {
      const found = packages.find((pkg) => pkg.name === name && pkg.dir === join('node_modules', name));
      return `${name}@${found?.version ?? '?'}`;
    });
    if (requireNative && native.installed.length === 0) {
      throw new Error(`${component}: none of ${nativePackages.join(', ')} is installed, and this image requires one`);
    }
    for (const pkg of packages) {
      native.bytes += await copyPackage(join(root, pkg.dir), join(outDir, pkg.dir));
    }
    native.packages = packages.length;
  }
  const staged: StagedComponent = { component, files, native };
  await writeFile(join(outDir, 'flts-image.json'), `${JSON.stringify(staged, null, 2)}\n`);
  return staged;
}

/** Copies one package folder without its nested node_modules (copied on their own when needed) and pruned files. */
async function copyPackage(from: string, to: string): Promise<number> {
  let bytes = 0;
  await cp(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const rel = relative(from, src);
      if (rel.split(sep).includes('node_modules')) return false;
      if (prunedSuffixes.some((suffix) => src.endsWith(suffix))) return false;
      const stats = lstatSync(src, { throwIfNoEntry: false });
      if (stats?.isFile()) bytes += stats.size;
      return true;
    },
  });
  return bytes;
}
