#include "retriever/evaluation.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/error.h"

namespace deskside::retriever {
namespace {

std::ifstream open_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in)
        throw Error(ErrorCode::not_found, path.string() +
                                              " is missing: an evaluation set needs docs.jsonl, "
                                              "queries.jsonl and qrels.tsv");
    return in;
}

std::string as_id(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

template <typename Record>
std::vector<Record> read_jsonl(const std::filesystem::path& path, bool with_title) {
    std::ifstream in = open_file(path);
    std::vector<Record> records;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
        if (json.is_discarded() || !json.is_object() || !json.contains("id") ||
            !json.contains("text") || !json["text"].is_string())
            throw Error(ErrorCode::invalid_argument,
                        path.string() + " line " + std::to_string(number) +
                            ": expected a JSON object with \"id\" and \"text\"");
        Record record;
        record.id = as_id(json["id"]);
        record.text = json["text"].get<std::string>();
        if constexpr (requires { record.title; }) {
            if (with_title && json.contains("title") && json["title"].is_string())
                record.title = json["title"].get<std::string>();
        }
        records.push_back(std::move(record));
    }
    return records;
}

double dcg(const std::vector<int>& gains) {
    double sum = 0;
    for (std::size_t i = 0; i < gains.size(); ++i) sum += gains[i] / std::log2(i + 2.0);
    return sum;
}

}  // namespace

EvalSet load_eval_set(const std::filesystem::path& folder) {
    if (!std::filesystem::is_directory(folder))
        throw Error(ErrorCode::not_found, folder.string() + " is not a folder");
    EvalSet set;
    set.name = std::filesystem::weakly_canonical(folder).filename().string();
    set.documents = read_jsonl<EvalDocument>(folder / "docs.jsonl", true);
    set.queries = read_jsonl<EvalQuery>(folder / "queries.jsonl", false);
    std::ifstream qrels = open_file(folder / "qrels.tsv");
    std::string line;
    for (int number = 1; std::getline(qrels, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::string query, document, grade;
        if (!std::getline(fields, query, '\t') || !std::getline(fields, document, '\t') ||
            !std::getline(fields, grade, '\t'))
            throw Error(ErrorCode::invalid_argument,
                        (folder / "qrels.tsv").string() + " line " + std::to_string(number) +
                            ": expected query_id<TAB>doc_id<TAB>grade");
        try {
            set.judgments[query][document] = std::stoi(grade);
        } catch (const std::exception&) {
            throw Error(ErrorCode::invalid_argument, (folder / "qrels.tsv").string() + " line " +
                                                         std::to_string(number) +
                                                         ": the grade is not a number");
        }
    }
    return set;
}

QueryScores score_ranking(const std::vector<std::string>& ranking,
                          const std::map<std::string, int>& judgments) {
    QueryScores scores;
    std::vector<int> ideal;
    for (const auto& [doc, grade] : judgments)
        if (grade > 0) ideal.push_back(grade);
    if (ideal.empty()) return scores;
    std::sort(ideal.rbegin(), ideal.rend());
    const double relevant = static_cast<double>(ideal.size());

    std::vector<int> gains;
    double hits = 0, precision_sum = 0, hits_at_100 = 0;
    for (std::size_t i = 0; i < ranking.size(); ++i) {
        auto it = judgments.find(ranking[i]);
        int grade = it == judgments.end() ? 0 : std::max(0, it->second);
        if (i < 10) gains.push_back(grade);
        if (grade > 0) {
            ++hits;
            precision_sum += hits / static_cast<double>(i + 1);
            if (i < 100) ++hits_at_100;
            if (scores.reciprocal_rank == 0)
                scores.reciprocal_rank = 1.0 / static_cast<double>(i + 1);
        }
    }
    if (ideal.size() > 10) ideal.resize(10);
    scores.ndcg_at_10 = dcg(gains) / dcg(ideal);
    scores.average_precision = precision_sum / relevant;
    scores.recall_at_100 = hits_at_100 / relevant;
    return scores;
}

SetScores score_set(const EvalSet& set,
                    const std::map<std::string, std::vector<std::string>>& rankings) {
    SetScores total;
    static const std::vector<std::string> kNone;
    for (const EvalQuery& query : set.queries) {
        auto judged = set.judgments.find(query.id);
        if (judged == set.judgments.end()) continue;
        bool any = std::any_of(judged->second.begin(), judged->second.end(),
                               [](const auto& entry) { return entry.second > 0; });
        if (!any) continue;
        auto ranked = rankings.find(query.id);
        QueryScores s =
            score_ranking(ranked == rankings.end() ? kNone : ranked->second, judged->second);
        total.ndcg_at_10 += s.ndcg_at_10;
        total.map += s.average_precision;
        total.recall_at_100 += s.recall_at_100;
        total.mrr += s.reciprocal_rank;
        ++total.queries;
    }
    if (total.queries > 0) {
        double n = total.queries;
        total.ndcg_at_10 /= n;
        total.map /= n;
        total.recall_at_100 /= n;
        total.mrr /= n;
    }
    return total;
}

}  // namespace deskside::retriever
