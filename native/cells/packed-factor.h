// Products A·B with a constant right factor B (a recurrent kernel, or its transpose), packed once per layer call
// for Eigen's GEMM kernel and shared read-only by the threads. Eigen's own product packs both factors on every call:
// at the recurrent step's sizes ((32..128) × u times u × G·u, every time step) repacking B cost about a third of the
// product, twice over when two threads each packed it. Here each step packs only its small A.
//
// This uses Eigen's internal GEMM building blocks (gemm_pack_lhs, gemm_pack_rhs, gebp_kernel) the way
// Eigen/src/Core/products/GeneralMatrixMatrix.h does, for Eigen 3.4: Eigen computes a row-major C = A·B as the
// column-major Cᵀ = Bᵀ·Aᵀ, so B is the packed left-hand side of that kernel and A the right-hand one.
#pragma once

#include <Eigen/Core>
#include <vector>

// The internal signatures used below are Eigen 3.4's (GeneralBlockPanelKernel.h, GeneralMatrixMatrix.h).
#if !EIGEN_VERSION_AT_LEAST(3, 4, 0) || EIGEN_VERSION_AT_LEAST(3, 4, 90)
#error "native/cells needs Eigen 3.4 (libeigen3-dev 3.4.x): packed-factor.h uses its internal GEMM building blocks"
#endif

namespace flts {

class PackedFactor {
 public:
  // B (k × n) read from row-major storage with rows `ld` floats apart; when `transposed`, B = Wᵀ for W (n × k)
  // stored that way. The data is copied into the packed layout; it may change afterwards.
  PackedFactor(const float* data, long k, long n, long ld, bool transposed) : k_(k), n_(n), packed_(k * n) {
    if (transposed) pack<Eigen::RowMajor>(data, ld);
    else pack<Eigen::ColMajor>(data, ld);
  }

  // C (m × n, rows `ldc` apart) += A (m × k, rows `lda` apart) · B. `scratch` holds A packed (k·m floats, per thread).
  void multiplyAdd(const float* a, long m, long lda, float* c, long ldc, std::vector<float, Eigen::aligned_allocator<float>>& scratch) const {
    if (m == 0) return;
    scratch.resize(k_ * m);
    Eigen::internal::gemm_pack_rhs<float, long, ColMajorMapper, Traits::nr, Eigen::ColMajor> packRhs;
    packRhs(scratch.data(), ColMajorMapper(a, lda), k_, m);
    Eigen::internal::gebp_kernel<float, float, long, ResultMapper, Traits::mr, Traits::nr, false, false> kernel;
    kernel(ResultMapper(c, ldc), packed_.data(), scratch.data(), n_, k_, m, 1.0f);
  }

 private:
  using Traits = Eigen::internal::gebp_traits<float, float>;
  using ColMajorMapper = Eigen::internal::const_blas_data_mapper<float, long, Eigen::ColMajor>;
  using ResultMapper = Eigen::internal::blas_data_mapper<float, long, Eigen::ColMajor, Eigen::Unaligned, 1>;

  // Bᵀ (n × k) as the kernel's left-hand side: B row-major is Bᵀ column-major; Wᵀ row-major is W row-major.
  template <int Order>
  void pack(const float* data, long ld) {
    using Mapper = Eigen::internal::const_blas_data_mapper<float, long, Order>;
    Eigen::internal::gemm_pack_lhs<float, long, Mapper, Traits::mr, Traits::LhsProgress, typename Traits::LhsPacket4Packing, Order> packLhs;
    packLhs(packed_.data(), Mapper(data, ld), k_, n_);
  }

  long k_, n_;
  std::vector<float, Eigen::aligned_allocator<float>> packed_;
};

}  // namespace flts
