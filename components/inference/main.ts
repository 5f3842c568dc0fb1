/** Entrypoint of the inference component: `node dist/inference.js --executor-input <json>`. */
import { main } from '../../shared/kfp/run.js';
import { runInference } from './inference.js';
import { inferenceSpec } from './spec.js';

main(inferenceSpec, runInference);
