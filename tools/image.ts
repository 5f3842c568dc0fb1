/** The default image coordinates of the committed component YAMLs: ghcr.io/flts-ts/flts-<name>:<package version>. */
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const defaultImage = { registry: 'ghcr.io/flts-ts', tag: version };
