// LocalGenerator on the real shared models: greedy output equals the decoder's own greedy loop,
// concurrent requests equal their single runs, cancelling one leaves the others intact, a full
// queue answers busy, seeded sampling is reproducible, and the chat models start their answers
// where llama.cpp does.
#include "generation/local_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "base/error.h"
#include "test_support.h"

namespace deskside::generation {
namespace {

namespace fs = std::filesystem;
using deskside::testing::read_file;
using deskside::testing::shared_dir;

fs::path models() {
    return shared_dir() / "models";
}
fs::path stories() {
    return models() / "stories260K.gguf";
}
fs::path qwen2() {
    return models() / "synthetic/tiny-qwen2-synthetic-Q8_0.gguf";
}

LocalGeneratorOptions options_for(const fs::path& model, int parallel, int max_queue = 16,
                                  int context = 512) {
    LocalGeneratorOptions o;
    o.model_path = model;
    o.threads = 2;
    o.context = context;
    o.parallel = parallel;
    o.max_queue = max_queue;
    return o;
}

llm::GenerationRequest ask(const std::string& user, int max_tokens) {
    llm::GenerationRequest r;
    r.messages = {{"user", user}};
    r.max_tokens = max_tokens;
    r.sampling.temperature = 0.0f;
    return r;
}

std::vector<std::string> prompts() {
    return {"Once upon a time",
            "Lily wanted to play with her",
            "The little dog",
            "One day, a boy named Tom went to the park. He saw",
            "Hello",
            "The sun was shining and the birds",
            "Tim and Sue found a big red ball",
            "Mom said"};
}

struct Greedy {
    std::vector<std::int32_t> ids;  // generated, an end-of-generation token included
    std::string text;
    bool hit_eog = false;
    int prompt_tokens = 0;
};

// The decoder's own greedy loop, one sequence, no scheduler: the reference for LocalGenerator.
Greedy decoder_greedy(const fs::path& model_path, const std::string& user, int max_tokens) {
    decoder::DecoderOptions o;
    o.context = 512;
    o.threads = 2;
    auto model = decoder::DecoderModel::open(model_path, o);
    auto tok = tokenizer::make_tokenizer(model.file());
    const auto chat = ChatTemplate::from_gguf(model.file());
    const std::vector<llm::ChatMessage> messages = {{"user", user}};
    const auto prompt = tok->encode(chat.apply(messages), true, true);
    auto seq = model.new_sequence();
    Greedy g;
    g.prompt_tokens = static_cast<int>(prompt.size());
    std::vector<std::int32_t> feed = prompt;
    std::vector<std::int32_t> text_ids;
    for (int step = 0; step < max_tokens; ++step) {
        const decoder::SequenceBatch entry{&seq, feed, false};
        const auto logits = model.forward(std::span(&entry, 1));
        const auto row = logits.last(0);
        const auto id =
            static_cast<std::int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
        g.ids.push_back(id);
        if (tok->is_eog(id)) {
            g.hit_eog = true;
            break;
        }
        text_ids.push_back(id);
        feed = {id};
    }
    g.text = tok->detokenize(text_ids);
    return g;
}

TEST(LocalGenerator, GreedyEqualsTheDecodersOwnGreedyLoop) {
    auto gen = open_local_generator_typed(options_for(stories(), 2));
    EXPECT_EQ(gen->model_name(), "stories260K.gguf");
    EXPECT_EQ(gen->context_tokens(), 512);
    EXPECT_TRUE(gen->chat_template().is_fallback());  // stories260K has no template: chatml
    for (const auto& p : prompts()) {
        SCOPED_TRACE(p);
        const Greedy ref = decoder_greedy(stories(), p, 48);
        std::string streamed;
        const auto result = gen->generate(ask(p, 48), [&](std::string_view piece) {
            EXPECT_FALSE(piece.empty());
            streamed += piece;
            return true;
        });
        EXPECT_EQ(result.text, ref.text);
        EXPECT_EQ(streamed, result.text);
        EXPECT_EQ(result.generated_tokens, static_cast<int>(ref.ids.size()));
        EXPECT_EQ(result.prompt_tokens, ref.prompt_tokens);
        EXPECT_EQ(result.finish, ref.hit_eog ? llm::FinishReason::stop : llm::FinishReason::length);
        EXPECT_GE(result.total_ms, result.first_token_ms);
    }
}

// Runs every request on its own thread, all released together.
std::vector<llm::GenerationResult> run_concurrently(llm::TextGenerator& gen,
                                                    const std::vector<llm::GenerationRequest>& rs) {
    std::vector<llm::GenerationResult> out(rs.size());
    std::barrier start(static_cast<std::ptrdiff_t>(rs.size()));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < rs.size(); ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            out[i] = gen.generate(rs[i], nullptr);
        });
    }
    for (auto& t : threads) t.join();
    return out;
}

TEST(LocalGenerator, ConcurrentRequestsEachEqualTheirSingleResult) {
    auto gen = open_local_generator_typed(options_for(stories(), 4));
    std::vector<llm::GenerationRequest> requests;
    for (const auto& p : prompts()) requests.push_back(ask(p, 40));
    std::vector<llm::GenerationResult> single;
    for (const auto& r : requests) single.push_back(gen->generate(r, nullptr));

    const auto before = gen->stats();
    const auto together = run_concurrently(*gen, requests);
    const auto after = gen->stats();
    std::uint64_t tokens = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        SCOPED_TRACE(prompts()[i]);
        EXPECT_EQ(together[i].text, single[i].text);
        EXPECT_EQ(together[i].generated_tokens, single[i].generated_tokens);
        EXPECT_EQ(together[i].finish, single[i].finish);
        tokens += static_cast<std::uint64_t>(together[i].generated_tokens);
    }
    EXPECT_EQ(after.generated_tokens - before.generated_tokens, tokens);
    EXPECT_EQ(after.finished_requests - before.finished_requests, requests.size());
    // Batching: far fewer forward passes than tokens (8 requests in 4 slots).
    EXPECT_LT(after.steps - before.steps, tokens * 3 / 4);
    EXPECT_EQ(after.active, 0);
    EXPECT_EQ(after.queued, 0);
}

TEST(LocalGenerator, CancellingOneLeavesTheOthersIntact) {
    auto gen = open_local_generator_typed(options_for(stories(), 4));
    const auto ps = prompts();
    std::vector<llm::GenerationResult> single;
    for (int i = 0; i < 4; ++i) single.push_back(gen->generate(ask(ps[i], 40), nullptr));

    std::vector<llm::GenerationResult> out(4);
    std::string delivered;  // what the cancelled request's callback saw
    std::barrier start(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            int calls = 0;
            out[i] = gen->generate(ask(ps[i], 40), [&, i](std::string_view piece) {
                if (i != 1) return true;
                delivered += piece;
                return ++calls < 3;  // the 3rd piece cancels
            });
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(out[1].finish, llm::FinishReason::cancelled);
    EXPECT_EQ(out[1].text, delivered);
    EXPECT_TRUE(single[1].text.starts_with(out[1].text));
    EXPECT_LT(out[1].text.size(), single[1].text.size());
    for (int i : {0, 2, 3}) {
        EXPECT_EQ(out[i].text, single[i].text) << ps[i];
        EXPECT_EQ(out[i].finish, single[i].finish);
    }
    // The cancelled sequence gave its slot back.
    for (int i = 0; i < 200 && gen->stats().active != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(gen->stats().active, 0);
}

TEST(LocalGenerator, ACallbackThatThrowsCancelsItsSequence) {
    auto gen = open_local_generator_typed(options_for(stories(), 1, 0));
    EXPECT_THROW(gen->generate(ask("Hello", 100),
                               [](std::string_view) -> bool { throw std::runtime_error("gone"); }),
                 std::runtime_error);
    // The slot comes back: with one slot and no queue, the next request must get in.
    for (int i = 0; i < 200 && gen->stats().active != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_NO_THROW(gen->generate(ask("Hello", 4), nullptr));
}

TEST(LocalGenerator, AFullQueueAnswersBusyAndWaitingRequestsRunInArrivalOrder) {
    // One slot, two waiting places. A holds the slot until the test lets it go (its callback
    // cancels it then; the synthetic qwen2 model emits no end token in the reference runs, so
    // A would otherwise run for hundreds of tokens); B and C queue in that order; D is refused.
    // Once A goes, B must start before C. The scheduler runs on its own, so an attempt in which
    // A ended by itself before the queue was full is retried.
    auto gen = open_local_generator_typed(options_for(qwen2(), 1, 2));
    bool checked = false;
    for (int attempt = 0; attempt < 5 && !checked; ++attempt) {
        std::promise<void> a_started;
        std::atomic<bool> a_signalled{false}, release_a{false};
        auto a = std::async(std::launch::async, [&] {
            return gen->generate(ask("Tell me a long story.", 480), [&](std::string_view) {
                if (!a_signalled.exchange(true)) a_started.set_value();
                return !release_a.load();
            });
        });
        a_started.get_future().wait();

        std::mutex order_mutex;
        std::vector<char> order;  // which of B and C produced text first
        auto queued = [&](char name, const char* text) {
            const int before = gen->stats().queued;
            auto f = std::async(std::launch::async, [&, name, text] {
                bool first = true;
                return gen->generate(ask(text, 4), [&, name](std::string_view) {
                    if (first) {
                        std::lock_guard lock(order_mutex);
                        order.push_back(name);
                        first = false;
                    }
                    return true;
                });
            });
            while (gen->stats().queued == before &&
                   a.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
                std::this_thread::yield();
            }
            return f;
        };
        auto b = queued('B', "Hi");
        auto c = queued('C', "Hello there");

        bool refused = false;
        try {
            gen->generate(ask("One more", 4), nullptr);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::busy);
            EXPECT_NE(std::string(e.what()).find("busy"), std::string::npos) << e.what();
            refused = true;
        }
        release_a = true;
        const auto ra = a.get();
        b.get();
        c.get();
        if (ra.finish != llm::FinishReason::cancelled) continue;  // A ended early: retry
        EXPECT_TRUE(refused);
        EXPECT_EQ(order, (std::vector<char>{'B', 'C'}));
        checked = true;
    }
    EXPECT_TRUE(checked);
}

TEST(LocalGenerator, ARequestWithdrawnWhileQueuedLeavesWithoutWaitingItsTurn) {
    // One slot, held by A until the test lets it go. B queues behind it, then its caller says
    // it is no longer wanted (a client that left): B must come back cancelled, with no text,
    // while A still holds the slot, and its queue place must be free again.
    auto gen = open_local_generator_typed(options_for(qwen2(), 1, 1));
    bool checked = false;
    for (int attempt = 0; attempt < 5 && !checked; ++attempt) {
        std::promise<void> a_started;
        std::atomic<bool> a_signalled{false}, release_a{false}, b_wanted{true};
        auto a = std::async(std::launch::async, [&] {
            return gen->generate(ask("Tell me a long story.", 480), [&](std::string_view) {
                if (!a_signalled.exchange(true)) a_started.set_value();
                return !release_a.load();
            });
        });
        a_started.get_future().wait();
        auto b = std::async(std::launch::async, [&] {
            llm::GenerationRequest r = ask("Hi", 8);
            r.still_wanted = [&] { return b_wanted.load(); };
            return gen->generate(r, [](std::string_view) { return true; });
        });
        while (gen->stats().queued == 0 &&
               a.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            std::this_thread::yield();
        }
        b_wanted = false;
        const bool b_back = b.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        // The scheduler drops a withdrawn request at its next step (A keeps it stepping).
        for (int i = 0; i < 1000 && gen->stats().queued != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const int queued_after = gen->stats().queued;
        const bool a_still_running =
            a.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
        release_a = true;
        const auto ra = a.get();
        const auto rb = b.get();
        if (ra.finish != llm::FinishReason::cancelled || !a_still_running) continue;  // A ended
        EXPECT_TRUE(b_back);
        EXPECT_EQ(rb.finish, llm::FinishReason::cancelled);
        EXPECT_EQ(rb.text, "");
        EXPECT_EQ(rb.generated_tokens, 0);
        EXPECT_EQ(queued_after, 0);
        checked = true;
    }
    EXPECT_TRUE(checked);
}

TEST(LocalGenerator, SeededSamplingIsReproducible) {
    auto gen = open_local_generator_typed(options_for(stories(), 2));
    auto sampled = [&](std::uint64_t seed) {
        auto r = ask("Once upon a time", 64);
        r.sampling.temperature = 0.9f;
        r.sampling.top_k = 40;
        r.sampling.top_p = 0.95f;
        r.sampling.min_p = 0.05f;
        r.sampling.repeat_penalty = 1.1f;
        r.sampling.seed = seed;
        return gen->generate(r, nullptr);
    };
    const auto a = sampled(42);
    const auto b = sampled(42);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.generated_tokens, b.generated_tokens);
    EXPECT_NE(sampled(43).text, a.text);
    EXPECT_NE(a.text, gen->generate(ask("Once upon a time", 64), nullptr).text);  // not greedy
}

TEST(LocalGenerator, MaxTokensAndStopStringsEndTheAnswer) {
    auto gen = open_local_generator_typed(options_for(stories(), 1));
    const auto full = gen->generate(ask("Once upon a time", 40), nullptr);
    ASSERT_EQ(full.finish, llm::FinishReason::length);
    const auto five = gen->generate(ask("Once upon a time", 5), nullptr);
    EXPECT_EQ(five.generated_tokens, 5);
    EXPECT_EQ(five.finish, llm::FinishReason::length);
    EXPECT_TRUE(full.text.starts_with(five.text));

    // A stop string taken from the middle of the full answer cuts it right there.
    const std::size_t at = full.text.find(' ', full.text.size() / 2);
    ASSERT_NE(at, std::string::npos);
    const std::string stop = full.text.substr(at, 4);
    auto r = ask("Once upon a time", 40);
    r.stop = {"never appears \x01", stop};
    std::string streamed;
    const auto cut = gen->generate(r, [&](std::string_view p) {
        streamed += p;
        return true;
    });
    EXPECT_EQ(cut.finish, llm::FinishReason::stop);
    EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(stop)));
    EXPECT_EQ(streamed, cut.text);  // no part of the stop string was streamed
    EXPECT_LT(cut.generated_tokens, full.generated_tokens);
}

TEST(LocalGenerator, RefusesRequestsTheModelCannotTake) {
    auto gen = open_local_generator_typed(options_for(stories(), 1, 4, 64));
    auto expect_invalid = [&](const llm::GenerationRequest& r, const std::string& needle) {
        try {
            gen->generate(r, nullptr);
            ADD_FAILURE() << "no error for " << needle;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    std::string long_text;
    for (int i = 0; i < 40; ++i) long_text += "The little dog ran. ";
    const std::string prompt =
        gen->chat_template().apply(std::vector<llm::ChatMessage>{{"user", long_text}});
    const auto n = gen->tokenizer().encode(prompt, true, true).size();
    ASSERT_GT(n, 64u);
    expect_invalid(ask(long_text, 8), std::to_string(n) + " tokens");
    expect_invalid(ask(long_text, 8), "context of 64");
    expect_invalid(ask("Hi", 0), "max_tokens");
    expect_invalid(llm::GenerationRequest{}, "no messages");
    auto bad_role = ask("Hi", 4);
    bad_role.messages[0].role = "tool";
    expect_invalid(bad_role, "role");
    auto bad_sampling = ask("Hi", 4);
    bad_sampling.sampling.top_p = 2.0f;
    expect_invalid(bad_sampling, "top_p");
    auto bad_stop = ask("Hi", 4);
    bad_stop.stop = {"\xff"};
    expect_invalid(bad_stop, "UTF-8");
    // A prompt that fits with room to spare still runs, up to the context.
    const auto r = gen->generate(ask("Hi", 1000), nullptr);
    EXPECT_LE(r.prompt_tokens + r.generated_tokens, 64 + 1);
}

TEST(LocalGenerator, OptionsAndFilesAreChecked) {
    auto code_of = [](const LocalGeneratorOptions& o) {
        try {
            open_local_generator(o);
        } catch (const Error& e) {
            return e.code();
        }
        return ErrorCode::internal;
    };
    EXPECT_EQ(code_of(options_for(models() / "no-such-model.gguf", 1)), ErrorCode::not_found);
    EXPECT_EQ(code_of(options_for(stories(), 0)), ErrorCode::invalid_argument);
    EXPECT_EQ(code_of(options_for(stories(), 1, -1)), ErrorCode::invalid_argument);
    EXPECT_EQ(code_of(options_for(models() / "vocab/ggml-vocab-gpt-2.gguf", 1)),
              ErrorCode::unsupported);
    auto gen = open_local_generator(options_for(stories(), 1));
    EXPECT_EQ(gen->count_tokens("Once upon a time"), 4);
}

TEST(LocalGenerator, ChatModelsStartWhereLlamaCppDoes) {
    // The `chat` references: the prompt tokens through the whole pipeline, and the first
    // greedy token wherever llama.cpp's top two logits are at least 1e-2 apart.
    for (const char* name : {"tiny-qwen2-synthetic-Q8_0", "tiny-qwen3-synthetic-Q4_K_M",
                             "tiny-llama3-synthetic-Q5_K_M"}) {
        SCOPED_TRACE(name);
        auto gen = open_local_generator_typed(
            options_for(models() / "synthetic" / (std::string(name) + ".gguf"), 1));
        EXPECT_FALSE(gen->chat_template().is_fallback());
        const auto ref = nlohmann::json::parse(
            read_file(models() / "reference" / (std::string(name) + ".json")))["chat"]["cases"];
        int checked = 0;
        for (const auto& c : ref) {
            llm::GenerationRequest r;
            for (const auto& m : c["messages"]) {
                r.messages.push_back(
                    {m["role"].get<std::string>(), m["content"].get<std::string>()});
            }
            r.max_tokens = 1;
            const auto result = gen->generate(r, nullptr);
            EXPECT_EQ(result.prompt_tokens, static_cast<int>(c["prompt_ids"].size()));
            const auto& top = c["top5_first_step"];
            if (top[0]["logit"].get<double>() - top[1]["logit"].get<double>() < 1e-2) continue;
            const std::int32_t first = c["generated_ids"][0].get<std::int32_t>();
            EXPECT_EQ(result.text, gen->tokenizer().detokenize(std::vector<std::int32_t>{first}));
            ++checked;
        }
        EXPECT_GT(checked, 0);
    }
}

}  // namespace
}  // namespace deskside::generation
