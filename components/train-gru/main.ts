/** Entrypoint of the train-gru component: `node dist/train-gru.js --executor-input <json>`. */
import { main } from '../../shared/kfp/run.js';
import { runRecurrentTrainer } from '../recurrent-trainer.js';
import { trainGruSpec } from './spec.js';

main(trainGruSpec, (executor) => runRecurrentTrainer(executor, 'gru'));
