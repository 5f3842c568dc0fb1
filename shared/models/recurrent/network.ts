/**
 * The recurrent forecaster's network: stacked GRU or LSTM layers (each but the last returning its sequence) and
 * a dense head with one output per horizon step, held as a standard tfjs-layers model (what is saved and
 * loaded) together with direct handles on its weight variables (what the training step and fast forward use).
 */
import * as tf from '@tensorflow/tfjs';
import { ModelStateError } from '../../errors.js';
import { gateCount } from './cell-math.js';
import type { CellType } from './hyperparameters.js';
import { denseValues, recurrentLayerValues } from './initial-weights.js';
import { createRandom } from './random.js';

/** The weight variables of one recurrent layer, in tfjs-layers' layout. */
export interface RecurrentLayerWeights {
  /** (inputSize, gates · units). */
  kernel: tf.Variable;
  /** (units, gates · units). */
  recurrentKernel: tf.Variable;
  /** (gates · units). */
  bias: tf.Variable;
}

/** Sizes that define the network. */
export interface NetworkShape {
  cell: CellType;
  /** Time steps per input window (L). */
  inputLength: number;
  /** Features per time step (F). */
  featureCount: number;
  hiddenSize: number;
  numLayers: number;
  /** Outputs: one per horizon step (H). */
  horizon: number;
}

export interface RecurrentNetwork {
  shape: NetworkShape;
  /** Input (batch, L, F) → output (batch, H); plain GRU/LSTM/Dense layers, loadable by any tfjs. */
  model: tf.LayersModel;
  layers: RecurrentLayerWeights[];
  head: { kernel: tf.Variable; bias: tf.Variable };
  /** Every trainable variable, for the optimizer. */
  variables: tf.Variable[];
}

/** Builds the network with seeded initial weights (see initial-weights.ts). */
export function buildNetwork(shape: NetworkShape, seed: number): RecurrentNetwork {
  const model = buildLayersModel(shape);
  const network = networkFromModel(model);
  assignInitialWeights(network, seed);
  return network;
}

/** The network view of a tfjs-layers model with our architecture; ModelStateError for any other model. */
export function networkFromModel(model: tf.LayersModel): RecurrentNetwork {
  const recurrent = model.layers.filter((layer) => layer.getClassName() === 'GRU' || layer.getClassName() === 'LSTM');
  const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense');
  const others = model.layers.filter((layer) => !recurrent.includes(layer) && !dense.includes(layer) && layer.getClassName() !== 'InputLayer');
  const firstClass = recurrent[0]?.getClassName();
  if (recurrent.length === 0 || dense.length !== 1 || others.length > 0 || recurrent.some((layer) => layer.getClassName() !== firstClass)) {
    throw new ModelStateError(
      `Not a recurrent forecaster: expected stacked GRU or LSTM layers and one Dense head; got ${model.layers.map((layer) => layer.getClassName()).join(', ')}.`,
    );
  }
  for (const layer of recurrent) checkActivations(layer);
  const [, inputLength, featureCount] = model.inputs[0]!.shape;
  const head = dense[0]!;
  const layers = recurrent.map((layer) => ({
    kernel: weight(layer, 'kernel'),
    recurrentKernel: weight(layer, 'recurrent_kernel'),
    bias: weight(layer, 'bias'),
  }));
  const headWeights = { kernel: weight(head, 'kernel'), bias: weight(head, 'bias') };
  return {
    shape: {
      cell: firstClass === 'GRU' ? 'gru' : 'lstm',
      inputLength: inputLength!,
      featureCount: featureCount!,
      hiddenSize: layers[0]!.recurrentKernel.shape[0]!,
      numLayers: layers.length,
      horizon: headWeights.kernel.shape[1]!,
    },
    model,
    layers,
    head: headWeights,
    variables: [...layers.flatMap((layer) => [layer.kernel, layer.recurrentKernel, layer.bias]), headWeights.kernel, headWeights.bias],
  };
}

/** Trainable parameters. */
export function parameterCount(network: RecurrentNetwork): number {
  return network.variables.reduce((sum, variable) => sum + variable.size, 0);
}

function buildLayersModel(shape: NetworkShape): tf.LayersModel {
  const input = tf.input({ shape: [shape.inputLength, shape.featureCount], name: 'window' });
  let x: tf.SymbolicTensor = input;
  for (let i = 0; i < shape.numLayers; i++) {
    const config = {
      units: shape.hiddenSize,
      returnSequences: i < shape.numLayers - 1,
      activation: 'tanh',
      // tfjs-layers defaults to hard sigmoid (Keras 1); PyTorch, Keras 2+ and upstream use the logistic sigmoid.
      recurrentActivation: 'sigmoid',
      kernelInitializer: 'glorotUniform',
      recurrentInitializer: 'orthogonal',
      biasInitializer: 'zeros',
      name: `${shape.cell}_${i + 1}`,
    } as const;
    const layer = shape.cell === 'gru' ? tf.layers.gru(config) : tf.layers.lstm({ ...config, unitForgetBias: true });
    // The initializers named above are recorded in model.json; their values are computed in initial-weights.ts,
    // so tfjs need not run them (its Orthogonal is a QR in tensor ops).
    layer.setFastWeightInitDuringBuild(true);
    x = layer.apply(x) as tf.SymbolicTensor;
  }
  const head = tf.layers.dense({ units: shape.horizon, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros', name: 'head' });
  head.setFastWeightInitDuringBuild(true);
  const output = head.apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `${shape.cell}_forecaster` });
}

function assignInitialWeights(network: RecurrentNetwork, seed: number): void {
  const random = createRandom(seed);
  const { cell, featureCount, hiddenSize, horizon } = network.shape;
  const width = gateCount(cell) * hiddenSize;
  network.layers.forEach((layer, i) => {
    const values = recurrentLayerValues(cell, i === 0 ? featureCount : hiddenSize, hiddenSize, random);
    assign(layer.kernel, values.kernel, [i === 0 ? featureCount : hiddenSize, width]);
    assign(layer.recurrentKernel, values.recurrentKernel, [hiddenSize, width]);
    assign(layer.bias, values.bias, [width]);
  });
  const head = denseValues(hiddenSize, horizon, random);
  assign(network.head.kernel, head.kernel, [hiddenSize, horizon]);
  assign(network.head.bias, head.bias, [horizon]);
}

function assign(variable: tf.Variable, values: Float32Array, shape: number[]): void {
  tf.tidy(() => variable.assign(tf.tensor(values, shape)));
}

/** The variable behind a layer's weight `name` (kernel, recurrent_kernel, bias). */
function weight(layer: tf.layers.Layer, name: string): tf.Variable {
  const found = layer.trainableWeights.find((w) => w.originalName.endsWith(`/${name}`));
  if (!found) throw new ModelStateError(`Layer "${layer.name}" has no weight "${name}".`);
  return found.read() as tf.Variable;
}

function checkActivations(layer: tf.layers.Layer): void {
  const config = layer.getConfig() as { activation?: string; recurrentActivation?: string; useBias?: boolean };
  if (config.activation !== 'tanh' || config.recurrentActivation !== 'sigmoid' || config.useBias === false) {
    throw new ModelStateError(
      `Layer "${layer.name}" uses activation ${config.activation}, recurrent activation ${config.recurrentActivation}${config.useBias === false ? ', no bias' : ''}; this forecaster supports tanh, sigmoid and a bias.`,
    );
  }
}
