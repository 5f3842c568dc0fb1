/**
 * The project's real test data lives beside the repository in ../shared/data (never copied in). Tests that
 * need it skip, saying so, when it is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const sharedRoot = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Absolute path of `relative` under ../shared, or undefined when it is not there. */
export function sharedPath(relative: string): string | undefined {
  const path = `${sharedRoot}${relative}`;
  return existsSync(path) ? path : undefined;
}

/** The `skip` option for a test that needs `relative`: false when present, else a message naming the path. */
export function skipWithoutShared(relative: string): false | string {
  return sharedPath(relative) ? false : `needs ${sharedRoot}${relative} (the shared test data), which is absent`;
}
