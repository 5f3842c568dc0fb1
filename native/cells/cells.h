// GRU and LSTM layers over a whole sequence, forward and backward, on Eigen's GEMM with the batch split over
// threads. The same function, layout and trace as shared/models/recurrent/cell-math.ts, which this ports to C++:
// one call per layer and sequence instead of a product per time step through TensorFlow.js.
#pragma once

namespace flts {

enum class Cell { gru, lstm };

// B windows, T steps, F inputs, u units; G gate blocks (GRU 3: z | r | ĥ; LSTM 4: i | f | g | o).
struct Shape {
  Cell cell;
  int batch;
  int steps;
  int inputs;
  int units;
  int gates() const { return cell == Cell::gru ? 3 : 4; }
};

// tfjs-layers' layout: kernel (F, G·u), recurrent kernel (u, G·u), bias (G·u).
struct Weights {
  const float* kernel;
  const float* recurrent;
  const float* bias;
};

// What the forward pass keeps for the backward pass, time-major: x (T, B, F); h₀ … h_T (T + 1, B, u);
// post-activation gates (T, B, G·u); extra: GRU r ⊙ h_{t−1} (T, B, u), LSTM c₀ … c_T (T + 1, B, u).
struct Trace {
  float* x;
  float* h;
  float* gates;
  float* extra;
};

// Weight gradients in the weights' layout; x batch-major (B, T, F), or nullptr where the input's gradient is not
// wanted (a first layer, whose input is data): its product, dG·Wᵀ over every step, is then not computed.
struct Gradients {
  float* x;
  float* kernel;
  float* recurrent;
  float* bias;
};

// Sizes of the trace's arrays, in floats.
struct TraceSizes {
  long x, h, gates, extra;
};
TraceSizes traceSizes(const Shape& shape);

// Runs the layer over `x` (B, T, F), batch-major, filling `trace` (zeroed h₀/c₀ expected) and `output`:
// (B, T, u) when `sequences`, else the last state (B, u).
void forward(const Shape& shape, const Weights& weights, const float* x, bool sequences, const Trace& trace, float* output,
             int threads);

// Gradients given the output's gradient `dy` (the shape `forward` gave its output).
void backward(const Shape& shape, const Weights& weights, const Trace& trace, const float* dy, bool sequences,
              const Gradients& grads, int threads);

// The dense head on a last layer's state, y = h·K + b: h (B, u), K (u, H), b (H), y (B, H). Computed with the layer,
// it saves the backend a product, a sum and their gradients per step, and the round trip of h and dy through it.
void denseForward(long batch, long inputs, long outputs, const float* h, const float* kernel, const float* bias, float* y);

// dh = dy·Kᵀ, dK = hᵀ·dy, db = Σ dy over the batch.
void denseBackward(long batch, long inputs, long outputs, const float* h, const float* kernel, const float* dy, float* dh,
                   float* dKernel, float* dBias);

}  // namespace flts
