// The JSON form of an Answer, shared by `deskside ask --json` and `/api/ask` (documented in
// docs/search-json.md). Pure functions of their arguments: any thread; they do not fail.
#pragma once

#include <nlohmann/json.hpp>

#include "answer/grounded_answerer.h"

namespace deskside::answer {

// {"question","answer","answered","answerer","citations":[{"number","document_id",
// "passage_id","title","path","type","collection","page","location","heading","text",
// "char_start","char_end","quote_start","quote_end","cited"}],"removed_citations":[...],
// "cancelled","retrieval_ms","first_token_ms","total_ms"}
nlohmann::json answer_json(const Answer& answer);
nlohmann::json citation_json(const Citation& citation);

}  // namespace deskside::answer
