/**
 * Writing files so that a reader never sees half of one: every write goes to a temporary name beside the target
 * and is renamed into place (atomic within one directory on POSIX). The one helper for it in the project.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FltsError, StorageError } from './errors.js';

/**
 * Writes `content` — bytes, text, or a function that fills the given temporary path — under a temporary name
 * beside `path`, then renames it to `path` (rename is atomic within one directory on POSIX), so that readers
 * never see half a file. The temporary file is removed if anything fails. Parent directories are created.
 */
export async function writeAtomically(
  path: string,
  content: string | Uint8Array | ((temp: string) => Promise<unknown>),
  uri: string = path,
): Promise<void> {
  const temp = temporaryPath(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    if (typeof content === 'function') await content(temp);
    else await writeFile(temp, content);
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    // Errors of the content itself (bad data, say) are not the storage's; they pass as they are.
    if (cause instanceof FltsError) throw cause;
    throw new StorageError(uri, `Cannot write ${uri}: ${(cause as Error).message}`, { cause });
  }
}

/** A fresh temporary name beside `path`, for a file that is renamed (or linked) to `path` once complete. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Names `temporaryPath` gives; listings skip them, as they are not objects yet. */
const TEMP_NAME = /^\..+\.\d+-[0-9a-f]{8}\.tmp$/;

/** Whether a file name is one of `writeAtomically`'s temporary names. */
export function isTemporaryName(name: string): boolean {
  return TEMP_NAME.test(name);
}
