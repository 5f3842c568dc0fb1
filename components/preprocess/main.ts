/** Entrypoint of the preprocess component: `node dist/preprocess.js --executor-input <json>`. */
import { writeFile } from 'node:fs/promises';
import { main } from '../../shared/kfp/run.js';
import { preprocessSpec } from './spec.js';

// Plumbing only: the numerics arrive with their own issues. Every declared output is written so that the
// executor contract can be exercised end to end.
main(preprocessSpec, async (executor) => {
  for (const name of Object.keys(preprocessSpec.outputs.artifacts) as (keyof typeof preprocessSpec.outputs.artifacts)[]) {
    await writeFile(executor.outputArtifact(name).path, '{}\n');
    executor.setMetadata(name, { status: 'plumbing-only' });
  }
  for (const name of Object.keys(preprocessSpec.outputs.parameters) as (keyof typeof preprocessSpec.outputs.parameters & string)[]) {
    executor.setOutput(name, '' as never);
  }
});
