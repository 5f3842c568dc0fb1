// Adam with clipping by global norm over one flat vector of weights: the update of
// shared/models/recurrent/adam.ts (tf.train.adam after tf.clip_by_global_norm), done in one pass instead of about
// fifteen backend ops over the whole vector.
#pragma once

namespace flts {

// The step's constants, each already rounded to float as TensorFlow.js rounds its scalar operands.
struct AdamStep {
  float beta1, oneMinusBeta1;
  float beta2, oneMinusBeta2;
  // 1 − β₁ᵗ and 1 − β₂ᵗ: the bias corrections.
  float correction1, correction2;
  float epsilon;
  float negativeLearningRate;
  // Global-norm bound; 0 = no clipping.
  float clipNorm;
};

// Updates `weights`, `m` and `v` (n floats each) from `grad`; returns the global norm of `grad` before clipping.
float adamStep(const AdamStep& step, float* weights, const float* grad, float* m, float* v, long n);

}  // namespace flts
