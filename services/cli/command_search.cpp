#include <unistd.h>

#include "api/json_output.h"
#include "base/error.h"
#include "cli/commands.h"
#include "retriever/keyword_search.h"
#include "retriever/snippet.h"

namespace deskside::cli {

int command_search(CommandContext& context) {
    CommandArgs args("search", context.invocation.args);
    retriever::SearchRequest request;
    request.limit = args.int_option("--limit", "-n").value_or(10);
    request.offset = args.int_option("--offset").value_or(0);
    request.collection = args.option("--collection").value_or("");
    request.per_document = args.int_option("--per-doc").value_or(1);
    request.match_any = args.flag("--any");
    if (auto types = args.option("--type")) {
        std::string list = *types;
        for (std::size_t start = 0; start <= list.size();) {
            std::size_t comma = list.find(',', start);
            if (comma == std::string::npos) comma = list.size();
            if (comma > start) request.types.push_back(list.substr(start, comma - start));
            start = comma + 1;
        }
    }
    bool json = args.flag("--json");
    auto words = args.finish();
    if (words.empty())
        throw Error(ErrorCode::invalid_argument,
                    "give a query: deskside search \"QUERY\" (see --help)");
    for (const auto& word : words) request.query += (request.query.empty() ? "" : " ") + word;

    retriever::KeywordSearcher searcher(
        store::DataDir(context.invocation.settings.get_string("data")));
    auto results = searcher.search(request);

    if (json) {
        std::fprintf(context.out, "%s\n", api::search_results_json(results).dump(2).c_str());
        return 0;
    }
    bool tty = ::isatty(::fileno(context.out));
    const char* bold = tty ? "\033[1m" : "";
    const char* dim = tty ? "\033[2m" : "";
    const char* reset = tty ? "\033[0m" : "";
    if (results.hits.empty()) {
        std::fprintf(context.out, "no results for %s\n", request.query.c_str());
        return 0;
    }
    for (const auto& hit : results.hits) {
        std::string where = hit.path;
        if (hit.page > 0) where += "  · page " + std::to_string(hit.page);
        if (!hit.location.empty()) where += "  · " + hit.location;
        std::fprintf(context.out, "%d. %s%s%s  %s(%.2f)%s\n   %s%s%s\n", hit.rank, bold,
                     hit.title.c_str(), reset, dim, hit.score, reset, dim, where.c_str(), reset);
        std::string snippet = retriever::render_highlights(
            hit.snippet, hit.highlights, tty ? "\033[1;33m" : "**", tty ? "\033[0m" : "**");
        for (char& c : snippet)
            if (c == '\n') c = ' ';
        std::fprintf(context.out, "   %s\n\n", snippet.c_str());
    }
    std::fprintf(context.out, "%zu of about %llu matching passages (%.1f ms)\n",
                 results.hits.size(), static_cast<unsigned long long>(results.estimated_matches),
                 results.elapsed_ms);
    return 0;
}

}  // namespace deskside::cli
