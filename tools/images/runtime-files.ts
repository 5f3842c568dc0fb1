/**
 * Decides what goes into a component's image besides Node.js: its bundle `dist/<name>.js` (and source map), the
 * `.wasm` files from dist/ that the bundle loads, the compiled cell loops' addons, and the packages the bundle leaves external (tools/build.ts
 * keeps `@tensorflow/*` out of the bundles) with every package they need at run time — their dependency closure
 * in node_modules, as npm laid it out — including the optional native `@tensorflow/tfjs-node(-gpu)` when installed.
 * Used by `tools/images/stage.ts` inside the image build.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { copyFile, cp, lstat, mkdir, readdir, readlink, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Optional native packages: loaded by computed specifier when present, absent on many machines. */
export const nativePackages = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] as const;

/**
 * The `.wasm` files (by base name) that a bundle loads from its own directory. The loaders bundled into the
 * components name their binaries literally (`parquet_wasm_bg.wasm`; tfjs's `tfjs-backend-wasm.wasm`, `-simd`,
 * `-threaded-simd` when @tensorflow/tfjs-backend-wasm is bundled), so a bundle needs the files whose names
 * occur in its text. (An external tfjs-backend-wasm finds its binaries in its own node_modules folder.)
 */
export function wasmFilesFor(bundleText: string, available: readonly string[]): string[] {
  return available.filter((file) => bundleText.includes(file)).sort();
}

/**
 * The native files a bundle runs from its own directory, where the bundle knows their names: the compiled cell
 * loops' addons (`flts-cells-<isa>.node`, native/cells/; all of them, the bundle picks one for the CPU it runs on)
 * when it holds the recurrent layers, and the native Parquet writer (`flts-parquet`, native/parquet/) when it writes
 * Parquet.
 */
export function addonFilesFor(bundleText: string, available: readonly string[]): string[] {
  const cells = bundleText.includes('flts-cells-') ? available.filter((file) => /^flts-cells-.+\.node$/.test(file)) : [];
  const parquet = bundleText.includes('flts-parquet') ? available.filter((file) => file === 'flts-parquet') : []; // NATIVE_WRITER
  return [...cells, ...parquet].sort();
}

/** The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), or undefined for relative, URL and builtin ones. */
export function packageOf(specifier: string): string | undefined {
  if (/^(\.|\/|[a-z]+:)/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (builtinModules.includes(name) || builtinModules.includes(specifier)) return undefined;
  return name;
}

/**
 * Packages a bundle loads from node_modules at run time. `static`: its top-level import/export statements
 * (esbuild prints them at column 0), which must resolve or the bundle cannot start. `dynamic`: `import("x")`,
 * esbuild's `__require("x")`, and the native packages named in any string (they are imported by computed
 * specifier); these may be absent when optional, or be false positives from text inside the bundle.
 */
export function externalPackages(bundleText: string): { static: string[]; dynamic: string[] } {
  const collect = (pattern: RegExp): Set<string> => {
    const found = new Set<string>();
    for (const match of bundleText.matchAll(pattern)) {
      const name = packageOf(match[1]!);
      if (name) found.add(name);
    }
    return found;
  };
  const staticNames = collect(/^(?:import\s*|(?:import|export)\b[^;'"]*?\bfrom\s*)["']([^"'\n]+)["']/gm);
  const dynamicNames = collect(/(?:\bimport|\b__require)\(\s*["']([^"'\n]+)["']\s*\)/g);
  for (const name of nativePackages) {
    if (bundleText.includes(`"${name}"`) || bundleText.includes(`'${name}'`)) dynamicNames.add(name);
  }
  for (const name of staticNames) dynamicNames.delete(name);
  return { static: [...staticNames].sort(), dynamic: [...dynamicNames].sort() };
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

interface PackageManifest {
  name: string;
  version: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string): PackageManifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;

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
    const manifest = readManifest(dir);
    seen.set(dir, { dir: relative(root, dir), name: manifest.name, version: manifest.version });
    const optionalNames = new Set(Object.keys(manifest.optionalDependencies ?? {}));
    const required = Object.keys(manifest.dependencies ?? {}).filter((dep) => !optionalNames.has(dep));
    const optional = [...optionalNames, ...Object.keys(manifest.peerDependencies ?? {})];
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
  return { packages: [...seen.values()].sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0)), absent };
}

/**
 * Whether a file of an installed package can be left out of an image: source maps and type declarations
 * anywhere; in TensorFlow.js packages also the browser-only bundles at the top of dist/ (minified, ES2017,
 * flat-ESM, bundle reports, Closure externs, the mini-program build, and the UMD `X.js` beside a `X.node.js`),
 * since Node.js loads `dist/X.node.js` (the package's main) and the ESM tree under dist/. Never the main file.
 */
export function isPrunable(packageName: string, relPath: string, packageDir: string, main?: string): boolean {
  if (/\.(map|d\.ts|d\.mts|d\.cts)$/.test(relPath)) return true;
  if (!packageName.startsWith('@tensorflow/')) return false;
  const parts = relPath.split('/');
  if (parts[0] !== 'dist' || (main && relPath === main.replace(/^\.\//, ''))) return false;
  if (parts[1] === 'miniprogram') return true;
  if (parts.length !== 2) return false;
  const file = parts[1]!;
  if (/\.(es2017|fesm)(\.min)?\.js$|\.min\.js$|\.html$|_lib\.externs\.js$/.test(file)) return true;
  return file.endsWith('.js') && !file.endsWith('.node.js') && existsSync(join(packageDir, 'dist', file.replace(/\.js$/, '.node.js')));
}

/** What stageComponent put into an image folder; written there as flts-image.json. */
export interface StagedComponent {
  component: string;
  files: { path: string; bytes: number }[];
  nodeModules: {
    /** Packages the bundle imports from node_modules: static imports must exist, dynamic ones may be absent. */
    static: string[];
    dynamic: string[];
    /** name@version of the installed packages among those. */
    installed: string[];
    absent: string[];
    /** Size of the copied closure. */
    packages: number;
    bytes: number;
  };
  /** name@version of the native TensorFlow packages in the image (empty: the WASM/cpu backends only). */
  native: string[];
}

export interface StageOptions {
  /** Project root: holds dist/ and node_modules/. */
  root: string;
  /** The image's /app, i.e. where dist/ and node_modules/ of this component go. */
  outDir: string;
  component: string;
  /** Fail unless a native TensorFlow package is installed and the bundle can load one (GPU images). */
  requireNative?: boolean;
}

/** Copies one component's run-time files from `root` to `outDir` and returns (and writes) their manifest. */
export async function stageComponent({ root, outDir, component, requireNative = false }: StageOptions): Promise<StagedComponent> {
  const distDir = join(root, 'dist');
  const bundle = join(distDir, `${component}.js`);
  if (!existsSync(bundle)) throw new Error(`${relative(root, bundle)} is missing: run \`npm run build\` first`);
  const bundleText = readFileSync(bundle, 'utf8');
  const wasm = wasmFilesFor(bundleText, readdirSync(distDir).filter((file) => file.endsWith('.wasm')));
  const addons = addonFilesFor(bundleText, readdirSync(distDir));
  const distFiles = [`${component}.js`, ...(existsSync(`${bundle}.map`) ? [`${component}.js.map`] : []), ...wasm, ...addons];

  await mkdir(join(outDir, 'dist'), { recursive: true });
  const files: StagedComponent['files'] = [];
  for (const file of distFiles) {
    await cp(join(distDir, file), join(outDir, 'dist', file), { preserveTimestamps: true });
    files.push({ path: `dist/${file}`, bytes: statSync(join(distDir, file)).size });
  }

  const externals = externalPackages(bundleText);
  const roots = [...externals.static, ...externals.dynamic];
  const { packages, absent } = packageClosure(root, roots);
  const missingStatic = externals.static.filter((name) => absent.includes(name));
  if (missingStatic.length > 0) {
    throw new Error(`${component}: dist/${component}.js imports ${missingStatic.join(', ')}, not installed under ${root}/node_modules`);
  }
  const versionOf = (name: string): string => packages.find((pkg) => pkg.dir === join('node_modules', name))?.version ?? '?';
  const installed = roots.filter((name) => !absent.includes(name)).map((name) => `${name}@${versionOf(name)}`);
  const native = installed.filter((spec) => nativePackages.some((name) => spec.startsWith(`${name}@`)));
  if (requireNative && native.length === 0) {
    throw new Error(`${component}: the image requires a native TensorFlow package, but ${nativePackages.join(' and ')} ${
      externals.dynamic.some((name) => (nativePackages as readonly string[]).includes(name)) ? 'are not installed' : 'are not used by the bundle'
    }`);
  }
  let bytes = 0;
  for (const pkg of packages) bytes += await copyPackage(join(root, pkg.dir), join(outDir, pkg.dir));

  const staged: StagedComponent = {
    component,
    files,
    nodeModules: { static: externals.static, dynamic: externals.dynamic, installed, absent, packages: packages.length, bytes },
    native,
  };
  await writeFile(join(outDir, 'flts-image.json'), `${JSON.stringify(staged, null, 2)}\n`);
  return staged;
}

/**
 * Copies one package folder without its nested node_modules (copied on their own when needed) and prunable
 * files. Symbolic links inside the package stay links; a link that leads out of it (e.g. a `deps` folder linked
 * to a cache on the build machine) is replaced by a copy of what it points to, so that the image is complete.
 */
async function copyPackage(from: string, to: string): Promise<number> {
  const manifest = readManifest(from);
  const copy = async (src: string, dest: string, rel: string, inside: string): Promise<number> => {
    const stats = await lstat(src);
    if (stats.isSymbolicLink()) {
      const target = await readlink(src);
      const real = await realpath(src).catch(() => undefined);
      if (real === undefined) return 0; // dangling: Node.js could not load it either
      if (!isAbsolute(target) && isInside(inside, resolve(dirname(src), target))) {
        await symlink(target, dest);
        return 0;
      }
      return (await stat(real)).isDirectory() ? copy(real, dest, rel, real) : copy(real, dest, rel, dirname(real));
    }
    if (stats.isDirectory()) {
      if (rel.split('/').includes('node_modules')) return 0;
      await mkdir(dest, { recursive: true });
      let bytes = 0;
      for (const entry of await readdir(src)) {
        bytes += await copy(join(src, entry), join(dest, entry), rel ? `${rel}/${entry}` : entry, inside);
      }
      return bytes;
    }
    if (!stats.isFile() || isPrunable(manifest.name, rel, from, manifest.main)) return 0;
    await copyFile(src, dest);
    return stats.size;
  };
  return copy(from, to, '', from);
}

const isInside = (dir: string, path: string): boolean => path === dir || path.startsWith(dir + sep);
