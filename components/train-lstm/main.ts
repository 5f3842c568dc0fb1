/** Entrypoint of the train-lstm component: `node dist/train-lstm.js --executor-input <json>`. */
import { main } from '../../shared/kfp/run.js';
import { runRecurrentTrainer } from '../recurrent-trainer.js';
import { trainLstmSpec } from './spec.js';

main(trainLstmSpec, (executor) => runRecurrentTrainer(executor, 'lstm'));
