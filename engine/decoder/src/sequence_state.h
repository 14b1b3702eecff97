// The KV cache of one sequence (behind decoder::Sequence): per layer, K and V rows of kv_dim
// values for positions 0..length-1, in F16 or F32. Storage grows by doubling (from 256 tokens)
// up to the capacity, so a short chat does not hold a full context's memory. The `open` counter
// is shared with the model, which limits how many sequences exist at once.
// Used by the forward thread only; not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "aligned_buffer.h"
#include "decoder/decoder_model.h"

namespace deskside::decoder {

struct SequenceState {
    const void* owner = nullptr;  // the model's Impl, to refuse another model's sequence
    std::shared_ptr<std::atomic<int>> open;
    int length = 0;
    int capacity = 0;
    int allocated = 0;  // token rows allocated per layer
    int n_layer = 0;
    int kv_dim = 0;
    KvType type = KvType::f16;
    std::vector<detail::AlignedBuffer<std::uint16_t>> k16, v16;  // [layer][allocated x kv_dim]
    std::vector<detail::AlignedBuffer<float>> k32, v32;

    SequenceState(const void* owner, std::shared_ptr<std::atomic<int>> open, int capacity,
                  int n_layer, int kv_dim, KvType type);
    ~SequenceState();
    SequenceState(const SequenceState&) = delete;
    SequenceState& operator=(const SequenceState&) = delete;

    // Makes room for `tokens` positions (<= capacity), keeping the first `length`.
    void reserve(int tokens);
    // Copies other's cache (same shape) into this one.
    void copy_from(const SequenceState& other);

    std::size_t row_offset(int position) const {
        return static_cast<std::size_t>(position) * static_cast<std::size_t>(kv_dim);
    }
};

}  // namespace deskside::decoder
