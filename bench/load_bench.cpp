// deskside_load_bench: the service under load. Indexes the shared office corpus into a temporary
// data directory with the real `deskside` binary, starts `deskside serve` on a free loopback
// port, and drives GET /api/search from 1, 8 and 64 concurrent clients (each a keep-alive
// connection sending its next request as soon as the last one is answered) for a fixed time per
// level. Then it times the first answer token of POST /api/ask (streamed, extractive answerer).
// Prints JSON: per level the requests per second, p50/p99 latency and failed requests.
//
// Usage: deskside_load_bench [--seconds S] [--clients 1,8,64] [--corpus DIR] [--binary PATH]
// Targets (issue 5): no failed request at 64 clients; search p99 under 50 ms at 8 clients;
// the first token of an extractive answer under 100 ms.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "bench_support.h"

namespace {

using namespace deskside::bench;
using Clock = std::chrono::steady_clock;

std::vector<int> parse_list(const std::string& text) {
    std::vector<int> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
    return out;
}

// Runs a program to completion; throws when it cannot start or exits non-zero.
void run_program(const std::vector<std::string>& args) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1))
        throw std::runtime_error("command failed: " + args[0] + " " + args[1]);
}

// A child process killed and reaped on destruction: the server under test.
class Server {
  public:
    Server(const std::vector<std::string>& args) {
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            std::vector<char*> argv;
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~Server() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

  private:
    pid_t pid_ = -1;
};

// A port that was free a moment ago (bound to 0, then released).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot bind a loopback port");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

struct Reply {
    int status = 0;
    std::string body;
};

Reply get(Poco::Net::HTTPClientSession& session, const std::string& target) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Reply reply;
    reply.status = response.getStatus();
    reply.body.assign(std::istreambuf_iterator<char>(in), {});
    return reply;
}

std::string encode(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "&=+?#", out);
    return out;
}

// Queries made of words the corpus holds: words of the snippets that a few seed searches return,
// alone and in pairs, so every request does real work (postings, snippets, highlights).
std::vector<std::string> make_queries(Poco::Net::HTTPClientSession& session) {
    std::set<std::string> words;
    for (const char* seed : {"report", "project", "data", "document", "the", "system", "time",
                             "information", "work", "page"}) {
        Reply reply = get(session, "/api/search?limit=20&q=" + encode(seed));
        if (reply.status != 200) continue;
        auto json = nlohmann::json::parse(reply.body, nullptr, false);
        if (!json.contains("results")) continue;
        for (const auto& hit : json["results"]) {
            std::string snippet = hit.value("snippet", "");
            std::string word;
            for (char c : snippet + " ") {
                if (std::isalpha(static_cast<unsigned char>(c))) {
                    word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                } else {
                    if (word.size() >= 5 && word.size() <= 12) words.insert(word);
                    word.clear();
                }
            }
        }
    }
    std::vector<std::string> single(words.begin(), words.end());
    std::vector<std::string> queries = single;
    for (std::size_t i = 0; i + 7 < single.size(); i += 7)
        queries.push_back(single[i] + " " + single[i + 7]);
    if (queries.empty()) throw std::runtime_error("the seed searches found nothing to query");
    return queries;
}

struct LevelResult {
    int clients = 0;
    std::int64_t requests = 0;
    std::int64_t failed = 0;
    double seconds = 0;
    std::vector<double> latencies_ms;
    std::string first_failure;
};

LevelResult run_level(int port, int clients, double seconds,
                      const std::vector<std::string>& queries) {
    LevelResult result;
    result.clients = clients;
    std::mutex mutex;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const auto started = Clock::now();
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
            session.setTimeout(Poco::Timespan(30, 0));
            std::vector<double> latencies;
            std::int64_t failed = 0;
            std::string failure;
            for (std::size_t i = static_cast<std::size_t>(c) * 13; !stop.load(); ++i) {
                const std::string& q = queries[i % queries.size()];
                auto t0 = Clock::now();
                try {
                    Reply reply = get(session, "/api/search?limit=10&q=" + encode(q));
                    if (reply.status != 200) {
                        ++failed;
                        if (failure.empty())
                            failure =
                                std::to_string(reply.status) + " " + reply.body.substr(0, 200);
                    }
                } catch (const std::exception& e) {
                    ++failed;
                    if (failure.empty()) failure = e.what();
                    session.reset();
                }
                latencies.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            }
            std::lock_guard lock(mutex);
            result.requests += static_cast<std::int64_t>(latencies.size());
            result.failed += failed;
            if (result.first_failure.empty()) result.first_failure = failure;
            result.latencies_ms.insert(result.latencies_ms.end(), latencies.begin(),
                                       latencies.end());
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    result.seconds = seconds_since(started);
    return result;
}

// Milliseconds from sending POST /api/ask (stream) to the first `event: token`; -1 when the
// service has no such route or sent no token.
double first_token_ms(int port, const std::string& question) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(60, 0));
    nlohmann::json body = {{"question", question}, {"stream", true}};
    std::string text = body.dump();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/api/ask",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
    auto t0 = Clock::now();
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    if (response.getStatus() != 200) return -1;
    double first = -1;
    for (std::string line; std::getline(in, line);) {
        if (first < 0 && line.rfind("event: token", 0) == 0)
            first = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
    return first;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 10;
    std::vector<int> levels = {1, 8, 64};
    fs::path corpus = default_corpus();
    std::string binary = DESKSIDE_BINARY;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--seconds")
            seconds = std::stod(argv[i + 1]);
        else if (flag == "--clients")
            levels = parse_list(argv[i + 1]);
        else if (flag == "--corpus")
            corpus = argv[i + 1];
        else if (flag == "--binary")
            binary = argv[i + 1];
        else {
            std::cerr << "usage: deskside_load_bench [--seconds S] [--clients 1,8,64] "
                         "[--corpus DIR] [--binary PATH]\n";
            return 2;
        }
    }
    ::signal(SIGPIPE, SIG_IGN);
    try {
        TempDir tmp("deskside-load");
        const std::string data = (tmp.path() / "data").string();
        std::cerr << "load_bench: indexing " << corpus << "\n";
        run_program({binary, "index", corpus.string(), "--data", data, "--quiet", "--ocr=false"});
        const int port = free_port();
        Server server({binary, "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--data",
                       data, "--log-level", "error"});
        Poco::Net::HTTPClientSession probe("127.0.0.1", static_cast<Poco::UInt16>(port));
        bool up = false;
        for (int attempt = 0; attempt < 200 && !up; ++attempt) {
            try {
                up = get(probe, "/api/health").status == 200;
            } catch (const std::exception&) {
                probe.reset();
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        if (!up) throw std::runtime_error("the server did not come up");
        std::vector<std::string> queries = make_queries(probe);
        std::cerr << "load_bench: " << queries.size() << " distinct queries\n";
        run_level(port, 2, 1.0, queries);  // warm the searchers and the page cache

        JsonWriter out;
        out.begin_object();
        out.key("corpus").value(corpus.string());
        out.key("seconds_per_level").value(seconds, 1);
        out.key("distinct_queries").value(static_cast<std::int64_t>(queries.size()));
        out.key("search").begin_object();
        for (int clients : levels) {
            std::cerr << "load_bench: " << clients << " clients\n";
            LevelResult level = run_level(port, clients, seconds, queries);
            out.key(std::to_string(clients) + "_clients").begin_object();
            out.key("requests").value(level.requests);
            out.key("failed").value(level.failed);
            out.key("qps").value(static_cast<double>(level.requests) / level.seconds, 1);
            out.key("p50_ms").value(quantile(level.latencies_ms, 0.5), 2);
            out.key("p99_ms").value(quantile(level.latencies_ms, 0.99), 2);
            out.key("max_ms").value(quantile(level.latencies_ms, 1.0), 2);
            if (!level.first_failure.empty()) out.key("first_failure").value(level.first_failure);
            out.end_object();
        }
        out.end_object();

        std::vector<double> first_tokens;
        for (const char* question :
             {"What is the Project Gutenberg license?", "Who wrote Rashomon?",
              "What does the report say about the budget?", "When was the meeting held?",
              "What are the terms of the agreement?", "How is the data collected?",
              "What is the purpose of this document?", "Which countries are mentioned?"}) {
            double ms = first_token_ms(port, question);
            if (ms >= 0) first_tokens.push_back(ms);
        }
        out.key("ask_first_token").begin_object();
        out.key("answerer").value("extractive");
        out.key("questions").value(static_cast<std::int64_t>(first_tokens.size()));
        if (first_tokens.empty()) {
            out.key("note").value("no streamed token: /api/ask missing or answered nothing");
        } else {
            out.key("p50_ms").value(quantile(first_tokens, 0.5), 2);
            out.key("max_ms").value(quantile(first_tokens, 1.0), 2);
        }
        out.end_object();
        out.end_object();
        std::cout << out.str() << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "load_bench: " << e.what() << "\n";
        return 1;
    }
}
