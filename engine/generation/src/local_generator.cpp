#include "generation/local_generator.h"

#include <chrono>
#include <optional>

#include "base/error.h"
#include "request.h"
#include "scheduler.h"

namespace deskside::generation {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void check_options(const LocalGeneratorOptions& o, int max_sequences) {
    auto fail = [](const std::string& what) {
        throw Error(ErrorCode::invalid_argument, "local generator: " + what);
    };
    if (o.parallel < 1) fail("parallel must be at least 1, got " + std::to_string(o.parallel));
    if (o.max_queue < 0) fail("max_queue must be >= 0, got " + std::to_string(o.max_queue));
    if (o.batch_tokens < 1) {
        fail("batch_tokens must be at least 1, got " + std::to_string(o.batch_tokens));
    }
    if (o.parallel > max_sequences) {
        fail("parallel " + std::to_string(o.parallel) + " exceeds the model's " +
             std::to_string(max_sequences) + " sequences (DecoderOptions::max_sequences)");
    }
}

// How often a waiting request asks its caller whether it is still wanted.
constexpr std::chrono::milliseconds kStillWantedPoll{100};

// Sets the request's cancel flag on every way out of generate(): a callback that said stop, one
// that threw, or an error while waiting; the scheduler then frees the slot at its next step.
class CancelOnExit {
  public:
    explicit CancelOnExit(Request& r) : r_(r) {}
    ~CancelOnExit() { r_.cancelled.store(true); }
    CancelOnExit(const CancelOnExit&) = delete;
    CancelOnExit& operator=(const CancelOnExit&) = delete;

  private:
    Request& r_;
};

}  // namespace

struct LocalGenerator::Impl {
    Impl(decoder::DecoderModel m, const LocalGeneratorOptions& options)
        : model(std::move(m)),
          tokenizer(tokenizer::make_tokenizer(model.file())),
          chat(ChatTemplate::from_gguf(model.file())),
          name(model.file().path().filename().string()),
          scheduler(model, *tokenizer, options) {}

    decoder::DecoderModel model;
    std::unique_ptr<tokenizer::Tokenizer> tokenizer;
    ChatTemplate chat;
    std::string name;
    Scheduler scheduler;  // last: its thread uses everything above
};

LocalGenerator::LocalGenerator(decoder::DecoderModel model, const LocalGeneratorOptions& options) {
    check_options(options, model.options().max_sequences);
    impl_ = std::make_unique<Impl>(std::move(model), options);
}

LocalGenerator::~LocalGenerator() = default;

std::string LocalGenerator::model_name() const {
    return impl_->name;
}

int LocalGenerator::context_tokens() const {
    return impl_->model.options().context;
}

int LocalGenerator::count_tokens(std::string_view text) const {
    return static_cast<int>(impl_->tokenizer->encode(text, false, false).size());
}

const ChatTemplate& LocalGenerator::chat_template() const {
    return impl_->chat;
}
const tokenizer::Tokenizer& LocalGenerator::tokenizer() const {
    return *impl_->tokenizer;
}
const decoder::DecoderConfig& LocalGenerator::config() const {
    return impl_->model.config();
}
GeneratorStats LocalGenerator::stats() const {
    return impl_->scheduler.stats();
}

llm::GenerationResult LocalGenerator::generate(const llm::GenerationRequest& request,
                                               const llm::TextCallback& on_text) {
    const auto start = Clock::now();
    if (request.messages.empty()) {
        throw Error(ErrorCode::invalid_argument, "generation request has no messages");
    }
    if (request.max_tokens < 1) {
        throw Error(ErrorCode::invalid_argument,
                    "max_tokens must be at least 1, got " + std::to_string(request.max_tokens));
    }
    // Formatting and tokenizing happen here, on the caller's thread, not the scheduler's.
    const std::string prompt = impl_->chat.apply(request.messages, /*add_assistant=*/true);
    std::vector<std::int32_t> ids = impl_->tokenizer->encode(prompt, true, true);
    const int context = context_tokens();
    if (ids.empty()) throw Error(ErrorCode::invalid_argument, "the prompt has no tokens");
    if (static_cast<int>(ids.size()) >= context) {
        throw Error(ErrorCode::invalid_argument,
                    "the prompt is " + std::to_string(ids.size()) + " tokens; " + impl_->name +
                        " runs with a context of " + std::to_string(context) +
                        " tokens (prompt and answer together): shorten the prompt");
    }

    llm::GenerationResult result;
    result.prompt_tokens = static_cast<int>(ids.size());
    auto r = std::make_shared<Request>(*impl_->tokenizer, std::move(ids), request);
    for (std::int32_t id : r->prompt) r->sampler.accept(id);  // the penalty sees the prompt too
    impl_->scheduler.submit(r);
    CancelOnExit cancel_on_exit(*r);

    bool first = true;
    for (;;) {
        std::string piece;
        bool done;
        {
            std::unique_lock lock(r->mutex);
            const auto has_news = [&] { return !r->text.empty() || r->done; };
            if (request.still_wanted) {
                while (!r->ready.wait_for(lock, kStillWantedPoll, has_news)) {
                    lock.unlock();
                    const bool wanted = request.still_wanted();
                    lock.lock();
                    if (!wanted) break;
                }
                if (!has_news()) {
                    result.finish = llm::FinishReason::cancelled;
                    break;  // CancelOnExit withdraws it from the queue or its slot
                }
            } else {
                r->ready.wait(lock, has_news);
            }
            piece.swap(r->text);
            done = r->done;
        }
        if (!piece.empty()) {
            if (first) {
                result.first_token_ms = ms_since(start);
                first = false;
            }
            result.text += piece;
            if (on_text && !on_text(piece)) {
                result.finish = llm::FinishReason::cancelled;
                break;
            }
        }
        if (done) {
            if (r->error) std::rethrow_exception(r->error);
            result.finish = r->finish;
            break;
        }
    }
    result.generated_tokens = r->generated_count.load();
    result.total_ms = ms_since(start);
    if (first) result.first_token_ms = result.total_ms;
    return result;
}

std::unique_ptr<LocalGenerator> open_local_generator_typed(const LocalGeneratorOptions& options) {
    if (options.model_path.empty()) {
        throw Error(ErrorCode::invalid_argument, "local generator: no model path given");
    }
    if (options.parallel < 1) {
        throw Error(ErrorCode::invalid_argument,
                    "local generator: parallel must be at least 1, got " +
                        std::to_string(options.parallel));
    }
    decoder::DecoderOptions d;
    d.context = options.context;
    d.max_sequences = options.parallel;
    d.threads = options.threads;
    d.check_memory = options.check_memory;
    return std::make_unique<LocalGenerator>(decoder::DecoderModel::open(options.model_path, d),
                                            options);
}

std::unique_ptr<llm::TextGenerator> open_local_generator(const LocalGeneratorOptions& options) {
    return open_local_generator_typed(options);
}

}  // namespace deskside::generation
