/**
 * Helper for round-trip.test.ts (not a test): in a process that never fitted the model, loads the model directory
 * given first through the registry, reads the frame (a dataset Parquet) given second, and prints as JSON what
 * `forecasts` computes: the direct forecasts at every scorable origin, the forecast `steps` past the end (third
 * argument), and the model's interval where it has one.
 */
import { loadModel } from '../../shared/models/registry.js';
import { readDataset } from '../../shared/table/dataset.js';
import { forecasts } from './round-trip-forecasts.js';

const [directory, framePath, steps] = process.argv.slice(2);
const model = await loadModel(directory!, undefined);
const { frame } = await readDataset(framePath!, 'frame');
process.stdout.write(JSON.stringify(await forecasts(model, frame, Number(steps))));
model.dispose();
