/** The train-gru component's interface (shared with train-lstm through `recurrentTrainerSpec`). */
import { recurrentTrainerSpec } from '../recurrent-spec.js';

export const trainGruSpec = recurrentTrainerSpec('gru');
