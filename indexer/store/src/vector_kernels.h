// Inner-product kernels for the vector index, chosen once per process by the CPU's features
// (AVX-512F, AVX2 + FMA, or portable code). Pure functions; thread-safe. The same kernel serves
// graph construction (through hnswlib) and graph search, so both see identical distances.
#pragma once

#include <cstddef>

namespace deskside::store::vec {

using DotFunction = float (*)(const float* a, const float* b, std::size_t n);

// The fastest kernel this CPU supports.
DotFunction dot_kernel();
// Its name ("avx512", "avx2", "neon", "portable"), for benchmarks.
const char* dot_kernel_name();

// Scales `v` to unit length; returns false (and leaves zeros) for a zero vector.
bool normalise(float* v, std::size_t n);

}  // namespace deskside::store::vec
