/**
 * The object store's local file system backend: plain paths and `file://` URIs, with every write going to a
 * temporary name in the target directory first and renamed into place, so that readers never see half a file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageError } from '../errors.js';
import { isTemporaryName, temporaryPath, writeAtomically } from '../files.js';
import { compareText, type Backend, type ListedObject } from './backend.js';
import type { LocalLocation } from './location.js';

export class LocalFiles implements Backend<LocalLocation> {
  async openRead(location: LocalLocation): Promise<Readable> {
    await this.#requireFile(location);
    return createReadStream(location.path);
  }

  async writeStream(location: LocalLocation, body: Readable): Promise<void> {
    await writeAtomically(location.path, (temp) => pipeline(body, createWriteStream(temp)), location.uri);
  }

  async uploadFile(localPath: string, location: LocalLocation): Promise<number> {
    const size = (await statOrThrow(localPath, localPath)).size;
    await writeAtomically(location.path, (temp) => copyFile(localPath, temp), location.uri);
    return size;
  }

  async downloadFile(location: LocalLocation, localPath: string): Promise<void> {
    await this.#requireFile(location);
    await writeAtomically(localPath, (temp) => copyFile(location.path, temp), location.uri);
  }

  async createIfAbsent(location: LocalLocation, bytes: Buffer): Promise<boolean> {
    const temp = temporaryPath(location.path);
    try {
      await mkdir(dirname(location.path), { recursive: true });
      await writeFile(temp, bytes);
      // link(2) fails with EEXIST when the name is taken, so the complete file appears under it or nothing does.
      await link(temp, location.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new StorageError(location.uri, `Failed to create ${location.uri}: ${(error as Error).message}`, { cause: error });
    } finally {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  async exists(location: LocalLocation): Promise<boolean> {
    try {
      await stat(location.path);
      return true;
    } catch {
      return false;
    }
  }

  async list(location: LocalLocation): Promise<ListedObject[]> {
    const found: ListedObject[] = [];
    await walk(location.path, location.path, found);
    return found.sort((a, b) => compareText(a.path, b.path));
  }

  async remove(location: LocalLocation): Promise<void> {
    await rm(location.path, { force: true });
  }

  async #requireFile(location: LocalLocation): Promise<void> {
    const info = await statOrThrow(location.path, location.uri);
    if (!info.isFile()) throw new StorageError(location.uri, `${location.uri} is a directory, not a file.`);
  }
}

async function statOrThrow(path: string, uri: string) {
  try {
    return await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `No file at ${uri}.` : `Cannot read ${uri}: ${(cause as Error).message}`;
    throw new StorageError(uri, message, { cause });
  }
}

async function walk(root: string, directory: string, found: ListedObject[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw new StorageError(directory, `Cannot list ${directory}: ${(cause as Error).message}`, { cause });
  }
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await walk(root, path, found);
    else if (entry.isFile() && !isTemporaryName(entry.name)) {
      // Removed since readdir saw it (another process's housekeeping, say): no longer an object, so not listed.
      const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
        if (cause.code === 'ENOENT') return undefined;
        throw new StorageError(path, `Cannot list ${path}: ${cause.message}`, { cause });
      });
      if (info) found.push({ uri: path, path: relative(root, path).split(sep).join('/'), size: info.size });
    }
  }
}
