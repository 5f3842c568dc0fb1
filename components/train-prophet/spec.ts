/** The train-prophet component's interface, generated from its model adapter (components/trainer/spec.ts). */
import { MODEL_ADAPTERS } from '../../shared/models/registry.js';
import { trainerSpec } from '../trainer/spec.js';

export const trainProphetSpec = trainerSpec(MODEL_ADAPTERS.prophet);
