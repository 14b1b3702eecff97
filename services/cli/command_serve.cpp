// `deskside serve`: runs the HTTP service (http/http_server.h) until SIGINT or SIGTERM, then
// stops it cleanly. Settings: serve.* (address, threads, page folder, upload limit, folders
// the API may index), data, and what search, answers and indexing use (embed.*, search.*,
// llm.*, answer.*, index.*), so that the service searches, answers and indexes exactly as the
// command line does.
#include <cblas.h>
#include <pthread.h>

#include <csignal>
#include <cstring>
#include <filesystem>

#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "cli/commands.h"
#include "http/http_server.h"
#include "store/data_dir.h"

namespace deskside::cli {

namespace {

// Blocks SIGINT and SIGTERM in the calling thread for its lifetime, so that threads started
// meanwhile (the server's workers) inherit the mask and the signals wait for sigwait().
class BlockedSignals {
  public:
    BlockedSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        if (int rc = pthread_sigmask(SIG_BLOCK, &set_, &previous_); rc != 0)
            throw Error(ErrorCode::internal,
                        std::string("cannot block SIGINT/SIGTERM: ") + std::strerror(rc));
    }
    ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;

    int wait() const {
        int signal = 0;
        while (sigwait(&set_, &signal) != 0) {
        }
        return signal;
    }

  private:
    sigset_t set_{};
    sigset_t previous_{};
};

// "PATH:PATH:..." (the PATH convention) into absolute folders that exist.
std::vector<std::filesystem::path> index_roots(const std::string& list) {
    std::vector<std::filesystem::path> roots;
    for (std::size_t start = 0; start <= list.size();) {
        std::size_t colon = list.find(':', start);
        if (colon == std::string::npos) colon = list.size();
        std::string item = list.substr(start, colon - start);
        start = colon + 1;
        if (item.empty()) continue;
        std::filesystem::path path(item);
        if (!path.is_absolute() || !std::filesystem::is_directory(path))
            throw Error(ErrorCode::invalid_argument,
                        "serve.index_roots: '" + item + "' is not an absolute path of a folder");
        roots.push_back(path.lexically_normal());
    }
    return roots;
}

}  // namespace

int command_serve(CommandContext& context) {
    CommandArgs args("serve", context.invocation.args);
    if (!args.finish().empty())
        throw Error(ErrorCode::invalid_argument,
                    "serve takes no arguments (see deskside serve --help)");
    const Settings& settings = context.invocation.settings;

    store::DataDir dir(settings.get_string("data"));
    dir.require_exists();
    std::int64_t threads = settings.get_int("serve.threads");
    if (threads < 1 || threads > 1024)
        throw Error(ErrorCode::invalid_argument,
                    "serve.threads must be from 1 to 1024, not " + std::to_string(threads));
    std::int64_t upload_mb = settings.get_int("serve.max_upload_mb");
    if (upload_mb < 1 || upload_mb > (1 << 20))
        throw Error(
            ErrorCode::invalid_argument,
            "serve.max_upload_mb must be from 1 to 1048576, not " + std::to_string(upload_mb));

    http::ServerOptions options;
    options.listen = settings.get_string("serve.listen");
    options.data_dir = dir.root();
    options.web_dir = settings.get_string("serve.web_dir");
    options.threads = static_cast<int>(threads);
    options.max_upload_bytes = upload_mb << 20;
    options.index_roots = index_roots(settings.get_string("serve.index_roots"));
    options.embedding = embedding_config(settings);
    options.hybrid = hybrid_options(settings);
    options.answer_passages = static_cast<int>(settings.get_int("answer.passages"));
    options.answer.max_tokens = static_cast<int>(settings.get_int("answer.max_tokens"));
    if (options.answer.max_tokens < 1)
        throw Error(ErrorCode::invalid_argument, "answer.max_tokens must be at least 1");
    options.index = index_options(settings);
    // The model is opened once and shared by every request (it bounds its own queue).
    options.generator = answer::open_text_generator(llm_config(settings));
    // /v1/embeddings serves the query embedder of this data directory's vectors; a data
    // directory without vectors (or with another model's) serves no embeddings, and says so.
    if (options.embedding.enabled) {
        try {
            options.embedder = vectors::open_query_embedder(dir, options.embedding);
        } catch (const Error& e) {
            context.log.warn("no /v1/embeddings", {{"message", e.what()}});
        }
    }

    // Each HTTP worker runs its own small BLAS calls (a query's exact vector scan); OpenBLAS's
    // own threads would serialise concurrent callers on its lock: measured with
    // deskside_load_bench, 8 clients gave fewer searches per second than 1.
    openblas_set_num_threads(1);
    // A browser that goes away mid-response must not kill the service.
    std::signal(SIGPIPE, SIG_IGN);
    BlockedSignals signals;
    http::HttpServer server(options, context.log.child("http"));
    server.start();
    std::string data = std::filesystem::absolute(dir.root()).lexically_normal().string();
    std::fprintf(context.out, "deskside: serving %s (data %s)\n", server.url().c_str(),
                 data.c_str());
    std::fflush(context.out);

    int signal = signals.wait();
    context.log.info("stopping", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
    server.stop();
    return 0;
}

}  // namespace deskside::cli
