/**
 * The local runner's task cache, with KFP's semantics: a task whose component, input parameters and input
 * artifacts are the same as those of an earlier successful run, and whose outputs still exist, is not run again;
 * its earlier outputs are reused (KFP's cached tasks, likewise, point at the artifacts of the run that made them).
 * The key covers what KFP's does (the container — image, command — and the inputs) plus, because a local run's
 * inputs are files that change in place, the digest of the bundle that runs the task and of every local file a
 * string parameter names (the data), so that rebuilt code or edited data is never served stale results.
 * Entries are JSON files, one per key.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalArtifact } from '../shared/kfp/local-input.js';
import type { JsonValue } from '../shared/kfp/spec.js';

/** What a finished task produced: enough to hand its outputs to downstream tasks again. */
export interface CachedOutputs {
  taskRoot: string;
  seconds: number;
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, LocalArtifact>;
}

export interface CacheKeyParts {
  image: string;
  command: readonly string[];
  bundleDigest: string;
  /** sha256 of each local file a parameter names, by parameter. */
  files: Record<string, string>;
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, readonly LocalArtifact[]>;
}

/** sha256 over the canonical JSON of the parts (object keys sorted). */
export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(canonical(parts as unknown as JsonValue)).digest('hex');
}

const digests = new Map<string, Promise<string>>();

/** sha256 of a file; read again only when its size or modification time changed. */
export function fileDigest(path: string): Promise<string> {
  const { size, mtimeMs } = statSync(path);
  const version = `${path}\0${size}\0${mtimeMs}`;
  let digest = digests.get(version);
  if (!digest) {
    digest = readFile(path).then((bytes) => createHash('sha256').update(bytes).digest('hex'));
    digests.set(version, digest);
  }
  return digest;
}

/** The digest of each local file that a string parameter names (a path or file: URI of an existing file). */
export async function parameterFileDigests(parameters: Record<string, JsonValue>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (typeof value !== 'string' || value === '' || (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file://'))) continue;
    const path = value.startsWith('file://') ? fileURLToPath(value) : value;
    if (existsSync(path) && statSync(path).isFile()) files[name] = await fileDigest(path);
  }
  return files;
}

export class TaskCache {
  constructor(readonly dir: string) {}

  /** The outputs recorded under `key`, when every output artifact of theirs still exists. */
  async lookup(key: string): Promise<CachedOutputs | undefined> {
    let entry: CachedOutputs;
    try {
      entry = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as CachedOutputs;
    } catch {
      return undefined;
    }
    const present = existsSync(join(entry.taskRoot, 'executor_output.json')) && Object.values(entry.artifacts).every((artifact) => existsSync(artifact.uri));
    return present ? entry : undefined;
  }

  async store(key: string, outputs: CachedOutputs): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${key}.json`);
    await writeFile(`${path}.partial`, `${JSON.stringify(outputs, null, 2)}\n`);
    await rename(`${path}.partial`, path);
  }
}

// Not shared/preprocess's canonicalJson: that one is Python's byte-exact text and refuses plain floats; a key only
// needs to be stable.
function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
