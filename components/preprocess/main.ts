/** Entrypoint of the preprocess component: a KFP step (`node dist/preprocess.js --executor-input <json>`) or a Kafka service. */
import { main } from '../../shared/kfp/run.js';
import { frontDoor } from '../front-door.js';
import { runPreprocess } from './preprocess.js';
import { preprocessSpec } from './spec.js';

frontDoor('preprocess', { kfp: () => main(preprocessSpec, runPreprocess), kafka: async () => (await import('./events.js')).runPreprocessEvents() });
