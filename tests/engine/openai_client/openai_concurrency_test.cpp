// OpenAiClient under load: never more than max_concurrent calls at the server, callers beyond
// that wait, and one more than max_queue is refused with Error(busy) before reaching it.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "fake_server.h"
#include "openai_client/openai_client.h"

namespace deskside::openai_client {
namespace {

using deskside::testing::chunk_event;
using deskside::testing::eventually;
using deskside::testing::FakeServer;
using deskside::testing::finish_events;
using deskside::testing::RecordedRequest;
using deskside::testing::Reply;

// Counts the calls the server is working on; the count drops before the reply's last byte, so
// a client that starts its next call on seeing the end cannot be counted twice.
struct InFlight {
    std::atomic<int> now{0};
    std::atomic<int> most{0};
    void enter() {
        int n = ++now;
        for (int seen = most; n > seen && !most.compare_exchange_weak(seen, n);) {
        }
    }
    void leave() { --now; }
};

llm::GenerationRequest question(const std::string& text) {
    llm::GenerationRequest request;
    request.messages = {{"user", text}};
    return request;
}

OpenAiClientOptions options_for(const FakeServer& server, int max_concurrent, int max_queue) {
    OpenAiClientOptions options;
    options.server.base_url = server.base_url();
    options.server.model = "test-model";
    options.server.max_concurrent = max_concurrent;
    options.server.max_queue = max_queue;
    options.probe_context = false;
    return options;
}

TEST(OpenAiClientConcurrency, WaitsForASlotAndRefusesPastTheQueue) {
    FakeServer server;
    InFlight in_flight;
    std::mutex mutex;
    std::condition_variable released_cv;
    bool released = false;
    server.route("/v1/chat/completions", [&](const RecordedRequest& request, Reply& reply) {
        in_flight.enter();
        {
            std::unique_lock lock(mutex);
            released_cv.wait_for(lock, std::chrono::seconds(10), [&] { return released; });
        }
        auto out = reply.raw();
        out.head();
        out.chunk(chunk_event(request.json()["messages"][0]["content"].get<std::string>()));
        in_flight.leave();
        out.chunk(finish_events("stop", 1, 1));
        out.end();
    });
    OpenAiClient client(options_for(server, 2, 1));
    std::vector<std::string> answers(3);
    std::vector<std::thread> callers;
    for (int i = 0; i < 3; ++i)
        callers.emplace_back(
            [&, i] { answers[i] = client.generate(question("a" + std::to_string(i)), {}).text; });

    // Two calls reach the server; the third waits in the client.
    ASSERT_TRUE(eventually([&] { return in_flight.now == 2 && client.stats().queued == 1; }));
    EXPECT_EQ(client.stats().in_flight, 2);
    try {
        client.generate(question("refused"), {});
        ADD_FAILURE() << "a fourth call was let in";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::busy);
        EXPECT_NE(std::string(e.what()).find("llm.parallel 2, llm.max_queue 1"), std::string::npos)
            << e.what();
    }
    {
        std::lock_guard lock(mutex);
        released = true;
    }
    released_cv.notify_all();
    for (auto& caller : callers) caller.join();

    EXPECT_EQ(answers, (std::vector<std::string>{"a0", "a1", "a2"}));
    EXPECT_EQ(in_flight.most, 2);
    EXPECT_EQ(server.requests_to("/v1/chat/completions").size(), 3u);  // not the refused one
    EXPECT_EQ(client.stats().in_flight, 0);
    EXPECT_EQ(client.stats().queued, 0);
}

TEST(OpenAiClientConcurrency, ManyCallersNeverExceedTheLimit) {
    FakeServer server;
    InFlight in_flight;
    server.route("/v1/chat/completions", [&](const RecordedRequest& request, Reply& reply) {
        in_flight.enter();
        auto out = reply.raw();
        out.head();
        std::string text = request.json()["messages"][0]["content"];
        for (char c : text) {
            out.chunk(chunk_event(std::string(1, c)));
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        in_flight.leave();
        out.chunk(finish_events("stop", 1, static_cast<int>(text.size())));
        out.end();
    });
    OpenAiClient client(options_for(server, 3, 64));
    constexpr int kThreads = 8, kCalls = 4;
    std::atomic<int> wrong = 0;
    std::vector<std::thread> callers;
    for (int t = 0; t < kThreads; ++t)
        callers.emplace_back([&, t] {
            for (int c = 0; c < kCalls; ++c) {
                std::string text = "t";  // (built in steps: GCC 12 misreads "t" + to_string(t))
                text += std::to_string(t);
                text += 'c';
                text += std::to_string(c);
                std::string streamed;
                auto result = client.generate(question(text), [&](std::string_view piece) {
                    streamed += piece;
                    return true;
                });
                if (result.text != text || streamed != text ||
                    result.generated_tokens != static_cast<int>(text.size()))
                    ++wrong;
            }
        });
    for (auto& caller : callers) caller.join();
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(server.requests_to("/v1/chat/completions").size(),
              static_cast<std::size_t>(kThreads * kCalls));
    EXPECT_LE(in_flight.most, 3);
    EXPECT_GE(in_flight.most, 2);  // the calls did overlap
}

}  // namespace
}  // namespace deskside::openai_client
