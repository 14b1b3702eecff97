#include "answer/answer_json.h"

namespace deskside::answer {

nlohmann::json citation_json(const Citation& c) {
    return {{"number", c.number},
            {"document_id", c.document_id},
            {"passage_id", c.passage_id},
            {"title", c.title},
            {"path", c.path},
            {"type", c.format},
            {"collection", c.collection},
            {"page", c.page},
            {"location", c.location},
            {"heading", c.heading},
            {"text", c.text},
            {"char_start", c.char_start},
            {"char_end", c.char_end},
            {"quote_start", c.quote_start},
            {"quote_end", c.quote_end},
            {"cited", c.cited}};
}

nlohmann::json answer_json(const Answer& answer) {
    nlohmann::json citations = nlohmann::json::array();
    for (const auto& c : answer.citations) citations.push_back(citation_json(c));
    return {{"question", answer.question},
            {"answer", answer.text},
            {"answered", answer.answered},
            {"answerer", answer.answerer},
            {"citations", std::move(citations)},
            {"removed_citations", answer.removed_citations},
            {"cancelled", answer.cancelled},
            {"retrieval_ms", answer.retrieval_ms},
            {"first_token_ms", answer.first_token_ms},
            {"total_ms", answer.total_ms}};
}

}  // namespace deskside::answer
