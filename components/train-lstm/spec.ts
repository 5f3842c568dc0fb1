/** The train-lstm component's interface (shared with train-gru through `recurrentTrainerSpec`). */
import { recurrentTrainerSpec } from '../recurrent-spec.js';

export const trainLstmSpec = recurrentTrainerSpec('lstm');
