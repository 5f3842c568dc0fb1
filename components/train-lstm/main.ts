/** Entrypoint of the train-lstm component: `node dist/train-lstm.js --executor-input <json>`. */
import { MODEL_ADAPTERS } from '../../shared/models/registry.js';
import { runTrainerComponent } from '../trainer/run.js';

runTrainerComponent(MODEL_ADAPTERS.lstm);
