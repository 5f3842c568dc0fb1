/**
 * Entrypoint of the eval component: a KFP step (`node dist/eval.js --executor-input <json>`) or a Kafka service.
 * The same bundle hosts the multi-site pipeline's fan-in, `node dist/eval.js site-summary --executor-input <json>`.
 */
import { main } from '../../shared/kfp/run.js';
import { runSiteSummary } from '../site-summary/summary.js';
import { siteSummarySpec } from '../site-summary/spec.js';
import { frontDoor } from '../front-door.js';
import { runEval } from './evaluate.js';
import { evalSpec } from './spec.js';

if (process.argv[2] === siteSummarySpec.host.subcommand) main(siteSummarySpec, runSiteSummary);
else frontDoor('eval', { kfp: () => main(evalSpec, runEval), kafka: async () => (await import('./events.js')).runEvalEvents() });
