/**
 * The recurrent forecaster's network: stacked GRU or LSTM layers (each but the last returning its sequence) and
 * a dense head with one output per horizon step, optionally beside a linear highway (the window flattened into a
 * dense layer added to the head, as LSTNet's autoregressive component; here it is not trained but set after
 * training to blend the forecast with the linear baseline's), held as a standard tfjs-layers model
 * (what is saved and loaded) together with direct handles on its weight variables (what the training step and
 * fast forward use).
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
  /** A linear path from the flattened window (L·F) to the outputs, added to the recurrent head's. @default false */
  highway?: boolean;
}

export interface RecurrentNetwork {
  shape: NetworkShape;
  /** Input (batch, L, F) → output (batch, H); plain GRU/LSTM/Dense layers, loadable by any tfjs. */
  model: tf.LayersModel;
  layers: RecurrentLayerWeights[];
  head: { kernel: tf.Variable; bias: tf.Variable };
  /**
   * (L·F, H) and (H); row t·F + f reads feature f at window step t. Not trained (not in `variables`): zero during
   * training, then the linear baseline's share of the blend (blendWithLinear).
   */
  highway?: { kernel: tf.Variable; bias: tf.Variable };
  /** Every variable training updates, for the optimizer. */
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
  const highwayLayer = model.layers.find((layer) => layer.getClassName() === 'Dense' && layer.name === HIGHWAY);
  const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense' && layer !== highwayLayer);
  const plumbing = highwayLayer ? ['InputLayer', 'Flatten', 'Add'] : ['InputLayer'];
  const others = model.layers.filter((layer) => !recurrent.includes(layer) && !dense.includes(layer) && layer !== highwayLayer && !plumbing.includes(layer.getClassName()));
  const firstClass = recurrent[0]?.getClassName();
  if (recurrent.length === 0 || dense.length !== 1 || others.length > 0 || recurrent.some((layer) => layer.getClassName() !== firstClass)) {
    throw new ModelStateError(
      `Not a recurrent forecaster: expected stacked GRU or LSTM layers and one Dense head (and optionally a linear highway); got ${model.layers.map((layer) => layer.getClassName()).join(', ')}.`,
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
  const highway = highwayLayer && { kernel: weight(highwayLayer, 'kernel'), bias: weight(highwayLayer, 'bias') };
  return {
    shape: {
      cell: firstClass === 'GRU' ? 'gru' : 'lstm',
      inputLength: inputLength!,
      featureCount: featureCount!,
      hiddenSize: layers[0]!.recurrentKernel.shape[0]!,
      numLayers: layers.length,
      horizon: headWeights.kernel.shape[1]!,
      highway: highway !== undefined,
    },
    model,
    layers,
    head: headWeights,
    ...(highway && { highway }),
    variables: [
      ...layers.flatMap((layer) => [layer.kernel, layer.recurrentKernel, layer.bias]),
      headWeights.kernel,
      headWeights.bias,
    ],
  };
}

/** Trainable parameters. */
export function parameterCount(network: RecurrentNetwork): number {
  return network.variables.reduce((sum, variable) => sum + variable.size, 0);
}

/** The name of the highway's Dense layer, by which a loaded model's highway is told from its head. */
const HIGHWAY = 'highway';

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
  let output = head.apply(x) as tf.SymbolicTensor;
  if (shape.highway) {
    const flat = tf.layers.flatten({ name: 'window_flat' }).apply(input) as tf.SymbolicTensor;
    const highway = tf.layers.dense({ units: shape.horizon, kernelInitializer: 'zeros', biasInitializer: 'zeros', name: HIGHWAY });
    highway.setFastWeightInitDuringBuild(true);
    output = tf.layers.add({ name: 'forecast' }).apply([output, highway.apply(flat) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  }
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
  // The highway starts at zero and stays out of training; blendWithLinear sets it afterwards.
}

/** A linear map of the flattened window: kernel (L·F, H) row-major, row t·F + f reading feature f at window step t; bias (H). */
export interface WindowLinear {
  kernel: Float64Array;
  bias: Float64Array;
}

/**
 * Makes the network's forecast a per-step blend of its recurrent forecast and a linear map of the window (the
 * linear baseline): step h is share[h]·recurrent + (1 − share[h])·linear. The recurrent head is scaled by share[h];
 * the highway (zero during training) gets the linear map scaled by 1 − share[h].
 */
export function blendWithLinear(network: RecurrentNetwork, linear: WindowLinear, share: readonly number[]): void {
  if (!network.highway) throw new ModelStateError('The network has no linear highway to blend with.');
  const { inputLength, featureCount, horizon } = network.shape;
  const kernel = Float32Array.from({ length: inputLength * featureCount * horizon }, (_, i) => (1 - share[i % horizon]!) * linear.kernel[i]!);
  const bias = Float32Array.from({ length: horizon }, (_, h) => (1 - share[h]!) * linear.bias[h]!);
  assign(network.highway.kernel, kernel, [inputLength * featureCount, horizon]);
  assign(network.highway.bias, bias, [horizon]);
  const scale = tf.tensor1d(Float32Array.from(share));
  tf.tidy(() => {
    network.head.kernel.assign(tf.mul(network.head.kernel, scale.reshape([1, horizon])));
    network.head.bias.assign(tf.mul(network.head.bias, scale));
  });
  scale.dispose();
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
