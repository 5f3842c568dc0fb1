/**
 * Helper for model-directory.test.ts (not a test): loads the model directory given as the first argument in a
 * process that never trained it, forecasts the fixture's held-out frame at the origins given next, and prints
 * the forecasts as JSON.
 */
import { forecast, loadRecurrentModel } from '../../../shared/models/recurrent/index.js';
import { chooseBackend } from '../../../shared/tf/backend.js';
import { cycle } from './fixtures.js';

const [directory, ...origins] = process.argv.slice(2);
await chooseBackend();
const model = await loadRecurrentModel(directory!);
process.stdout.write(JSON.stringify(Array.from(await forecast(model, cycle.test, origins.map(Number)))));
