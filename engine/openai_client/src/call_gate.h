// CallGate: a counting semaphore with a bounded waiting line. At most `max_active` holders of a
// Slot at once; up to `max_queue` callers wait in acquire(); one more gets Error(busy) at once,
// so an overloaded service answers 503 instead of piling up threads.
//
// Thread-safe; a Slot is released by its destructor on whichever thread owns it. The gate must
// outlive its slots.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

namespace deskside::openai_client::detail {

class CallGate {
  public:
    class Slot {
      public:
        Slot(Slot&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
        Slot& operator=(Slot&&) = delete;
        Slot(const Slot&) = delete;
        ~Slot();

      private:
        friend class CallGate;
        explicit Slot(CallGate* gate) : gate_(gate) {}
        CallGate* gate_;
    };

    // `busy_what` starts the Error(busy) message: whose calls, and which settings bound them.
    // REQUIRES: max_active >= 1, max_queue >= 0.
    CallGate(int max_active, int max_queue, std::string busy_what);

    // Returns once a slot is free; Error(busy) when max_queue callers already wait.
    Slot acquire();

    int active() const;
    int queued() const;

  private:
    void release();

    const int max_active_;
    const int max_queue_;
    const std::string busy_what_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    int active_ = 0;
    int queued_ = 0;
};

}  // namespace deskside::openai_client::detail
