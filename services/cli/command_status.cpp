#include "api/json_output.h"
#include "base/error.h"
#include "cli/commands.h"

namespace deskside::cli {

int command_status(CommandContext& context) {
    CommandArgs args("status", context.invocation.args);
    api::StatusOptions options;
    bool json = args.flag("--json");
    options.errors = args.flag("--errors");
    options.check = args.flag("--check");
    if (!args.finish().empty())
        throw Error(ErrorCode::invalid_argument, "status takes no arguments");

    store::DataDir dir(context.invocation.settings.get_string("data"));
    nlohmann::json status = api::status_json(dir, options);
    bool consistent = !options.check || status["check"]["consistent"].get<bool>();
    if (json) {
        std::fprintf(context.out, "%s\n", status.dump(2).c_str());
        return consistent ? 0 : 3;
    }
    auto mb = [](std::uint64_t bytes) { return bytes / 1048576.0; };
    std::fprintf(context.out, "data directory  %s\n",
                 status["data_dir"].get<std::string>().c_str());
    std::fprintf(context.out, "documents       %lld (%.1f MB of files)\n",
                 status["documents"].get<long long>(),
                 mb(status["bytes_indexed"].get<std::uint64_t>()));
    std::fprintf(context.out, "passages        %lld\n", status["passages"].get<long long>());
    std::fprintf(context.out, "failed files    %lld\n", status["failed"].get<long long>());
    for (auto& [reason, count] : status["failure_reasons"].items())
        std::fprintf(context.out, "                  %d  %s\n", count.get<int>(), reason.c_str());
    if (status["unfinished"].get<long long>() > 0)
        std::fprintf(
            context.out,
            "unfinished      %lld (an interrupted run; the next `deskside index` completes them)\n",
            status["unfinished"].get<long long>());
    std::fprintf(context.out, "index size      %.1f MB catalog, %.1f MB keyword index\n",
                 mb(status["index_bytes"]["catalog"].get<std::uint64_t>()),
                 mb(status["index_bytes"]["keyword"].get<std::uint64_t>()));
    std::fprintf(context.out, "language        %s\n",
                 status["language"].get<std::string>().c_str());
    if (status["embedder"].is_null())
        std::fprintf(context.out, "embedder        none (keyword search only)\n");
    else
        std::fprintf(context.out, "embedder        %s, %lld vectors\n",
                     status["embedder"].get<std::string>().c_str(),
                     status["vectors"].get<long long>());
    const auto& run = status["last_run"];
    if (run.is_null()) {
        std::fprintf(context.out, "last run        none\n");
    } else if (!run["completed"].get<bool>()) {
        std::fprintf(context.out, "last run        %s, interrupted before it finished\n",
                     run["started"].get<std::string>().c_str());
    } else {
        std::fprintf(context.out,
                     "last run        %s: indexed %lld, unchanged %lld, failed %lld, removed %lld "
                     "in %.1f s\n",
                     run["started"].get<std::string>().c_str(), run["indexed"].get<long long>(),
                     run["unchanged"].get<long long>(), run["failed"].get<long long>(),
                     run["removed"].get<long long>(), run["seconds"].get<double>());
    }
    if (options.errors) {
        std::fprintf(context.out, "\nfailed files:\n");
        for (const auto& e : status["errors"])
            std::fprintf(context.out, "%s\n    %s\n", e["path"].get<std::string>().c_str(),
                         e["reason"].get<std::string>().c_str());
    }
    if (options.check) {
        const auto& check = status["check"];
        std::fprintf(context.out,
                     "\nconsistency     %s (%lld catalog passages, %lld keyword passages)\n",
                     consistent ? "ok" : "PROBLEMS", check["catalog_passages"].get<long long>(),
                     check["keyword_passages"].get<long long>());
        for (const auto& p : check["problems"])
            std::fprintf(context.out, "  %s\n", p.get<std::string>().c_str());
    }
    return consistent ? 0 : 3;
}

}  // namespace deskside::cli
