// Node-API entry points of the cell loops (cells.h), called by shared/models/recurrent/compiled-cells.ts:
//   forward(cell, batch, steps, inputs, units, x, kernel, recurrent, bias, sequences, threads[, trace[, output]])
//     → [output, x, h, gates, extra]                      (the trace time-major, as cells.h describes it; written
//                                                          into `trace`, an earlier call's, and `output` when given)
//   backward(cell, batch, steps, inputs, units, kernel, recurrent, x, h, gates, extra, dy, sequences, threads
//            [, [dx, dKernel, dRecurrent, dBias][, inputGradient]])
//     → [dx, dKernel, dRecurrent, dBias]                  (written into the arrays given, if any; with
//                                                          inputGradient false, dx is zeros and not computed)
//   dense(batch, inputs, outputs, h, kernel, bias, y)   y = h·kernel + bias, written into y (cells.h)
//   denseBackward(batch, inputs, outputs, h, kernel, dy, dh, dKernel, dBias)
//                                                       the dense head's gradients, written into the last three
//   adam(weights, grad, m, v, [β₁, 1 − β₁, β₂, 1 − β₂, 1 − β₁ᵗ, 1 − β₂ᵗ, ε, −learning rate, clip norm])
//     → the gradient's global norm before clipping; weights, m and v are updated in place (adam.h)
// Arrays are Float32Arrays; every length is checked against the shape. Results are new JavaScript arrays, so V8
// owns and accounts for the trace between the two calls. The work runs on the calling thread and `threads − 1`
// others, synchronously, as a TensorFlow.js op must.
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "adam.h"
#include "cells.h"

namespace {

// A JavaScript exception is pending when this is thrown; the entry point returns nullptr.
struct Thrown {};

void check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, (std::string("flts cells: ") + what + " failed").c_str());
  throw Thrown{};
}

[[noreturn]] void fail(napi_env env, const std::string& message) {
  napi_throw_type_error(env, nullptr, ("flts cells: " + message).c_str());
  throw Thrown{};
}

struct Args {
  napi_env env;
  std::vector<napi_value> values;
  // `optional` trailing arguments may be left out (then they read as undefined).
  Args(napi_env env, napi_callback_info info, size_t expected, size_t optional = 0) : env(env), values(expected + optional) {
    size_t count = expected + optional;
    check(env, napi_get_cb_info(env, info, &count, values.data(), nullptr, nullptr), "reading arguments");
    if (count < expected || count > expected + optional)
      fail(env, "expected " + std::to_string(expected) + (optional ? "–" + std::to_string(expected + optional) : "") + " arguments, got " + std::to_string(count));
  }

  bool given(size_t i) const {
    napi_valuetype type = napi_undefined;
    if (i < values.size() && values[i] != nullptr) napi_typeof(env, values[i], &type);
    return type != napi_undefined;
  }

  napi_value element(size_t i, uint32_t index, const char* name) const {
    bool isArray = false;
    napi_value item;
    if (napi_is_array(env, values[i], &isArray) != napi_ok || !isArray || napi_get_element(env, values[i], index, &item) != napi_ok)
      fail(env, std::string(name) + " must be an array");
    return item;
  }

  int integer(size_t i, const char* name, int minimum) const {
    int32_t value = 0;
    if (napi_get_value_int32(env, values[i], &value) != napi_ok || value < minimum)
      fail(env, std::string(name) + " must be an integer ≥ " + std::to_string(minimum));
    return value;
  }

  bool flag(size_t i, const char* name) const {
    bool value = false;
    if (napi_get_value_bool(env, values[i], &value) != napi_ok) fail(env, std::string(name) + " must be a boolean");
    return value;
  }

  flts::Cell cell(size_t i) const {
    char text[8] = {};
    size_t length = 0;
    if (napi_get_value_string_utf8(env, values[i], text, sizeof text, &length) == napi_ok) {
      if (std::string(text) == "gru") return flts::Cell::gru;
      if (std::string(text) == "lstm") return flts::Cell::lstm;
    }
    fail(env, "cell must be 'gru' or 'lstm'");
  }

  // The Float32Array at i, which must hold exactly `length` floats.
  float* floats(size_t i, const char* name, long length) const { return floatsOf(values[i], name, length); }

  // `length` −1: any length, reported in `*count`.
  float* floatsOf(napi_value value, const std::string& name, long length, long* count_ = nullptr) const {
    bool isTypedArray = false;
    napi_is_typedarray(env, value, &isTypedArray);
    napi_typedarray_type type;
    size_t count = 0;
    void* data = nullptr;
    if (!isTypedArray || napi_get_typedarray_info(env, value, &type, &count, &data, nullptr, nullptr) != napi_ok ||
        type != napi_float32_array)
      fail(env, name + " must be a Float32Array");
    if (length >= 0 && static_cast<long>(count) != length)
      fail(env, name + " holds " + std::to_string(count) + " floats, the shape needs " + std::to_string(length));
    if (count_ != nullptr) *count_ = static_cast<long>(count);
    return static_cast<float*>(data);
  }
};

// A new zeroed Float32Array of `length` floats whose data starts on a 64-byte boundary, and where that is. Eigen
// peels a scalar head off each row up to the SIMD alignment, and its scalar tanh/logistic round differently from
// the vector ones: with buffers aligned alike every time, one seed gives the same numbers in every run.
napi_value newFloats(napi_env env, long length, float** data) {
  constexpr size_t alignment = 64;
  napi_value buffer, array;
  void* raw = nullptr;
  check(env, napi_create_arraybuffer(env, sizeof(float) * length + alignment, &raw, &buffer), "allocating an array");
  const size_t offset = (alignment - reinterpret_cast<uintptr_t>(raw) % alignment) % alignment;
  check(env, napi_create_typedarray(env, napi_float32_array, length, buffer, offset, &array), "allocating an array");
  *data = reinterpret_cast<float*>(static_cast<char*>(raw) + offset);
  return array;
}

napi_value arrayOf(napi_env env, const std::vector<napi_value>& items) {
  napi_value array;
  check(env, napi_create_array_with_length(env, items.size(), &array), "returning results");
  for (size_t i = 0; i < items.size(); i++) check(env, napi_set_element(env, array, i, items[i]), "returning results");
  return array;
}

flts::Shape shapeOf(const Args& a) {
  return {a.cell(0), a.integer(1, "batch", 1), a.integer(2, "steps", 1), a.integer(3, "inputs", 1), a.integer(4, "units", 1)};
}

flts::Weights weightsOf(const Args& a, const flts::Shape& s, size_t first) {
  const long width = static_cast<long>(s.gates()) * s.units;
  return {a.floats(first, "kernel", s.inputs * width), a.floats(first + 1, "recurrentKernel", s.units * width),
          a.floats(first + 2, "bias", width)};
}

// Runs `body`, turning C++ exceptions into JavaScript errors.
template <class Body>
napi_value guarded(napi_env env, const Body& body) {
  try {
    return body();
  } catch (const Thrown&) {
    return nullptr;
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, (std::string("flts cells: ") + error.what()).c_str());
    return nullptr;
  } catch (...) {
    // Nothing here throws anything else today; an exception must not cross into Node in any case.
    napi_throw_error(env, nullptr, "flts cells: an unknown C++ exception");
    return nullptr;
  }
}

// Four result arrays of `lengths` into `results`, their data into `parts`: the elements of the list argument `i`
// when given (an earlier call's trace, or views of new tensors; checked, then written), else new arrays.
void fourArrays(napi_env env, const Args& a, size_t i, const std::string& list, const char* const names[4], const long lengths[4],
                float** const parts[4], std::vector<napi_value>& results) {
  for (uint32_t k = 0; k < 4; k++) {
    if (a.given(i)) {
      results.push_back(a.element(i, k, list.c_str()));
      *parts[k] = a.floatsOf(results.back(), list + "." + names[k], lengths[k]);
    } else {
      results.push_back(newFloats(env, lengths[k], parts[k]));
    }
  }
}

napi_value Forward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args a(env, info, 11, 2);
    const flts::Shape s = shapeOf(a);
    const float* x = a.floats(5, "x", static_cast<long>(s.batch) * s.steps * s.inputs);
    const flts::Weights w = weightsOf(a, s, 6);
    const bool sequences = a.flag(9, "returnSequences");
    const int threads = a.integer(10, "threads", 1);
    const flts::TraceSizes sizes = flts::traceSizes(s);
    const long outputLength = static_cast<long>(s.batch) * (sequences ? s.steps : 1) * s.units;
    float* output = nullptr;
    flts::Trace trace{};
    std::vector<napi_value> results;
    if (a.given(12)) {
      results.push_back(a.values[12]);
      output = a.floats(12, "output", outputLength);
    } else {
      results.push_back(newFloats(env, outputLength, &output));
    }
    const long lengths[4] = {sizes.x, sizes.h, sizes.gates, sizes.extra};
    float** const parts[4] = {&trace.x, &trace.h, &trace.gates, &trace.extra};
    const char* const names[4] = {"x", "h", "gates", "extra"};
    // A trace given is an earlier call's of this shape: its arrays came from newFloats, so they are aligned alike.
    fourArrays(env, a, 11, "trace", names, lengths, parts, results);
    flts::forward(s, w, x, sequences, trace, output, threads);
    return arrayOf(env, results);
  });
}

napi_value Backward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args a(env, info, 14, 2);
    const flts::Shape s = shapeOf(a);
    const flts::Weights w{a.floats(5, "kernel", static_cast<long>(s.inputs) * s.gates() * s.units),
                          a.floats(6, "recurrentKernel", static_cast<long>(s.units) * s.gates() * s.units), nullptr};
    const flts::TraceSizes sizes = flts::traceSizes(s);
    const flts::Trace trace{a.floats(7, "trace.x", sizes.x), a.floats(8, "trace.h", sizes.h),
                            a.floats(9, "trace.gates", sizes.gates), a.floats(10, "trace.extra", sizes.extra)};
    const bool sequences = a.flag(12, "returnSequences");
    const float* dy = a.floats(11, "dy", static_cast<long>(s.batch) * (sequences ? s.steps : 1) * s.units);
    const int threads = a.integer(13, "threads", 1);
    const long width = static_cast<long>(s.gates()) * s.units;
    flts::Gradients grads{};
    const long lengths[4] = {static_cast<long>(s.batch) * s.steps * s.inputs, s.inputs * width, s.units * width, width};
    float** const parts[4] = {&grads.x, &grads.kernel, &grads.recurrent, &grads.bias};
    const char* const names[4] = {"dx", "dKernel", "dRecurrentKernel", "dBias"};
    std::vector<napi_value> results;
    fourArrays(env, a, 14, "gradients", names, lengths, parts, results);
    // A first layer's input is data: its gradient is not wanted, and its product is a tenth of the backward pass.
    if (a.given(15) && !a.flag(15, "inputGradient")) {
      std::fill_n(grads.x, lengths[0], 0.0f);
      grads.x = nullptr;
    }
    flts::backward(s, w, trace, dy, sequences, grads, threads);
    return arrayOf(env, results);
  });
}

napi_value Dense(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args a(env, info, 7);
    const long batch = a.integer(0, "batch", 1), inputs = a.integer(1, "inputs", 1), outputs = a.integer(2, "outputs", 1);
    flts::denseForward(batch, inputs, outputs, a.floats(3, "h", batch * inputs), a.floats(4, "kernel", inputs * outputs),
                       a.floats(5, "bias", outputs), a.floats(6, "y", batch * outputs));
    return static_cast<napi_value>(nullptr);
  });
}

napi_value DenseBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args a(env, info, 9);
    const long batch = a.integer(0, "batch", 1), inputs = a.integer(1, "inputs", 1), outputs = a.integer(2, "outputs", 1);
    flts::denseBackward(batch, inputs, outputs, a.floats(3, "h", batch * inputs), a.floats(4, "kernel", inputs * outputs),
                        a.floats(5, "dy", batch * outputs), a.floats(6, "dh", batch * inputs),
                        a.floats(7, "dKernel", inputs * outputs), a.floats(8, "dBias", outputs));
    return static_cast<napi_value>(nullptr);
  });
}

napi_value Adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args a(env, info, 5);
    long n = 0;
    float* weights = a.floatsOf(a.values[0], "weights", -1, &n);
    const float* grad = a.floats(1, "grad", n);
    float* m = a.floats(2, "m", n);
    float* v = a.floats(3, "v", n);
    const float* c = a.floats(4, "constants", 9);
    const flts::AdamStep step{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]};
    napi_value norm;
    check(env, napi_create_double(env, flts::adamStep(step, weights, grad, m, v, n), &norm), "returning the norm");
    return norm;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"forward", nullptr, Forward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"backward", nullptr, Backward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dense", nullptr, Dense, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseBackward", nullptr, DenseBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
