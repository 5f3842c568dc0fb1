/**
 * Entrypoint of the inference component: `node dist/inference.js --executor-input <json>` runs the KFP step;
 * `node dist/inference.js serve [flags]` runs the HTTP predictor (serve/run.ts; `serve --help` lists the flags).
 */
import { main } from '../../shared/kfp/run.js';
import { runInference } from './inference.js';
import { inferenceSpec } from './spec.js';

if (process.argv[2] === 'serve') {
  const { serve } = await import('./serve/run.js');
  process.exitCode = await serve(process.argv.slice(3));
} else {
  main(inferenceSpec, runInference);
}
