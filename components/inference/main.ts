/** Entrypoint of the inference component: `node dist/inference.js --executor-input <json>`. */
import { writeFile } from 'node:fs/promises';
import { main } from '../../shared/kfp/run.js';
import { inferenceSpec } from './spec.js';

// Plumbing only: the numerics arrive with their own issues. Every declared output is written so that the
// executor contract can be exercised end to end.
main(inferenceSpec, async (executor) => {
  for (const name of Object.keys(inferenceSpec.outputs.artifacts) as (keyof typeof inferenceSpec.outputs.artifacts)[]) {
    await writeFile(executor.outputArtifact(name).path, '{}\n');
    executor.setMetadata(name, { status: 'plumbing-only' });
  }
  for (const name of Object.keys(inferenceSpec.outputs.parameters) as (keyof typeof inferenceSpec.outputs.parameters & string)[]) {
    executor.setOutput(name, '' as never);
  }
});
