/**
 * Watches the validation loss epoch by epoch and decides: is this the best epoch so far (keep its weights), is it
 * time to stop (early stopping), is it time to lower the learning rate (reduce on plateau). Pure bookkeeping,
 * no tensors, so the rules can be tested with a list of numbers.
 */

export interface MonitorSettings {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** An epoch improves when valLoss < best − minDelta. */
  minDelta: number;
  /** Learning-rate multiplier on a plateau (1 = never). */
  lrDecayFactor: number;
  /** Epochs without improvement (since the last improvement or reduction) before a reduction. */
  lrDecayPatience: number;
  /** Learning rate of the first epoch. */
  learningRate: number;
}

export interface Verdict {
  /** This epoch is the new best: keep its weights. */
  improved: boolean;
  /** Stop after this epoch. */
  stop: boolean;
  /** Learning rate for the next epoch. */
  learningRate: number;
}

/**
 * Porting note: upstream's EarlyStopping counts a tie with the best loss as an improvement (`score < best + delta`
 * is false for a tie, so the else-branch caches the model); here an improvement must beat the best by more
 * than min_delta (Keras's rule), so with equal losses the earlier epoch stays the best.
 */
export class ValidationMonitor {
  /** Lowest validation loss so far. */
  best = Infinity;
  /** 1-based epoch of `best`; 0 before any finite loss. */
  bestEpoch = 0;
  learningRate: number;
  readonly #settings: MonitorSettings;
  #sinceBest = 0;
  #sinceReduction = 0;

  constructor(settings: MonitorSettings) {
    this.#settings = settings;
    this.learningRate = settings.learningRate;
  }

  /** Records epoch `epoch`'s validation loss; a non-finite loss never improves. */
  observe(epoch: number, valLoss: number): Verdict {
    const improved = Number.isFinite(valLoss) && valLoss < this.best - this.#settings.minDelta;
    if (improved) {
      this.best = valLoss;
      this.bestEpoch = epoch;
      this.#sinceBest = 0;
      this.#sinceReduction = 0;
    } else {
      this.#sinceBest++;
      this.#sinceReduction++;
      if (this.#settings.lrDecayFactor < 1 && this.#sinceReduction >= this.#settings.lrDecayPatience) {
        this.learningRate *= this.#settings.lrDecayFactor;
        this.#sinceReduction = 0;
      }
    }
    return { improved, stop: this.#sinceBest >= this.#settings.patience, learningRate: this.learningRate };
  }
}
