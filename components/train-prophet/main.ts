/** Entrypoint of the train-prophet component: `node dist/train-prophet.js --executor-input <json>`. */
import { MODEL_ADAPTERS } from '../../shared/models/registry.js';
import { runTrainerComponent } from '../trainer/run.js';

runTrainerComponent(MODEL_ADAPTERS.prophet);
