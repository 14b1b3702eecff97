// Retrieval-quality evaluation: an evaluation set as ../shared/eval/<name>/ stores it
// (docs.jsonl {"id","title","text"}, queries.jsonl {"id","text"}, qrels.tsv
// query_id<TAB>doc_id<TAB>grade) and the standard measures over a ranking of document ids.
//
// Measures follow trec_eval: nDCG@10 with linear gains (the grade) and log2(rank + 1)
// discounts against the ideal ordering of all judged documents; average precision; recall at
// 100; reciprocal rank of the first relevant document. A document is relevant when its grade
// is above 0. Only queries with at least one relevant document are averaged.
//
// Pure functions and plain values; thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace deskside::retriever {

struct EvalDocument {
    std::string id, title, text;
};

struct EvalQuery {
    std::string id, text;
};

struct EvalSet {
    std::string name;  // the folder's name
    std::vector<EvalDocument> documents;
    std::vector<EvalQuery> queries;
    std::map<std::string, std::map<std::string, int>> judgments;  // query id -> doc id -> grade
};

// Reads the three files. Throws Error(not_found) for a missing folder or file and
// Error(invalid_argument) naming the file and line of a malformed record.
EvalSet load_eval_set(const std::filesystem::path& folder);

struct QueryScores {
    double ndcg_at_10 = 0, average_precision = 0, recall_at_100 = 0, reciprocal_rank = 0;
};

// Scores one ranking (document ids, best first, no duplicates) against one query's judgments.
QueryScores score_ranking(const std::vector<std::string>& ranking,
                          const std::map<std::string, int>& judgments);

struct SetScores {
    double ndcg_at_10 = 0, map = 0, recall_at_100 = 0, mrr = 0;
    int queries = 0;  // queries with at least one relevant document
};

// Averages over the queries that have a relevant document; `rankings` maps query id to ranking.
SetScores score_set(const EvalSet& set,
                    const std::map<std::string, std::vector<std::string>>& rankings);

}  // namespace deskside::retriever
