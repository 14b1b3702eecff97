#include <unistd.h>

#include "api/json_output.h"
#include "base/error.h"
#include "cli/commands.h"
#include "retriever/hybrid_search.h"
#include "retriever/snippet.h"

namespace deskside::cli {

vectors::EmbeddingConfig embedding_config(const Settings& settings) {
    vectors::EmbeddingConfig config;
    config.enabled = settings.get_bool("embed.enabled");
    config.model = settings.get_string("embed.model");
    config.threads = static_cast<int>(settings.get_int("index.threads"));
    return config;
}

retriever::HybridOptions hybrid_options(const Settings& settings) {
    retriever::HybridOptions options;
    auto number = [&](const char* key) {
        std::string text = settings.get_string(key);
        try {
            std::size_t used = 0;
            double value = std::stod(text, &used);
            if (used == text.size() && value >= 0) return value;
        } catch (const std::exception&) {
        }
        throw Error(ErrorCode::invalid_argument,
                    std::string(key) + " must be a number >= 0, not '" + text + "'");
    };
    options.fusion.rrf_k = static_cast<double>(settings.get_int("search.rrf_k"));
    if (options.fusion.rrf_k < 1)
        throw Error(ErrorCode::invalid_argument, "search.rrf_k must be at least 1");
    options.fusion.keyword_weight = number("search.keyword_weight");
    options.fusion.vector_weight = number("search.vector_weight");
    options.fusion.method = retriever::parse_fusion_method(settings.get_string("search.fusion"));
    return options;
}

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
    std::optional<std::string> mode_name = args.option("--mode");
    std::optional<std::string> fusion = args.option("--fusion");
    auto words = args.finish();
    if (words.empty())
        throw Error(ErrorCode::invalid_argument,
                    "give a query: deskside search \"QUERY\" (see --help)");
    for (const auto& word : words) request.query += (request.query.empty() ? "" : " ") + word;

    const Settings& settings = context.invocation.settings;
    retriever::HybridOptions options = hybrid_options(settings);
    if (fusion) options.fusion.method = retriever::parse_fusion_method(*fusion);
    std::optional<retriever::SearchMode> mode;
    if (mode_name) mode = retriever::parse_search_mode(*mode_name);
    store::DataDir dir(settings.get_string("data"));
    vectors::EmbeddingConfig embedding = embedding_config(settings);
    if (mode == retriever::SearchMode::keyword) embedding.enabled = false;  // no model to load
    retriever::HybridSearcher searcher(dir, embedding);
    // Hybrid whenever the index has vectors: it is never much worse than either arm alone.
    if (!mode)
        mode =
            searcher.has_vectors() ? retriever::SearchMode::hybrid : retriever::SearchMode::keyword;
    auto results = searcher.search(request, *mode, options);

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
