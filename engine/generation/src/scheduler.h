// The scheduler behind LocalGenerator: a bounded FIFO of requests, up to `parallel` admitted
// sequences, and one thread that owns the model and runs one batched forward pass per step
// (every decoding sequence feeds one token; prompts are prefilled in chunks that share the rest
// of the step's token budget, taking turns).
//
// submit() may be called from any thread and throws Error(busy) when parallel + max_queue
// requests are in, or after shutdown began. The destructor stops the thread; requests still in
// end with Error(busy). A forward pass that throws ends the requests of that step with its error.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "decoder/decoder_model.h"
#include "generation/local_generator.h"
#include "request.h"
#include "tokenizer/tokenizer.h"

namespace deskside::generation {

class Scheduler {
  public:
    // `model` and `tokenizer` must outlive the scheduler.
    Scheduler(decoder::DecoderModel& model, const tokenizer::Tokenizer& tokenizer,
              const LocalGeneratorOptions& options);
    ~Scheduler();

    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void submit(std::shared_ptr<Request> request);
    GeneratorStats stats() const;

  private:
    void run();
    // Moves queued requests into free slots (FIFO) and gives each a sequence.
    void admit();
    // One forward pass over every active sequence, then sampling where a row is due.
    void step();
    void on_token(Request& r, std::int32_t id);
    // Emits what the detokenizer and the stop matcher still hold.
    void release_tail(Request& r);
    void emit(Request& r, std::string text);
    void finish(Request& r, llm::FinishReason reason, std::exception_ptr error = nullptr);
    void shut_down();

    decoder::DecoderModel& model_;
    const tokenizer::Tokenizer& tokenizer_;
    const std::size_t parallel_;
    const std::size_t max_queue_;
    const int batch_tokens_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Request>> queue_;  // under mutex_
    std::size_t in_flight_ = 0;                   // queued + active, under mutex_
    bool stopping_ = false;                       // under mutex_

    // Scheduler thread only.
    std::vector<std::shared_ptr<Request>> active_;
    std::size_t turn_ = 0;  // which prefill goes first this step
    std::vector<decoder::SequenceBatch> batch_;
    std::vector<Request*> owners_;
    std::vector<std::size_t> chunks_;  // prompt tokens an entry feeds (0: a decode entry)
    decoder::Logits logits_;

    std::atomic<int> active_count_{0};
    std::atomic<std::uint64_t> steps_{0}, generated_{0}, prompt_tokens_{0}, finished_{0};

    std::thread thread_;  // last: starts once everything above exists
};

}  // namespace deskside::generation
