/** Entrypoint of the train-prophet component: `node dist/train-prophet.js --executor-input <json>`. */
import { main } from '../../shared/kfp/run.js';
import { runProphetTrainer } from './prophet-trainer.js';
import { trainProphetSpec } from './spec.js';

main(trainProphetSpec, runProphetTrainer);
