/** Entrypoint of the inference component: a KFP step (`node dist/inference.js --executor-input <json>`) or a Kafka service. */
import { main } from '../../shared/kfp/run.js';
import { frontDoor } from '../front-door.js';
import { runInference } from './inference.js';
import { inferenceSpec } from './spec.js';

frontDoor('inference', { kfp: () => main(inferenceSpec, runInference), kafka: async () => (await import('./events.js')).runInferenceEvents() });
