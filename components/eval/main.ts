/** Entrypoint of the eval component: `node dist/eval.js --executor-input <json>`. */
import { writeFile } from 'node:fs/promises';
import { main } from '../../shared/kfp/run.js';
import { evalSpec } from './spec.js';

// Plumbing only: the numerics arrive with their own issues. Every declared output is written so that the
// executor contract can be exercised end to end.
main(evalSpec, async (executor) => {
  for (const name of Object.keys(evalSpec.outputs.artifacts) as (keyof typeof evalSpec.outputs.artifacts)[]) {
    await writeFile(executor.outputArtifact(name).path, '{}\n');
    executor.setMetadata(name, { status: 'plumbing-only' });
  }
  for (const name of Object.keys(evalSpec.outputs.parameters) as (keyof typeof evalSpec.outputs.parameters & string)[]) {
    executor.setOutput(name, '' as never);
  }
});
