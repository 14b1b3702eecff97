// The JSON forms of search results and index status, shared by `--json` on the command line
// and the HTTP API so both speak one documented schema (docs/search-json.md).
#pragma once

#include <nlohmann/json.hpp>

#include "retriever/search_types.h"
#include "store/data_dir.h"

namespace deskside::api {

nlohmann::json search_results_json(const retriever::SearchResults& results);

struct StatusOptions {
    bool errors = false;  // include every failure
    bool check = false;   // run the consistency check
};
nlohmann::json status_json(const store::DataDir& dir, const StatusOptions& options);

// "2024-03-01" (UTC) for a Unix time.
std::string iso_date(std::int64_t unix_seconds);

}  // namespace deskside::api
