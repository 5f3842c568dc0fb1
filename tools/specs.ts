/**
 * `npm run specs`: writes `components/<name>/component.yaml` from each TypeScript spec. The image is
 * `$IMAGE_REGISTRY/flts-<name>:$IMAGE_TAG` (defaults: ghcr.io/flts-ts and the package version), so that a user
 * can generate YAMLs pointing at their own registry. `--check` exits non-zero when a committed file is stale. It also writes the README's parameter tables.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { allComponentSpecs } from '../components/specs.js';
import { componentYaml, imageFor } from '../shared/kfp/component-yaml.js';
import { parameterDocs, withParameterDocs } from '../shared/kfp/parameter-docs.js';
import { defaultImage } from './image.js';

const check = process.argv.includes('--check');
const image = {
  registry: process.env['IMAGE_REGISTRY'] || defaultImage.registry,
  tag: process.env['IMAGE_TAG'] || defaultImage.tag,
};

let stale = 0;
for (const spec of allComponentSpecs) {
  const path = `components/${spec.name}/component.yaml`;
  const text = componentYaml(spec, image);
  if (check) {
    const current = await readFile(path, 'utf8').catch(() => '');
    if (current !== text) {
      stale++;
      console.error(`${path} is stale: run \`npm run specs\`.`);
    }
  } else {
    await writeFile(path, text);
    console.log(`wrote ${path} (${imageFor(spec, image)})`);
  }
}
const readme = await readFile('README.md', 'utf8');
const documented = withParameterDocs(readme, parameterDocs(allComponentSpecs));
if (check) {
  if (documented !== readme) {
    stale++;
    console.error('README.md parameter tables are stale: run `npm run specs`.');
  }
} else if (documented !== readme) {
  await writeFile('README.md', documented);
  console.log('wrote the parameter tables in README.md');
}
if (stale > 0) process.exitCode = 1;
