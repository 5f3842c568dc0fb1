/** Entrypoint of the preprocess component: `node dist/preprocess.js --executor-input <json>`. */
import { main } from '../../shared/kfp/run.js';
import { runPreprocess } from './preprocess.js';
import { preprocessSpec } from './spec.js';

main(preprocessSpec, runPreprocess);
