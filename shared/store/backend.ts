/**
 * The contract each kind of storage (local file system, S3/MinIO) implements for the object store; the
 * facade in store.ts picks one per URI.
 */
import type { Readable } from 'node:stream';
import type { Location } from './location.js';

/** One object found under a listed prefix. */
export interface ListedObject {
  /** Full URI (local: absolute path) of the object. */
  uri: string;
  /** Path relative to the listed prefix, "/"-separated. */
  path: string;
  /** Size in bytes. */
  size: number;
}

export interface Backend<L extends Location> {
  /** A stream of the object's bytes; fails with StorageError when it does not exist. */
  openRead(location: L): Promise<Readable>;
  /** Writes a stream under the location; nothing is visible under the final name unless all of it arrived. */
  writeStream(location: L, body: Readable, size?: number): Promise<void>;
  /** Copies a local file to the location atomically; returns the number of bytes. Safe to call again after a failure. */
  uploadFile(localPath: string, location: L): Promise<number>;
  /** Copies the object to a local file atomically. Safe to call again after a failure. */
  downloadFile(location: L, localPath: string): Promise<void>;
  exists(location: L): Promise<boolean>;
  /** Every object below the location taken as a directory (recursive); empty when there is none. */
  list(location: L): Promise<ListedObject[]>;
  /**
   * Writes `bytes` under the location only if no object is there yet, atomically with respect to other writers
   * (S3: `If-None-Match: *`; local: a hard link, which fails when the name exists). True when this call created it.
   */
  createIfAbsent(location: L, bytes: Buffer): Promise<boolean>;
  /** Deletes the object; no error when it is already gone. */
  remove(location: L): Promise<void>;
}

/** Orders paths by UTF-16 code units, the same on every machine (unlike `localeCompare`), as S3 lists keys. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
