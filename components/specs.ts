/** Every component's spec, in pipeline order: the list `npm run specs` and the build iterate over. */
import { evalSpec } from './eval/spec.js';
import { inferenceSpec } from './inference/spec.js';
import { preprocessSpec } from './preprocess/spec.js';
import { trainGruSpec } from './train-gru/spec.js';
import { trainLstmSpec } from './train-lstm/spec.js';
import { trainProphetSpec } from './train-prophet/spec.js';

export const componentSpecs = [preprocessSpec, trainGruSpec, trainLstmSpec, trainProphetSpec, evalSpec, inferenceSpec] as const;
