/** Entrypoint of the eval component: `node dist/eval.js --executor-input <json>`. */
import { main } from '../../shared/kfp/run.js';
import { runEval } from './evaluate.js';
import { evalSpec } from './spec.js';

main(evalSpec, runEval);
