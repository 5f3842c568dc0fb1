/** Entrypoint of the train-gru component: `node dist/train-gru.js --executor-input <json>`. */
import { MODEL_ADAPTERS } from '../../shared/models/registry.js';
import { runTrainerComponent } from '../trainer/run.js';

runTrainerComponent(MODEL_ADAPTERS.gru);
