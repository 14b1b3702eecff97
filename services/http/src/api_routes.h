// The JSON API under /api/, independent of the HTTP library: a request is a method, a decoded
// path and decoded query parameters; a reply is a status, a JSON body and extra headers.
//
//   GET /api/health                 {"status":"ok","version":"0.1.0"}
//   GET /api/search?q=&limit=&offset=&collection=&type=&per_doc=&any=
//                                   cli::search_results_json (docs/search-json.md)
//   GET /api/status[?errors=1]      cli::status_json
//
// Failures become error_body() replies with the status from http_status_for(). ApiRoutes
// owns a SearcherPool; handle() may be called from any number of threads at once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "searcher_pool.h"
#include "store/data_dir.h"

namespace deskside::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
    std::string method;                                       // "GET", "HEAD", "POST", ...
    std::string path;                                         // decoded, starting with "/api"
    std::vector<std::pair<std::string, std::string>> params;  // decoded, in request order
};

struct ApiReply {
    int status = 200;
    nlohmann::json body;
    Headers headers;  // besides Content-Type and the security headers
};

class ApiRoutes {
  public:
    ApiRoutes(store::DataDir dir, Logger log);

    ApiReply handle(const ApiRequest& request);

  private:
    ApiReply search(const ApiRequest& request);
    ApiReply status(const ApiRequest& request);

    store::DataDir dir_;
    Logger log_;
    SearcherPool searchers_;
};

// Splits a raw (percent-encoded) query string into decoded name/value pairs; '+' is a space.
// Throws Error(invalid_argument) on a malformed percent escape.
std::vector<std::pair<std::string, std::string>> parse_query_string(const std::string& raw);

}  // namespace deskside::http
