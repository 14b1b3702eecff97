#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/commands.h"
#include "eval/eval_runner.h"

namespace deskside::cli {
namespace {

nlohmann::json mode_json(const eval::ModeResult& mode) {
    auto round4 = [](double v) { return std::round(v * 10000) / 10000; };
    return {{"ndcg@10", round4(mode.scores.ndcg_at_10)},
            {"map", round4(mode.scores.map)},
            {"recall@100", round4(mode.scores.recall_at_100)},
            {"mrr", round4(mode.scores.mrr)},
            {"queries", mode.scores.queries},
            {"p50_ms", std::round(mode.p50_ms * 1000) / 1000},
            {"p95_ms", std::round(mode.p95_ms * 1000) / 1000}};
}

nlohmann::json with_recall(nlohmann::json out, const eval::ModeResult& mode) {
    if (mode.hnsw_recall_at_10)
        out["hnsw_recall@10"] = std::round(*mode.hnsw_recall_at_10 * 10000) / 10000;
    return out;
}

}  // namespace

int command_eval(CommandContext& context) {
    CommandArgs args("eval", context.invocation.args);
    auto folder = args.option("--set");
    bool json = args.flag("--json");
    eval::EvalOptions options;
    if (auto runs = args.option("--runs")) options.runs_dir = *runs;
    if (auto modes = args.option("--modes")) {
        options.modes.clear();
        std::string list = *modes;
        for (std::size_t start = 0; start <= list.size();) {
            std::size_t comma = list.find(',', start);
            if (comma == std::string::npos) comma = list.size();
            if (comma > start) options.modes.push_back(list.substr(start, comma - start));
            start = comma + 1;
        }
    }
    options.threads = static_cast<int>(context.invocation.settings.get_int("index.threads"));
    options.embedding = embedding_config(context.invocation.settings);
    options.hybrid = hybrid_options(context.invocation.settings);
    args.finish();
    if (!folder)
        throw Error(ErrorCode::invalid_argument,
                    "give the evaluation set: deskside eval --set DIR (a folder with docs.jsonl, "
                    "queries.jsonl and qrels.tsv)");
    retriever::EvalSet set = retriever::load_eval_set(*folder);
    eval::EvalReport report = eval::run_evaluation(set, options);

    if (json) {
        nlohmann::json out = {{"set", report.set},
                              {"documents", report.documents},
                              {"queries", report.queries},
                              {"index_seconds", std::round(report.index_seconds * 1000) / 1000},
                              {"embed_seconds", std::round(report.embed_seconds * 1000) / 1000},
                              {"embedder", report.embedder}};
        out["modes"] = nlohmann::json::object();
        for (const auto& [name, mode] : report.modes)
            out["modes"][name] = with_recall(mode_json(mode), mode);
        std::fprintf(context.out, "%s\n", out.dump(2).c_str());
        return 0;
    }
    std::fprintf(
        context.out, "%s: %d documents, %d queries (indexed in %.1f s, embedded in %.1f s%s%s)\n",
        report.set.c_str(), report.documents, report.queries, report.index_seconds,
        report.embed_seconds, report.embedder.empty() ? "" : " with ", report.embedder.c_str());
    std::fprintf(context.out, "%-8s %8s %8s %10s %8s %8s\n", "mode", "nDCG@10", "MAP", "Recall@100",
                 "MRR", "p50 ms");
    for (const auto& [name, mode] : report.modes)
        std::fprintf(context.out, "%-8s %8.4f %8.4f %10.4f %8.4f %8.2f\n", name.c_str(),
                     mode.scores.ndcg_at_10, mode.scores.map, mode.scores.recall_at_100,
                     mode.scores.mrr, mode.p50_ms);
    for (const auto& [name, mode] : report.modes)
        if (mode.hnsw_recall_at_10)
            std::fprintf(context.out, "HNSW recall@10 against exact search (%s arm): %.4f\n",
                         name.c_str(), *mode.hnsw_recall_at_10);
    return 0;
}

}  // namespace deskside::cli
