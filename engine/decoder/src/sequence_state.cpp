#include "sequence_state.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"

namespace deskside::decoder {

SequenceState::SequenceState(const void* owner_, std::shared_ptr<std::atomic<int>> open_,
                             int capacity_, int n_layer_, int kv_dim_, KvType type_)
    : owner(owner_),
      open(std::move(open_)),
      capacity(capacity_),
      n_layer(n_layer_),
      kv_dim(kv_dim_),
      type(type_) {
    if (type == KvType::f16) {
        k16.resize(static_cast<std::size_t>(n_layer));
        v16.resize(static_cast<std::size_t>(n_layer));
    } else {
        k32.resize(static_cast<std::size_t>(n_layer));
        v32.resize(static_cast<std::size_t>(n_layer));
    }
}

SequenceState::~SequenceState() {
    if (open) open->fetch_sub(1);
}

void SequenceState::reserve(int tokens) {
    if (tokens <= allocated) return;
    int grown = std::max(256, allocated * 2);
    grown = std::min(std::max(grown, tokens), capacity);
    const std::size_t rows = static_cast<std::size_t>(grown) * static_cast<std::size_t>(kv_dim);
    const std::size_t keep = row_offset(length);
    for (int l = 0; l < n_layer; ++l) {
        if (type == KvType::f16) {
            k16[l].resize_keep(rows, keep);
            v16[l].resize_keep(rows, keep);
        } else {
            k32[l].resize_keep(rows, keep);
            v32[l].resize_keep(rows, keep);
        }
    }
    allocated = grown;
}

void SequenceState::copy_from(const SequenceState& other) {
    reserve(other.length);
    const std::size_t n = row_offset(other.length);
    for (int l = 0; l < n_layer; ++l) {
        if (type == KvType::f16) {
            std::memcpy(k16[l].data(), other.k16[l].data(), n * sizeof(std::uint16_t));
            std::memcpy(v16[l].data(), other.v16[l].data(), n * sizeof(std::uint16_t));
        } else {
            std::memcpy(k32[l].data(), other.k32[l].data(), n * sizeof(float));
            std::memcpy(v32[l].data(), other.v32[l].data(), n * sizeof(float));
        }
    }
    length = other.length;
}

}  // namespace deskside::decoder
