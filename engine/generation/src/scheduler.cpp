#include "scheduler.h"

#include <algorithm>
#include <span>

#include "base/error.h"

namespace deskside::generation {
namespace {

// Prompts always get at least this many tokens per step, however many sequences decode, so a
// full house of decoders cannot starve a waiting prompt.
constexpr int kMinPrefillBudget = 32;

}  // namespace

Scheduler::Scheduler(decoder::DecoderModel& model, const tokenizer::Tokenizer& tokenizer,
                     const LocalGeneratorOptions& options)
    : model_(model),
      tokenizer_(tokenizer),
      parallel_(static_cast<std::size_t>(options.parallel)),
      max_queue_(static_cast<std::size_t>(options.max_queue)),
      batch_tokens_(options.batch_tokens),
      thread_([this] { run(); }) {}

Scheduler::~Scheduler() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void Scheduler::submit(std::shared_ptr<Request> request) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) throw Error(ErrorCode::busy, "the local generator is shutting down");
        if (in_flight_ >= parallel_ + max_queue_) {
            throw Error(ErrorCode::busy,
                        "the local generator is busy: " + std::to_string(parallel_) +
                            " generating and " + std::to_string(queue_.size()) + " waiting");
        }
        ++in_flight_;
        queue_.push_back(std::move(request));
    }
    wake_.notify_one();
}

GeneratorStats Scheduler::stats() const {
    GeneratorStats s;
    {
        std::lock_guard lock(mutex_);
        s.queued = static_cast<int>(queue_.size());
    }
    s.active = active_count_.load();
    s.steps = steps_.load();
    s.generated_tokens = generated_.load();
    s.prompt_tokens = prompt_tokens_.load();
    s.finished_requests = finished_.load();
    return s;
}

void Scheduler::run() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !active_.empty(); });
            if (stopping_) break;
        }
        admit();
        step();
    }
    shut_down();
}

void Scheduler::admit() {
    std::vector<std::shared_ptr<Request>> admitted, withdrawn;
    {
        std::lock_guard lock(mutex_);
        // Requests withdrawn while queued leave now, not when their turn comes: they would
        // hold places that max_queue counts.
        for (auto it = queue_.begin(); it != queue_.end();) {
            if ((*it)->cancelled.load()) {
                withdrawn.push_back(std::move(*it));
                it = queue_.erase(it);
            } else {
                ++it;
            }
        }
        while (active_.size() + admitted.size() < parallel_ && !queue_.empty()) {
            admitted.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
    }
    for (auto& r : withdrawn) finish(*r, llm::FinishReason::cancelled);
    for (auto& r : admitted) {
        if (r->cancelled.load()) {
            finish(*r, llm::FinishReason::cancelled);
            continue;
        }
        try {
            r->sequence.emplace(model_.new_sequence());
        } catch (...) {
            finish(*r, llm::FinishReason::stop, std::current_exception());
            continue;
        }
        active_count_.fetch_add(1);
        active_.push_back(std::move(r));
    }
}

void Scheduler::step() {
    // A cancelled sequence gives its slot back before the pass, not after.
    for (auto& r : active_) {
        if (r->cancelled.load()) finish(*r, llm::FinishReason::cancelled);
    }
    std::erase_if(active_, [](const auto& r) { return !r->sequence; });
    if (active_.empty()) return;

    batch_.clear();
    owners_.clear();
    chunks_.clear();
    int budget = batch_tokens_;
    for (auto& r : active_) {
        if (r->prefilled < r->prompt.size()) continue;
        batch_.push_back({&*r->sequence, std::span<const std::int32_t>(&r->next_token, 1), false});
        owners_.push_back(r.get());
        chunks_.push_back(0);
        --budget;
    }
    budget = std::max(budget, kMinPrefillBudget);
    const std::size_t n = active_.size();
    for (std::size_t k = 0; k < n && budget > 0; ++k) {
        Request& r = *active_[(turn_ + k) % n];
        const std::size_t left = r.prompt.size() - r.prefilled;
        if (left == 0) continue;
        const std::size_t chunk = std::min(left, static_cast<std::size_t>(budget));
        batch_.push_back({&*r.sequence,
                          std::span<const std::int32_t>(r.prompt.data() + r.prefilled, chunk),
                          false});
        owners_.push_back(&r);
        chunks_.push_back(chunk);
        budget -= static_cast<int>(chunk);
    }
    ++turn_;

    try {
        model_.forward(batch_, logits_);
    } catch (...) {
        const auto error = std::current_exception();
        for (Request* r : owners_) finish(*r, llm::FinishReason::stop, error);
        std::erase_if(active_, [](const auto& r) { return !r->sequence; });
        return;
    }
    steps_.fetch_add(1);

    for (std::size_t i = 0; i < owners_.size(); ++i) {
        Request& r = *owners_[i];
        if (chunks_[i] > 0) {
            r.prefilled += chunks_[i];
            prompt_tokens_.fetch_add(chunks_[i]);
            if (r.prefilled < r.prompt.size()) continue;  // more prompt to come
        }
        std::int32_t id;
        try {
            id = r.sampler.sample(logits_.last(i));
        } catch (...) {
            finish(r, llm::FinishReason::stop, std::current_exception());
            continue;
        }
        on_token(r, id);
    }
    std::erase_if(active_, [](const auto& r) { return !r->sequence; });
}

void Scheduler::on_token(Request& r, std::int32_t id) {
    ++r.generated;
    r.generated_count.store(r.generated);
    generated_.fetch_add(1);
    if (tokenizer_.is_eog(id)) {
        release_tail(r);
        finish(r, llm::FinishReason::stop);
        return;
    }
    r.sampler.accept(id);
    emit(r, r.stop.feed(r.stream.push(id)));
    if (r.stop.stopped()) {
        finish(r, llm::FinishReason::stop);
        return;
    }
    // The sampled token still has to go into the cache before the next one can be chosen.
    const bool context_full = r.sequence->length() + 1 > r.sequence->capacity();
    if (r.generated >= r.max_tokens || context_full) {
        release_tail(r);
        finish(r, r.stop.stopped() ? llm::FinishReason::stop : llm::FinishReason::length);
        return;
    }
    r.next_token = id;
}

void Scheduler::release_tail(Request& r) {
    std::string out = r.stop.feed(r.stream.finish());
    if (!r.stop.stopped()) out += r.stop.flush();
    emit(r, std::move(out));
}

void Scheduler::emit(Request& r, std::string text) {
    if (text.empty()) return;
    {
        std::lock_guard lock(r.mutex);
        r.text += text;
    }
    r.ready.notify_all();
}

void Scheduler::finish(Request& r, llm::FinishReason reason, std::exception_ptr error) {
    // The slot and the counters first, the caller last: when generate() returns, stats() and
    // the next submit() already see the request gone.
    if (r.sequence) {
        r.sequence.reset();  // the KV slot goes back here, on the thread that owns the model
        active_count_.fetch_sub(1);
    }
    finished_.fetch_add(1);
    {
        std::lock_guard lock(mutex_);
        --in_flight_;
    }
    {
        std::lock_guard lock(r.mutex);
        r.done = true;
        r.finish = reason;
        r.error = std::move(error);
    }
    r.ready.notify_all();
}

void Scheduler::shut_down() {
    const auto error =
        std::make_exception_ptr(Error(ErrorCode::busy, "the local generator is shutting down"));
    for (auto& r : active_) finish(*r, llm::FinishReason::stop, error);
    active_.clear();
    std::deque<std::shared_ptr<Request>> queued;
    {
        std::lock_guard lock(mutex_);
        queued.swap(queue_);
    }
    for (auto& r : queued) finish(*r, llm::FinishReason::stop, error);
}

}  // namespace deskside::generation
