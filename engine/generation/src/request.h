// One generate() call as the scheduler sees it: the prompt and the per-sequence machinery
// (sampler, streaming detokenizer, stop strings, KV sequence), plus the mailbox through which
// the scheduler hands text to the calling thread.
//
// Threads: the fields under "scheduler only" are touched by the scheduler thread alone once the
// request is submitted (the sequence must also be destroyed there); the mailbox is guarded by
// `mutex`; `cancelled` and `generated_count` are atomics either side may read.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "decoder/decoder_model.h"
#include "generation/sampler.h"
#include "generation/stop_matcher.h"
#include "llm/text_generator.h"
#include "tokenizer/text_stream.h"

namespace deskside::generation {

struct Request {
    Request(const tokenizer::Tokenizer& tokenizer, std::vector<std::int32_t> prompt_ids,
            const llm::GenerationRequest& request)
        : prompt(std::move(prompt_ids)),
          max_tokens(request.max_tokens),
          sampler(request.sampling),
          stop(request.stop),
          stream(tokenizer) {}

    // Fixed before submission.
    const std::vector<std::int32_t> prompt;
    const int max_tokens;

    // Scheduler only.
    Sampler sampler;
    StopMatcher stop;
    tokenizer::TextStream stream;
    std::optional<decoder::Sequence> sequence;
    std::size_t prefilled = 0;     // prompt tokens already in the cache
    std::int32_t next_token = -1;  // sampled, to be fed at the next step
    int generated = 0;

    // Either side.
    std::atomic<bool> cancelled{false};  // set by the caller (callback said stop, or it threw)
    std::atomic<int> generated_count{0};

    // Mailbox, under `mutex`.
    std::mutex mutex;
    std::condition_variable ready;
    std::string text;  // produced but not yet taken by the caller
    bool done = false;
    llm::FinishReason finish = llm::FinishReason::stop;
    std::exception_ptr error;
};

}  // namespace deskside::generation
