/**
 * Entrypoint of the inference component: a KFP step (`node dist/inference.js --executor-input <json>`), a Kafka
 * service (`USE_KFP=0` or `kafka`), or the HTTP predictor (`node dist/inference.js serve [flags]`; serve/run.ts,
 * `serve --help` lists the flags).
 */
import { main } from '../../shared/kfp/run.js';
import { frontDoor } from '../front-door.js';
import { runInference } from './inference.js';
import { inferenceSpec } from './spec.js';

frontDoor('inference', {
  kfp: () => main(inferenceSpec, runInference),
  kafka: async () => (await import('./events.js')).runInferenceEvents(),
  serve: async () => {
    const { serve } = await import('./serve/run.js');
    process.exitCode = await serve(process.argv.slice(3));
  },
});
