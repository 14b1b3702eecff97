// The retrieval-quality harness behind `deskside eval`: an evaluation set (retriever/
// evaluation.h) is written out as one text file per document, indexed into a temporary data
// directory through the normal pipeline, and every query is run in each retrieval mode; the
// rankings of document ids are scored against the judgments.
//
// Runs on the calling thread (the pipeline starts its own workers). Throws deskside::Error for
// a set that cannot be read or indexed.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "retriever/evaluation.h"
#include "retriever/hybrid_search.h"
#include "vectors/embeddings.h"

namespace deskside::eval {

struct EvalOptions {
    std::vector<std::string> modes = {"keyword", "vector", "hybrid"};  // modes to score
    int depth = 100;                     // ranking depth per query (Recall@100)
    int threads = 0;                     // indexing threads; 0 = one per core
    std::filesystem::path work_dir;      // where to build the index; "" = a temp dir
    vectors::EmbeddingConfig embedding;  // the vector arm's embedder (LSA by default)
    retriever::HybridOptions hybrid;     // fusion settings
    // When set, each mode's ranking is written there as a TREC run file (MODE.run: "QID Q0 DOCID
    // RANK SCORE deskside-MODE"), for trec_eval or for comparing fusion methods offline.
    std::filesystem::path runs_dir;
};

struct ModeResult {
    retriever::SetScores scores;
    double p50_ms = 0;  // median query latency
    double p95_ms = 0;
    // Vector mode only: the share of the exact top 10 passages that the HNSW graph returns,
    // averaged over the queries (the eval index always has a graph, however small the set).
    std::optional<double> hnsw_recall_at_10;
};

struct EvalReport {
    std::string set;
    int documents = 0;
    int queries = 0;  // queries run
    double index_seconds = 0;
    double embed_seconds = 0;
    std::string embedder;
    std::map<std::string, ModeResult> modes;
};

EvalReport run_evaluation(const retriever::EvalSet& set, const EvalOptions& options);

// Turns a natural-language query into keyword query syntax that cannot fail to parse: its
// words (letters and digits), joined by spaces, searched with the OR operator.
std::string keyword_query_of(const std::string& text);

}  // namespace deskside::eval
