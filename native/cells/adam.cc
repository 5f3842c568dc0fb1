// Element for element the same float32 operations, in the same order, as the backend ops of adam.ts (built with
// -ffp-contract=off, so no multiply-add is fused, and -fno-math-errno, so that sqrt vectorises); only the norm's
// sum is taken in double, in another order.
#include "adam.h"

#include <algorithm>
#include <cmath>

namespace flts {

float adamStep(const AdamStep& s, float* __restrict weights, const float* __restrict grad, float* __restrict m,
               float* __restrict v, long n) {
  // Eight partial sums, so that the compiler can keep them in one vector register (a strict left-to-right sum
  // cannot be vectorised); summed in double, so their order does not matter at float precision.
  double partial[8] = {};
  long k = 0;
  for (; k + 8 <= n; k += 8)
    for (int lane = 0; lane < 8; lane++) partial[lane] += static_cast<double>(grad[k + lane]) * grad[k + lane];
  double squares = 0;
  for (; k < n; k++) squares += static_cast<double>(grad[k]) * grad[k];
  for (const double p : partial) squares += p;
  const float norm = static_cast<float>(std::sqrt(squares));
  // tf.clip_by_global_norm's rule: scale by clipNorm / max(norm, clipNorm); without clipping g is grad itself.
  const bool clip = s.clipNorm > 0;
  const float scale = clip ? s.clipNorm / std::max(norm, s.clipNorm) : 1.0f;
  const float beta1 = s.beta1, oneMinusBeta1 = s.oneMinusBeta1, beta2 = s.beta2, oneMinusBeta2 = s.oneMinusBeta2;
  const float correction1 = s.correction1, correction2 = s.correction2, epsilon = s.epsilon, rate = s.negativeLearningRate;
  for (long k = 0; k < n; k++) {
    const float g = clip ? grad[k] * scale : grad[k];
    const float mk = m[k] * beta1 + g * oneMinusBeta1;
    const float vk = v[k] * beta2 + (g * g) * oneMinusBeta2;
    m[k] = mk;
    v[k] = vk;
    weights[k] = ((mk / correction1) / (std::sqrt(vk / correction2) + epsilon)) * rate + weights[k];
  }
  return norm;
}

}  // namespace flts
