// AlignedBuffer<T>: a growable array aligned to 64 bytes (a cache line, an AVX-512 register)
// for scratch, packed panels and KV caches. Owns its memory; movable; contents undefined after
// a growth unless said otherwise. Not thread-safe for concurrent writes to the same elements.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

namespace deskside::decoder::detail {

template <typename T>
class AlignedBuffer {
  public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t size) { resize_discard(size); }

    T* data() { return data_.get(); }
    const T* data() const { return data_.get(); }
    std::size_t size() const { return size_; }

    // At least `size` elements; old contents are lost when it grows.
    void resize_discard(std::size_t size) {
        if (size <= size_) return;
        data_.reset(static_cast<T*>(::operator new[](size * sizeof(T), std::align_val_t(64))));
        size_ = size;
    }
    // At least `size` elements, keeping the first `keep` (<= size()) elements.
    void resize_keep(std::size_t size, std::size_t keep) {
        if (size <= size_) return;
        std::unique_ptr<T[], Delete> fresh(
            static_cast<T*>(::operator new[](size * sizeof(T), std::align_val_t(64))));
        if (keep) std::memcpy(fresh.get(), data_.get(), keep * sizeof(T));
        data_ = std::move(fresh);
        size_ = size;
    }

  private:
    struct Delete {
        void operator()(T* p) const { ::operator delete[](p, std::align_val_t(64)); }
    };
    std::unique_ptr<T[], Delete> data_;
    std::size_t size_ = 0;
};

}  // namespace deskside::decoder::detail
