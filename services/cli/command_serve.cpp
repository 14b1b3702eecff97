// `deskside serve`: runs the HTTP service (http/http_server.h) on the settings serve.listen,
// serve.threads, serve.web_dir and data until SIGINT or SIGTERM, then stops it cleanly.
#include <pthread.h>

#include <csignal>
#include <cstring>
#include <filesystem>

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

    http::ServerOptions options;
    options.listen = settings.get_string("serve.listen");
    options.data_dir = dir.root();
    options.web_dir = settings.get_string("serve.web_dir");
    options.threads = static_cast<int>(threads);

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
