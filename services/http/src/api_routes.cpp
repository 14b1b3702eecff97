#include "api_routes.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "api/json_output.h"
#include "base/error.h"
#include "http/error_status.h"

namespace deskside::http {

namespace {

constexpr std::size_t kMaxQueryBytes = 4096;

const std::string* find_param(const ApiRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.params)
        if (key == name) return &value;
    return nullptr;
}

int int_param(const ApiRequest& request, std::string_view name, int fallback, int min, int max) {
    const std::string* text = find_param(request, name);
    if (!text || text->empty()) return fallback;
    int value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max)
        throw Error(ErrorCode::invalid_argument,
                    std::string(name) + ": expected a whole number from " + std::to_string(min) +
                        " to " + std::to_string(max) + ", got '" + *text + "'");
    return value;
}

bool bool_param(const ApiRequest& request, std::string_view name) {
    const std::string* text = find_param(request, name);
    if (!text) return false;
    if (*text == "" || *text == "1" || *text == "true" || *text == "yes") return true;
    if (*text == "0" || *text == "false" || *text == "no") return false;
    throw Error(ErrorCode::invalid_argument,
                std::string(name) + ": expected 1 or 0 (true or false), got '" + *text + "'");
}

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Percent-decodes one query-string component, '+' meaning a space (form encoding).
std::string decode_component(std::string_view text) {
    // Poco applies plusAsSpace only after a '?', so turn '+' into ' ' first; a literal plus
    // arrives encoded as %2B and is unaffected.
    std::string spaced(text);
    std::replace(spaced.begin(), spaced.end(), '+', ' ');
    std::string out;
    try {
        Poco::URI::decode(spaced, out);
    } catch (const Poco::Exception&) {
        throw Error(ErrorCode::invalid_argument, "malformed percent escape in the query string");
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_query_string(const std::string& raw) {
    std::vector<std::pair<std::string, std::string>> params;
    std::string_view rest(raw);
    while (!rest.empty()) {
        std::size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        std::size_t eq = pair.find('=');
        std::string_view name = pair.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
        params.emplace_back(decode_component(name), decode_component(value));
    }
    return params;
}

ApiRoutes::ApiRoutes(store::DataDir dir, Logger log)
    : dir_(dir), log_(std::move(log)), searchers_(std::move(dir)) {}

ApiReply ApiRoutes::handle(const ApiRequest& request) {
    const std::string& path = request.path;
    if (path != "/api/health" && path != "/api/search" && path != "/api/status")
        return {404,
                error_body("route_not_found", "no API route " + path +
                                                  " (there are /api/health, /api/search and "
                                                  "/api/status)"),
                {}};
    if (request.method != "GET" && request.method != "HEAD")
        return {405,
                error_body("method_not_allowed",
                           request.method + " is not allowed on " + path + "; use GET"),
                {{"Allow", "GET, HEAD"}}};
    try {
        if (path == "/api/health")
            return {200, {{"status", "ok"}, {"version", DESKSIDE_VERSION}}, {}};
        if (path == "/api/search") return search(request);
        return status(request);
    } catch (const Error& e) {
        ApiReply reply{http_status_for(e.code()), error_body(e.code(), e.what()), {}};
        if (reply.status == 503)
            reply.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
        if (reply.status >= 500)
            log_.error("request failed", {{"path", path},
                                          {"code", std::string(error_code_name(e.code()))},
                                          {"message", e.what()}});
        return reply;
    } catch (const std::exception& e) {
        log_.error("request failed", {{"path", path}, {"code", "internal"}, {"message", e.what()}});
    } catch (...) {
        log_.error("request failed", {{"path", path}, {"code", "internal"}});
    }
    return {500,
            error_body(ErrorCode::internal, "internal error (the server log has the details)"),
            {}};
}

ApiReply ApiRoutes::search(const ApiRequest& request) {
    const std::string* query = find_param(request, "q");
    if (!query || is_blank(*query))
        throw Error(ErrorCode::invalid_argument,
                    "missing query: give q=WORDS (see docs/search-syntax.md)");
    if (query->size() > kMaxQueryBytes)
        throw Error(ErrorCode::invalid_argument,
                    "the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
    retriever::SearchRequest search;
    search.query = *query;
    search.limit = int_param(request, "limit", 10, 1, 100);
    search.offset = int_param(request, "offset", 0, 0, 10000);
    search.per_document = int_param(request, "per_doc", 1, 0, 100);
    search.match_any = bool_param(request, "any");
    if (const std::string* collection = find_param(request, "collection"))
        search.collection = *collection;
    // type=html,text and type=html&type=text both work.
    for (const auto& [key, value] : request.params) {
        if (key != "type") continue;
        for (std::size_t start = 0; start <= value.size();) {
            std::size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            if (comma > start) search.types.push_back(value.substr(start, comma - start));
            start = comma + 1;
        }
    }
    return {200, api::search_results_json(searchers_.search(search)), {}};
}

ApiReply ApiRoutes::status(const ApiRequest& request) {
    api::StatusOptions options;
    options.errors = bool_param(request, "errors");
    return {200, api::status_json(dir_, options), {}};
}

}  // namespace deskside::http
