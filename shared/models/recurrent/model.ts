/**
 * A trained recurrent forecaster as it is passed around, saved and loaded: the network plus the preprocessing
 * manifest that says which scaled features, in which order, it reads and what it forecasts.
 */
import { ModelStateError } from '../../errors.js';
import type { PreprocessingManifest } from '../../series/manifest.js';
import type { RecurrentNetwork } from './network.js';

export interface RecurrentModel {
  network: RecurrentNetwork;
  manifest: PreprocessingManifest;
}

/** ModelStateError when the network's input or output shape disagrees with the manifest. */
export function checkNetworkMatchesManifest(network: RecurrentNetwork, manifest: PreprocessingManifest, where: string): void {
  const { inputLength, featureCount, horizon } = network.shape;
  if (inputLength !== manifest.inputLength || featureCount !== manifest.features.length || horizon !== manifest.horizon) {
    throw new ModelStateError(
      `${where}: the network reads ${inputLength} steps × ${featureCount} features and forecasts ${horizon} steps, but its manifest says ` +
        `input_length ${manifest.inputLength}, ${manifest.features.length} features (${manifest.features.join(', ')}), horizon ${manifest.horizon}.`,
    );
  }
}

/** Frees the model's weight tensors; the model cannot be used afterwards. */
export function disposeRecurrentModel(model: RecurrentModel): void {
  model.network.model.dispose();
}
