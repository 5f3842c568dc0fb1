// The cell loops of cells.h. Rows of a batch are independent through the whole recurrence, so each thread runs
// the time loop on its own rows of every step (a contiguous block of the time-major arrays) with no hand-over
// between steps; only the weight gradients, products over all rows at once, are split by columns instead.
#include "cells.h"

#include "packed-factor.h"
#include "thread-pool.h"

#include <Eigen/Core>
#include <algorithm>
#include <utility>
#include <vector>

namespace flts {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using View = Eigen::Map<Matrix, Eigen::Unaligned, Stride>;
using ConstView = Eigen::Map<const Matrix, Eigen::Unaligned, Stride>;

// A (rows, cols) row-major block whose rows start `stride` floats apart.
View view(float* data, long rows, long cols, long stride) { return View(data, rows, cols, Stride(stride)); }
ConstView readView(const float* data, long rows, long cols, long stride) { return ConstView(data, rows, cols, Stride(stride)); }
View dense(float* data, long rows, long cols) { return view(data, rows, cols, cols); }
ConstView readDense(const float* data, long rows, long cols) { return readView(data, rows, cols, cols); }

// [begin, end) of part `i` of `n` over `count` items, cut on multiples of `align` (whole SIMD packets).
std::pair<long, long> share(long count, int i, int n, long align = 1) {
  const long chunks = (count + align - 1) / align;
  return {std::min(count, chunks * i / n * align), std::min(count, chunks * (i + 1) / n * align)};
}

// Runs part(i, n) for every i < n, part 0 on the calling thread (thread-pool.h); rethrows a part's exception.
template <class Part>
void parallel(int n, const Part& part) {
  ThreadPool::instance().run(n, part);
}

// Threads worth using for `rows` independent rows: a part below 8 rows costs more to hand over than it saves.
int threadsFor(long rows, int threads) { return static_cast<int>(std::max(1L, std::min<long>(threads, rows / 8))); }

// ----------------------------------------------------------------------------------------------- forward

// Per-thread room for the packed left factor of each product (packed-factor.h).
using Scratch = std::vector<float, Eigen::aligned_allocator<float>>;

// The recurrent kernel's products of one layer call, packed once: GRU [z | r] and ĥ blocks, LSTM all four gates;
// `transposed` for the backward pass (products with Uᵀ).
struct RecurrentFactors {
  std::vector<PackedFactor> blocks;
  RecurrentFactors(const Shape& s, const Weights& w, bool transposed) {
    const long u = s.units, width = s.gates() * u;
    if (s.cell == Cell::gru) {
      blocks.emplace_back(w.recurrent, transposed ? 2 * u : u, transposed ? u : 2 * u, width, transposed);
      blocks.emplace_back(w.recurrent + 2 * u, u, u, width, transposed);
    } else {
      blocks.emplace_back(w.recurrent, transposed ? width : u, transposed ? u : width, width, transposed);
    }
  }
};

// Rows [b0, b1) of every step: gates hold x·W + b on entry (the projection), the activations on exit.
void gruSteps(const Shape& s, const RecurrentFactors& f, const Trace& tr, long b0, long b1) {
  const long u = s.units, width = 3 * u, rows = b1 - b0, B = s.batch;
  Scratch scratch;
  for (long t = 0; t < s.steps; t++) {
    const float* hPrevData = tr.h + (t * B + b0) * u;
    float* gatesData = tr.gates + (t * B + b0) * width;
    const ConstView hPrev = readDense(hPrevData, rows, u);
    View gates = dense(gatesData, rows, width);
    f.blocks[0].multiplyAdd(hPrevData, rows, u, gatesData, width, scratch);
    gates.leftCols(2 * u) = gates.leftCols(2 * u).array().logistic().matrix();
    float* resetData = tr.extra + (t * B + b0) * u;
    dense(resetData, rows, u) = gates.middleCols(u, u).cwiseProduct(hPrev);
    f.blocks[1].multiplyAdd(resetData, rows, u, gatesData + 2 * u, width, scratch);
    gates.rightCols(u) = gates.rightCols(u).array().tanh().matrix();
    const auto z = gates.leftCols(u).array();
    const auto hc = gates.rightCols(u).array();
    // z·h + (1 − z)·ĥ
    dense(tr.h + ((t + 1) * B + b0) * u, rows, u).array() = hc + z * (hPrev.array() - hc);
  }
}

void lstmSteps(const Shape& s, const RecurrentFactors& factors, const Trace& tr, long b0, long b1) {
  const long u = s.units, width = 4 * u, rows = b1 - b0, B = s.batch;
  Scratch scratch;
  for (long t = 0; t < s.steps; t++) {
    float* gatesData = tr.gates + (t * B + b0) * width;
    factors.blocks[0].multiplyAdd(tr.h + (t * B + b0) * u, rows, u, gatesData, width, scratch);
    View gates = dense(gatesData, rows, width);
    gates.leftCols(2 * u) = gates.leftCols(2 * u).array().logistic().matrix();
    gates.middleCols(2 * u, u) = gates.middleCols(2 * u, u).array().tanh().matrix();
    gates.rightCols(u) = gates.rightCols(u).array().logistic().matrix();
    const auto i = gates.leftCols(u).array(), f = gates.middleCols(u, u).array();
    const auto g = gates.middleCols(2 * u, u).array(), o = gates.rightCols(u).array();
    const ConstView cPrev = readDense(tr.extra + (t * B + b0) * u, rows, u);
    View c = dense(tr.extra + ((t + 1) * B + b0) * u, rows, u);
    c.array() = f * cPrev.array() + i * g;
    dense(tr.h + ((t + 1) * B + b0) * u, rows, u).array() = o * c.array().tanh();
  }
}

// ---------------------------------------------------------------------------------------------- backward

// dh += the output's gradient at step t for rows [b0, b1): every step's for a sequence output, else the last's.
void addOutputGradient(const Shape& s, const float* dy, bool sequences, long t, long b0, Matrix& dh) {
  const long u = s.units;
  if (sequences) {
    // dy is batch-major (B, T, u): row b of step t is T·u floats after row b − 1's.
    dh += readView(dy + (b0 * s.steps + t) * u, dh.rows(), u, s.steps * u);
  } else if (t == s.steps - 1) {
    dh += readDense(dy + b0 * u, dh.rows(), u);
  }
}

// dG (T, B, 3u), rows [b0, b1): gradients of the pre-activations of z, r and ĥ. `f`: the transposed factors.
void gruBackSteps(const Shape& s, const RecurrentFactors& f, const Trace& tr, const float* dy, bool sequences, float* dG,
                  long b0, long b1) {
  const long u = s.units, width = 3 * u, rows = b1 - b0, B = s.batch;
  Matrix dh = Matrix::Zero(rows, u), dhPrev(rows, u), dResetState(rows, u);
  Scratch scratch;
  for (long t = s.steps - 1; t >= 0; t--) {
    addOutputGradient(s, dy, sequences, t, b0, dh);
    const ConstView hPrev = readDense(tr.h + (t * B + b0) * u, rows, u);
    const ConstView gates = readDense(tr.gates + (t * B + b0) * width, rows, width);
    float* dData = dG + (t * B + b0) * width;
    View d = dense(dData, rows, width);
    const auto z = gates.leftCols(u).array(), r = gates.middleCols(u, u).array(), hc = gates.rightCols(u).array();
    const auto g = dh.array();
    d.rightCols(u).array() = g * (1 - z) * (1 - hc * hc);
    d.leftCols(u).array() = g * (hPrev.array() - hc) * z * (1 - z);
    dhPrev.array() = g * z;
    dResetState.setZero();
    f.blocks[1].multiplyAdd(dData + 2 * u, rows, width, dResetState.data(), u, scratch);
    d.middleCols(u, u).array() = dResetState.array() * hPrev.array() * r * (1 - r);
    dhPrev.array() += dResetState.array() * r;
    f.blocks[0].multiplyAdd(dData, rows, width, dhPrev.data(), u, scratch);
    std::swap(dh, dhPrev);
  }
}

// dG (T, B, 4u), rows [b0, b1): gradients of the pre-activations of i, f, g, o. `factors`: the transposed one.
void lstmBackSteps(const Shape& s, const RecurrentFactors& factors, const Trace& tr, const float* dy, bool sequences,
                   float* dG, long b0, long b1) {
  const long u = s.units, width = 4 * u, rows = b1 - b0, B = s.batch;
  Matrix dh = Matrix::Zero(rows, u), dc = Matrix::Zero(rows, u), dcell(rows, u), tc(rows, u);
  Scratch scratch;
  for (long t = s.steps - 1; t >= 0; t--) {
    addOutputGradient(s, dy, sequences, t, b0, dh);
    const ConstView gates = readDense(tr.gates + (t * B + b0) * width, rows, width);
    const auto i = gates.leftCols(u).array(), f = gates.middleCols(u, u).array();
    const auto g = gates.middleCols(2 * u, u).array(), o = gates.rightCols(u).array();
    // tanh(c_t) is recomputed rather than kept: one more (T, B, u) array costs more than the call.
    tc.array() = readDense(tr.extra + ((t + 1) * B + b0) * u, rows, u).array().tanh();
    const ConstView cPrevView = readDense(tr.extra + (t * B + b0) * u, rows, u);
    const auto cPrev = cPrevView.array();
    const auto dhA = dh.array(), tcA = tc.array();
    dcell.array() = dc.array() + dhA * o * (1 - tcA * tcA);
    float* dData = dG + (t * B + b0) * width;
    View d = dense(dData, rows, width);
    d.leftCols(u).array() = dcell.array() * g * i * (1 - i);
    d.middleCols(u, u).array() = dcell.array() * cPrev * f * (1 - f);
    d.middleCols(2 * u, u).array() = dcell.array() * i * (1 - g * g);
    d.rightCols(u).array() = dhA * tcA * o * (1 - o);
    dc.array() = dcell.array() * f;
    dh.setZero();
    factors.blocks[0].multiplyAdd(dData, rows, width, dh.data(), u, scratch);
  }
}

// Columns [c0, c1) of dW = Xᵀ·dG, dU = Hₜ₋₁ᵀ·dG (GRU candidate: (r ⊙ h)ᵀ·dG) and db = Σ dG, over all steps.
void weightGradientColumns(const Shape& s, const Trace& tr, const float* dG, const Gradients& out, long c0, long c1) {
  if (c1 <= c0) return;
  const long u = s.units, width = s.gates() * u, rows = static_cast<long>(s.steps) * s.batch, n = c1 - c0;
  const ConstView d = readView(dG + c0, rows, n, width);
  view(out.kernel + c0, s.inputs, n, width).noalias() = readDense(tr.x, rows, s.inputs).transpose() * d;
  // Summed into an owned (aligned) row first: where Eigen's assignment peels columns for alignment they are summed
  // in another order, so summing straight into `out` would make the result depend on where its array starts.
  const Eigen::RowVectorXf biasSums = d.colwise().sum();
  std::copy_n(biasSums.data(), n, out.bias + c0);
  const ConstView hPrev = readDense(tr.h, rows, u);
  // GRU columns from 2u on (the candidate) take the reset state instead of h.
  const long split = s.cell == Cell::gru ? std::clamp(2 * u, c0, c1) : c1;
  if (split > c0) view(out.recurrent + c0, u, split - c0, width).noalias() = hPrev.transpose() * readView(dG + c0, rows, split - c0, width);
  if (c1 > split) view(out.recurrent + split, u, c1 - split, width).noalias() = readDense(tr.extra, rows, u).transpose() * readView(dG + split, rows, c1 - split, width);
}

// Steps [t0, t1) of dX = dG·Wᵀ, written batch-major: step t of window b at (b·T + t)·F.
void inputGradientSteps(const Shape& s, const Weights& w, const float* dG, float* dx, long t0, long t1) {
  const long F = s.inputs, width = s.gates() * s.units, B = s.batch;
  const ConstView kernel = readDense(w.kernel, F, width);
  for (long t = t0; t < t1; t++) view(dx + t * F, B, F, s.steps * F).noalias() = readDense(dG + t * B * width, B, width) * kernel.transpose();
}

}  // namespace

void denseForward(long batch, long inputs, long outputs, const float* h, const float* kernel, const float* bias, float* y) {
  View out = dense(y, batch, outputs);
  // The bias first and the product added to it (`=` of a product would zero y and add the product to that).
  out.rowwise() = Eigen::Map<const Eigen::RowVectorXf>(bias, outputs);
  out.noalias() += readDense(h, batch, inputs) * readDense(kernel, inputs, outputs);
}

void denseBackward(long batch, long inputs, long outputs, const float* h, const float* kernel, const float* dy, float* dh,
                   float* dKernel, float* dBias) {
  const ConstView d = readDense(dy, batch, outputs);
  dense(dh, batch, inputs).noalias() = d * readDense(kernel, inputs, outputs).transpose();
  dense(dKernel, inputs, outputs).noalias() = readDense(h, batch, inputs).transpose() * d;
  // Into an owned row first, as in weightGradientColumns: the same sums whatever the alignment of dBias.
  const Eigen::RowVectorXf sums = d.colwise().sum();
  std::copy_n(sums.data(), outputs, dBias);
}

TraceSizes traceSizes(const Shape& s) {
  const long block = static_cast<long>(s.batch) * s.units, steps = s.steps;
  return {steps * s.batch * s.inputs, (steps + 1) * block, steps * s.batch * s.gates() * s.units,
          (s.cell == Cell::gru ? steps : steps + 1) * block};
}

void forward(const Shape& s, const Weights& w, const float* x, bool sequences, const Trace& tr, float* output, int threads) {
  const long B = s.batch, T = s.steps, F = s.inputs, u = s.units, width = s.gates() * u;
  std::fill_n(tr.h, B * u, 0.0f);
  if (s.cell == Cell::lstm) std::fill_n(tr.extra, B * u, 0.0f);
  // The input projection x·W + b for all steps at once, by rows of the time-major x (row t·B + b).
  parallel(threadsFor(T * B, threads), [&](int i, int n) {
    const auto [r0, r1] = share(T * B, i, n);
    for (long r = r0; r < r1; r++) {
      const long t = r / B, b = r % B;
      std::copy_n(x + (b * T + t) * F, F, tr.x + r * F);
    }
    View gates = dense(tr.gates + r0 * width, r1 - r0, width);
    gates.noalias() = readDense(tr.x + r0 * F, r1 - r0, F) * readDense(w.kernel, F, width);
    gates.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(w.bias, width);
  });
  const RecurrentFactors factors(s, w, false);
  parallel(threadsFor(B, threads), [&](int i, int n) {
    const auto [b0, b1] = share(B, i, n);
    if (s.cell == Cell::gru) gruSteps(s, factors, tr, b0, b1);
    else lstmSteps(s, factors, tr, b0, b1);
    for (long b = b0; b < b1; b++) {
      if (sequences)
        for (long t = 0; t < T; t++) std::copy_n(tr.h + ((t + 1) * B + b) * u, u, output + (b * T + t) * u);
      else
        std::copy_n(tr.h + (T * B + b) * u, u, output + b * u);
    }
  });
}

void backward(const Shape& s, const Weights& w, const Trace& tr, const float* dy, bool sequences, const Gradients& out,
              int threads) {
  const long B = s.batch, T = s.steps, width = s.gates() * s.units;
  // Aligned like the trace arrays (binding.cc), so that Eigen's vector/scalar split is the same in every run; kept
  // per calling thread and reused, because allocating megabytes afresh on every call costs page faults.
  static thread_local std::vector<float, Eigen::aligned_allocator<float>> scratch;
  scratch.resize(static_cast<size_t>(T * B * width));
  // A plain pointer for the pooled threads: inside them the name `scratch` would be their own (empty) instance.
  float* dG = scratch.data();
  const RecurrentFactors factors(s, w, true);
  parallel(threadsFor(B, threads), [&](int i, int n) {
    const auto [b0, b1] = share(B, i, n);
    if (s.cell == Cell::gru) gruBackSteps(s, factors, tr, dy, sequences, dG, b0, b1);
    else lstmBackSteps(s, factors, tr, dy, sequences, dG, b0, b1);
  });
  parallel(std::max(1, std::min<int>(threads, static_cast<int>(width / 16))), [&](int i, int n) {
    const auto [c0, c1] = share(width, i, n, 16);
    weightGradientColumns(s, tr, dG, out, c0, c1);
    if (out.x == nullptr) return;
    const auto [t0, t1] = share(T, i, n);
    inputGradientSteps(s, w, dG, out.x, t0, t1);
  });
}

}  // namespace flts
