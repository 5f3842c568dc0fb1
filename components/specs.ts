/** Every component's spec, in pipeline order: the lists `npm run specs`, the build and the local runner iterate over. */
import { evalSpec } from './eval/spec.js';
import { inferenceSpec } from './inference/spec.js';
import { preprocessSpec } from './preprocess/spec.js';
import { siteSummarySpec } from './site-summary/spec.js';
import { trainGruSpec } from './train-gru/spec.js';
import { trainLstmSpec } from './train-lstm/spec.js';
import { trainProphetSpec } from './train-prophet/spec.js';

/** The components with an image and a bundle of their own. */
export const componentSpecs = [preprocessSpec, trainGruSpec, trainLstmSpec, trainProphetSpec, evalSpec, inferenceSpec] as const;

/** Components that run as a subcommand in another component's image (`host`); they have a component.yaml too. */
export const hostedSpecs = [siteSummarySpec] as const;

/** Every component that has a component.yaml: the six images', then the hosted ones. */
export const allComponentSpecs = [...componentSpecs, ...hostedSpecs] as const;
