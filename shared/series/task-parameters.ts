/**
 * The forecasting task as component parameters: the input window and the horizon every trainer is scored on
 * (evaluation.ts's EvaluationTask). Declared once and spread into each trainer's spec.
 */
import type { InputParameterSpec } from '../kfp/spec.js';

/** The forecasting task: every trainer is scored on the same (origin, horizon step) targets of the held-out split. */
export const taskParameters = {
  input_length: {
    type: 'NUMBER_INTEGER',
    description:
      'Input window: how many past time steps a forecast may look at. Also decides which held-out origins are scored (those with a full window of real history), so give every trainer the same value.',
    default: 30,
    min: 1,
    max: 10_000,
  },
  horizon: {
    type: 'NUMBER_INTEGER',
    description: 'Forecast horizon in time steps: each origin is forecast 1..horizon steps ahead (direct multi-step).',
    default: 6,
    min: 1,
    max: 10_000,
  },
} as const satisfies Record<string, InputParameterSpec>;
