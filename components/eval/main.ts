/** Entrypoint of the eval component: a KFP step (`node dist/eval.js --executor-input <json>`) or a Kafka service. */
import { main } from '../../shared/kfp/run.js';
import { frontDoor } from '../front-door.js';
import { runEval } from './evaluate.js';
import { evalSpec } from './spec.js';

frontDoor('eval', { kfp: () => main(evalSpec, runEval), kafka: async () => (await import('./events.js')).runEvalEvents() });
