#include "call_gate.h"

#include <utility>

#include "base/error.h"

namespace deskside::openai_client::detail {

CallGate::Slot::~Slot() {
    if (gate_) gate_->release();
}

CallGate::CallGate(int max_active, int max_queue, std::string busy_what)
    : max_active_(max_active), max_queue_(max_queue), busy_what_(std::move(busy_what)) {}

CallGate::Slot CallGate::acquire() {
    std::unique_lock lock(mutex_);
    // Waiting callers go first, so a caller arriving as a slot frees cannot overtake them.
    if (active_ < max_active_ && queued_ == 0) {
        ++active_;
        return Slot(this);
    }
    if (queued_ >= max_queue_)
        throw Error(ErrorCode::busy, busy_what_ + ": " + std::to_string(active_) +
                                         " calls in flight and " + std::to_string(queued_) +
                                         " waiting already; retry later");
    ++queued_;
    freed_.wait(lock, [&] { return active_ < max_active_; });
    --queued_;
    ++active_;
    return Slot(this);
}

void CallGate::release() {
    {
        std::lock_guard lock(mutex_);
        --active_;
    }
    freed_.notify_one();
}

int CallGate::active() const {
    std::lock_guard lock(mutex_);
    return active_;
}

int CallGate::queued() const {
    std::lock_guard lock(mutex_);
    return queued_;
}

}  // namespace deskside::openai_client::detail
