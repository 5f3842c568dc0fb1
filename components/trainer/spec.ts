/** A trainer component's interface, generated from its model adapter: the shared inputs and outputs, the task, the model's own parameter table, lineage and tracking. */
import { lineageParameters, trackingParameters } from '../../shared/kfp/common-parameters.js';
import { defineComponent, type InputParameterSpec } from '../../shared/kfp/spec.js';
import type { ModelAdapter } from '../../shared/models/adapter.js';
import { taskParameters } from '../../shared/series/task-parameters.js';
import { trainerArtifacts } from './artifacts.js';

export function trainerSpec<const K extends string, const T extends Record<string, InputParameterSpec>>(adapter: Pick<ModelAdapter<K, T>, 'kind' | 'description' | 'parameters'>) {
  return defineComponent({
    name: `train-${adapter.kind}` as `train-${K}`,
    description: adapter.description,
    inputs: {
      artifacts: trainerArtifacts.inputs,
      parameters: {
        ...taskParameters,
        ...adapter.parameters,
        ...lineageParameters,
        ...trackingParameters(`flts-${adapter.kind}` as `flts-${K}`),
      },
    },
    outputs: trainerArtifacts.outputs,
  });
}

export type TrainerSpec = ReturnType<typeof trainerSpec>;
