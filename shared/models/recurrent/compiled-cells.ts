/**
 * The compiled cell loops: native/cells/, the GRU/LSTM layer of cell-math.ts in C++ over Eigen's GEMM with the batch
 * split over threads, built by tools/native-cells/build.sh into a Node addon per instruction set. It is optional:
 * where it was not built (no compiler), the layers run on the backend (libtensorflow-layer.ts, cell-loop-layer.ts).
 *
 * Found, first match wins: the file `FLTS_CELLS_ADDON` names; beside the running bundle (tools/build.ts copies the
 * addons into dist/); in native/cells/build/ when running from source. On x86-64 the x86-64-v3 build (AVX2, FMA)
 * is taken when the CPU has those instructions, else the baseline one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError } from '../../errors.js';

/** A forward pass's trace, time-major (cell-math.ts's LayerTrace): x, h, gates, extra. */
export type Trace = [Float32Array, Float32Array, Float32Array, Float32Array];

/** The addon's calls (native/cells/binding.cc). */
export interface CellsAddon {
  /**
   * → [output, trace x, h, gates, extra]; `trace`: an earlier call's trace of this shape, and `output`: an array
   * to write the output into; both are written and returned when given.
   */
  forward(
    cell: 'gru' | 'lstm',
    batch: number,
    steps: number,
    inputs: number,
    units: number,
    x: Float32Array,
    kernel: Float32Array,
    recurrentKernel: Float32Array,
    bias: Float32Array,
    returnSequences: boolean,
    threads: number,
    trace?: Trace,
    output?: Float32Array,
  ): [Float32Array, ...Trace];
  /**
   * → [dx, dKernel, dRecurrentKernel, dBias], written into `gradients` when given. `inputGradient` false: dx is
   * zeros, not computed (a first layer's input is data; the product dG·Wᵀ is about a tenth of the backward pass).
   */
  backward(
    cell: 'gru' | 'lstm',
    batch: number,
    steps: number,
    inputs: number,
    units: number,
    kernel: Float32Array,
    recurrentKernel: Float32Array,
    x: Float32Array,
    h: Float32Array,
    gates: Float32Array,
    extra: Float32Array,
    dy: Float32Array,
    returnSequences: boolean,
    threads: number,
    gradients?: [Float32Array, Float32Array, Float32Array, Float32Array],
    inputGradient?: boolean,
  ): [Float32Array, Float32Array, Float32Array, Float32Array];
  /** The dense head on a last layer's state: y (batch, outputs) = h (batch, inputs) · kernel + bias, written into y. */
  dense(batch: number, inputs: number, outputs: number, h: Float32Array, kernel: Float32Array, bias: Float32Array, y: Float32Array): void;
  /** The dense head's gradients dh = dy·kernelᵀ, dKernel = hᵀ·dy, dBias = Σ dy, written into the last three. */
  denseBackward(
    batch: number,
    inputs: number,
    outputs: number,
    h: Float32Array,
    kernel: Float32Array,
    dy: Float32Array,
    dh: Float32Array,
    dKernel: Float32Array,
    dBias: Float32Array,
  ): void;
  /**
   * One Adam step with clipping by global norm, in place on `weights`, `m`, `v`; `constants` = [β₁, 1 − β₁, β₂,
   * 1 − β₂, 1 − β₁ᵗ, 1 − β₂ᵗ, ε, −learning rate, clip norm] as float32. → the norm of `grad` before clipping.
   */
  adam(weights: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, constants: Float32Array): number;
}

/** The loaded addon and where it came from, or why there is none. */
export type CompiledCells = { ok: true; addon: CellsAddon; file: string; threads: number } | { ok: false; why: string };

export const ADDON_ENV = 'FLTS_CELLS_ADDON';
export const THREADS_ENV = 'FLTS_RNN_THREADS';

let loaded: CompiledCells | undefined;

/** The addon, loaded on first use (once per process). */
export function compiledCells(): CompiledCells {
  loaded ??= load();
  return loaded;
}

/** The addon's file name for this machine: flts-cells-<arch>.node. */
export function addonFileName(arch: string = process.arch, cpuFlags: ReadonlySet<string> = readCpuFlags()): string {
  if (arch === 'x64') return X86_64_V3.every((flag) => cpuFlags.has(flag)) ? 'flts-cells-x86-64-v3.node' : 'flts-cells-x86-64.node';
  return `flts-cells-${arch}.node`;
}

/** CPU features x86-64-v3 code may use (gcc -march=x86-64-v3), as /proc/cpuinfo names them. */
const X86_64_V3 = ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'];

/** Where to look for the addon, in order. */
export function addonCandidates(env: Record<string, string | undefined> = process.env): string[] {
  const named = env[ADDON_ENV];
  if (named) return [named];
  const here = dirname(fileURLToPath(import.meta.url));
  const file = addonFileName();
  return [join(here, file), join(here, '..', '..', '..', 'native', 'cells', 'build', file)];
}

/**
 * Threads for the compiled layers: `FLTS_RNN_THREADS` when set, else the CPUs this process may use — the smaller
 * of its affinity mask and its cgroup's CPU quota (a Kubernetes CPU limit), so a pod limited to 2 CPUs on a
 * 64-core node runs 2 threads rather than 64 that the quota would throttle.
 */
export function recurrentThreads(env: Record<string, string | undefined> = process.env): number {
  const text = env[THREADS_ENV];
  if (text !== undefined && text !== '') {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > 256) {
      throw new InvalidParameterError([{ path: THREADS_ENV, message: `${THREADS_ENV} must be an integer from 1 to 256, got '${text}'.` }]);
    }
    return value;
  }
  return Math.max(1, Math.min(availableParallelism(), cgroupCpuLimit() ?? Infinity));
}

function load(): CompiledCells {
  // A bad FLTS_RNN_THREADS is the user's error to hear about (InvalidParameterError), not a reason to fall back.
  const threads = recurrentThreads();
  const candidates = addonCandidates();
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file === undefined) return { ok: false, why: `not built (tools/native-cells/build.sh); looked for ${candidates.join(', ')}` };
  try {
    const addon = createRequire(import.meta.url)(file) as Partial<CellsAddon>;
    const missing = (['forward', 'backward', 'dense', 'denseBackward', 'adam'] as const).filter((name) => typeof addon[name] !== 'function');
    if (missing.length > 0) {
      return { ok: false, why: `${file} lacks the ${missing.join(', ')} function${missing.length > 1 ? 's' : ''} (an addon from another version)` };
    }
    return { ok: true, addon: addon as CellsAddon, file, threads };
  } catch (error) {
    return { ok: false, why: `${file} failed to load: ${String((error as Error).message ?? error).split('\n')[0]}` };
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readCpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set(line?.split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/**
 * CPUs the process's CPU quota allows (rounded up), or undefined without one: the smallest quota of its own cgroup
 * and every cgroup above it (from /proc/self/cgroup; v2 `cpu.max`, v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`). In
 * a container with its own cgroup namespace that is /sys/fs/cgroup itself.
 */
export function cgroupCpuLimit(read: (path: string) => string | undefined = readText): number | undefined {
  const ancestors = (path: string) => {
    const dirs = [];
    for (let dir = path; ; dir = dirname(dir)) {
      dirs.push(dir === '/' ? '' : dir);
      if (dir === '/' || dir === '.' || dir === '') break;
    }
    return dirs;
  };
  const quotas: number[] = [];
  const add = (quota: number, period: number) => {
    if (quota > 0 && period > 0) quotas.push(Math.ceil(quota / period));
  };
  const lines = (read('/proc/self/cgroup') ?? '').split('\n');
  const v2 = lines.find((line) => line.startsWith('0::'))?.slice(3) ?? '/';
  for (const dir of ancestors(v2)) {
    const [quota, period] = (read(`/sys/fs/cgroup${dir}/cpu.max`) ?? '').split(/\s+/);
    add(Number(quota), Number(period));
  }
  const v1 = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('cpu'));
  if (v1) {
    const mount = `/sys/fs/cgroup/${v1[1]}`;
    for (const dir of ancestors(v1[2] ?? '/')) {
      add(Number(read(`${mount}${dir}/cpu.cfs_quota_us`)), Number(read(`${mount}${dir}/cpu.cfs_period_us`)));
      // Some systems mount the v1 cpu controller as /sys/fs/cgroup/cpu only.
      add(Number(read(`/sys/fs/cgroup/cpu${dir}/cpu.cfs_quota_us`)), Number(read(`/sys/fs/cgroup/cpu${dir}/cpu.cfs_period_us`)));
    }
  }
  return quotas.length > 0 ? Math.min(...quotas) : undefined;
}
