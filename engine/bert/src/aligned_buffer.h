// AlignedFloats: a fixed-size float array aligned to 64 bytes (one cache line, one AVX-512
// register), zero-initialised, movable, owning its memory. Used for packed weights and scratch.
// Not thread-safe to write from several threads at once unless they touch disjoint ranges.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

namespace deskside::bert::detail {

class AlignedFloats {
  public:
    AlignedFloats() = default;
    explicit AlignedFloats(std::size_t size)
        : data_(size ? new (std::align_val_t(64)) float[size] : nullptr), size_(size) {
        if (size) std::memset(data_.get(), 0, size * sizeof(float));
    }

    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    float& operator[](std::size_t i) { return data_[i]; }
    const float& operator[](std::size_t i) const { return data_[i]; }

    // Grows (never shrinks) to at least `size` floats; the contents are then undefined.
    void reserve_at_least(std::size_t size) {
        if (size > size_) *this = AlignedFloats(size);
    }

  private:
    struct Delete {
        void operator()(float* p) const { ::operator delete[](p, std::align_val_t(64)); }
    };
    std::unique_ptr<float[], Delete> data_;
    std::size_t size_ = 0;
};

}  // namespace deskside::bert::detail
