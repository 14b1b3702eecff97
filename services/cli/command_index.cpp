#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "base/error.h"
#include "cli/commands.h"
#include "ingest/pipeline.h"
#include "vectors/embeddings.h"

namespace deskside::cli {
namespace {

// DESKSIDE_TEST_KILL_AT="STEP:N" kills this process (SIGKILL) the Nth time the index writer
// reaches STEP. Crash tests use it to stop the commit protocol at an exact point.
store::IndexWriter::StepHook kill_hook_from_environment() {
    const char* spec = std::getenv("DESKSIDE_TEST_KILL_AT");
    if (!spec || !*spec) return {};
    std::string text = spec;
    auto colon = text.find(':');
    std::string step = text.substr(0, colon);
    int count = colon == std::string::npos ? 1 : std::atoi(text.c_str() + colon + 1);
    return [step, count, seen = 0](std::string_view name) mutable {
        if (name == step && ++seen >= count) ::kill(::getpid(), SIGKILL);
    };
}

}  // namespace

int command_index(CommandContext& context) {
    CommandArgs args("index", context.invocation.args);
    const Settings& settings = context.invocation.settings;
    ingest::IndexOptions options = index_options(settings);
    options.collection = args.option("--collection").value_or("default");
    options.prune = args.flag("--prune");
    bool quiet = args.flag("--quiet");
    bool reembed = args.flag("--reembed");
    for (const auto& root : args.finish()) options.roots.emplace_back(root);
    if (options.roots.empty())
        throw Error(ErrorCode::invalid_argument,
                    "give the folders or files to index: deskside index PATH... (see --help)");
    if (options.collection.empty() ||
        options.collection.find_first_of(" \t\n:") != std::string::npos)
        throw Error(ErrorCode::invalid_argument, "collection name '" + options.collection +
                                                     "' must be non-empty, without spaces or ':'");

    store::DataDir dir(settings.get_string("data"));
    std::unique_ptr<ingest::TerminalProgress> progress;
    if (!quiet && ::isatty(STDERR_FILENO))
        progress = std::make_unique<ingest::TerminalProgress>(stderr);

    auto summary = ingest::run_index(dir, options, progress.get(), context.log.child("index"),
                                     kill_hook_from_environment());
    if (summary.recovery.replayed || summary.recovery.erased)
        std::fprintf(
            context.out,
            "recovered an interrupted run: %lld documents completed, %lld removals finished\n",
            static_cast<long long>(summary.recovery.replayed),
            static_cast<long long>(summary.recovery.erased));
    double mb = summary.bytes_read / 1e6;
    std::fprintf(context.out,
                 "indexed %lld, unchanged %lld, failed %lld, removed %lld in %s (%lld files, %lld "
                 "passages, %.1f MB read)\n",
                 static_cast<long long>(summary.indexed), static_cast<long long>(summary.unchanged),
                 static_cast<long long>(summary.failed), static_cast<long long>(summary.removed),
                 ingest::format_duration(summary.seconds).c_str(),
                 static_cast<long long>(summary.files_seen),
                 static_cast<long long>(summary.passages), mb);
    if (summary.attachments > 0)
        std::fprintf(context.out, "%lld of the documents indexed were found inside files\n",
                     static_cast<long long>(summary.attachments));
    // The dense arm follows the catalog: embed what is new, drop what is gone.
    vectors::SyncOptions sync;
    sync.reembed = reembed;
    auto embedded = vectors::sync_vectors(
        dir, embedding_config(settings), sync, [&](std::int64_t done, std::int64_t total) {
            if (progress && total > 0)
                std::fprintf(stderr, "\rembedding %lld/%lld passages", static_cast<long long>(done),
                             static_cast<long long>(total));
        });
    if (progress && embedded.embedded > 0) std::fprintf(stderr, "\n");
    if (embedded.embedder != "off")
        std::fprintf(context.out, "vectors: %s, %lld embedded, %lld removed, %lld in all%s (%s)\n",
                     embedded.embedder.c_str(), static_cast<long long>(embedded.embedded),
                     static_cast<long long>(embedded.removed),
                     static_cast<long long>(embedded.total),
                     embedded.refitted ? ", model refitted" : "",
                     ingest::format_duration(embedded.seconds).c_str());
    if (summary.failed > 0)
        std::fprintf(context.out, "%lld files failed: see `deskside status --errors`\n",
                     static_cast<long long>(summary.failed));
    return summary.failed > 0 ? 1 : 0;
}

}  // namespace deskside::cli
