/**
 * The names of the TensorFlow.js backends a component may ask for, without loading TensorFlow.js: the component
 * parameter table lists them (shared/models/recurrent/hyperparameters.ts), and backend.ts chooses among them.
 */

/** Backends in the order `auto` tries them. */
export const BACKENDS = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];
export type BackendRequest = 'auto' | Backend;
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', ...BACKENDS];
