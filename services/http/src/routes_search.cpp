// GET /api/search and POST /api/ask (ApiRoutes, api_routes.h).
#include <chrono>

#include "answer/answer_json.h"
#include "api/json_output.h"
#include "base/error.h"
#include "http/error_status.h"
#include "route_params.h"

namespace deskside::http {

namespace {

constexpr std::size_t kMaxQueryBytes = 4096;

// "html,text" and repeated values alike.
void add_types(std::vector<std::string>& types, const std::string& list) {
    for (std::size_t start = 0; start <= list.size();) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) types.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
}

}  // namespace

ApiReply ApiRoutes::search(const ApiRequest& request) {
    check_params(request, {"q", "limit", "offset", "collection", "type", "per_doc", "any", "from",
                           "to", "mode"});
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
    for (const auto& [key, value] : request.params)
        if (key == "type") add_types(search.types, value);
    if (const std::string* from = find_param(request, "from"); from && !from->empty())
        search.date_from = date_param("from", *from, false);
    if (const std::string* to = find_param(request, "to"); to && !to->empty())
        search.date_to = date_param("to", *to, true);
    if (search.date_from && search.date_to && *search.date_from > *search.date_to)
        throw Error(ErrorCode::invalid_argument, "from is after to");
    std::optional<retriever::SearchMode> mode;
    if (const std::string* name = find_param(request, "mode"); name && !name->empty())
        mode = retriever::parse_search_mode(*name);

    return searchers_.with([&](retriever::HybridSearcher& searcher) {
        // Hybrid whenever the index has vectors, as `deskside search` does.
        retriever::SearchMode used =
            mode.value_or(searcher.has_vectors() ? retriever::SearchMode::hybrid
                                                 : retriever::SearchMode::keyword);
        nlohmann::json body =
            api::search_results_json(searcher.search(search, used, options_.hybrid));
        body["mode"] = std::string(retriever::search_mode_name(used));
        return ApiReply{200, std::move(body), {}, {}, {}};
    });
}

ApiReply ApiRoutes::ask(const ApiRequest& request) {
    check_params(request, {});
    nlohmann::json body = request.body->read_json_object(
        options_.max_json_bytes, {"question", "collection", "type", "passages", "stream"});
    answer::AskRequest ask;
    ask.question = string_member(body, "question", "", kMaxQueryBytes);
    if (is_blank(ask.question))
        throw Error(ErrorCode::invalid_argument, "missing question: send {\"question\": \"...\"}");
    ask.collection = string_member(body, "collection", "", 256);
    if (auto type = body.find("type"); type != body.end() && !type->is_null()) {
        if (type->is_string()) {
            add_types(ask.types, type->get<std::string>());
        } else if (type->is_array()) {
            for (const auto& item : *type) {
                if (!item.is_string())
                    throw Error(ErrorCode::invalid_argument, "type must hold strings");
                add_types(ask.types, item.get<std::string>());
            }
        } else {
            throw Error(ErrorCode::invalid_argument,
                        "type must be a string (\"pdf,docx\") or an array of strings");
        }
    }
    ask.passages = int_member(body, "passages", options_.answer_passages, 1, 50);
    bool stream = bool_member(body, "stream", false);
    // A client that leaves while its answer waits for the model withdraws it from the queue.
    if (request.client_gone) ask.still_wanted = [gone = request.client_gone] { return !gone(); };

    if (!stream) {
        metrics_.answer_started();
        auto started = std::chrono::steady_clock::now();
        std::optional<std::chrono::steady_clock::time_point> first_piece;
        std::int64_t pieces = 0;
        auto count = [&](std::string_view) {
            if (!first_piece) first_piece = std::chrono::steady_clock::now();
            ++pieces;
            return true;
        };
        try {
            answer::Answer result = answerers_.with(
                [&](answer::GroundedAnswerer& answerer) { return answerer.ask(ask, count); });
            double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                           first_piece.value_or(started))
                                 .count();
            metrics_.answer_finished(result.answered ? "answered" : "not_answered", pieces,
                                     seconds);
            return {200, answer::answer_json(result), {}, {}, {}};
        } catch (const Error& e) {
            metrics_.answer_finished(e.code() == ErrorCode::busy ? "busy" : "error", 0, 0);
            throw;
        } catch (...) {
            metrics_.answer_finished("error", 0, 0);
            throw;
        }
    }

    ApiReply reply;
    reply.stream = [this, ask](EventStream& events) {
        metrics_.answer_started();
        std::optional<std::chrono::steady_clock::time_point> first_piece;
        std::int64_t pieces = 0;
        bool client_gone = false;
        auto on_text = [&](std::string_view piece) {
            if (!first_piece) first_piece = std::chrono::steady_clock::now();
            ++pieces;
            // A failed write means the client went away: returning false cancels generation.
            if (!events.send("token", {{"text", std::string(piece)}})) client_gone = true;
            return !client_gone;
        };
        std::string outcome = "error";
        try {
            answer::Answer result = answerers_.with(
                [&](answer::GroundedAnswerer& answerer) { return answerer.ask(ask, on_text); });
            double seconds =
                first_piece
                    ? std::chrono::duration<double>(std::chrono::steady_clock::now() - *first_piece)
                          .count()
                    : 0.0;
            outcome = result.cancelled || client_gone ? "cancelled"
                      : result.answered               ? "answered"
                                                      : "not_answered";
            metrics_.answer_finished(outcome, pieces, seconds);
            if (outcome == "cancelled") return;
            nlohmann::json citations = nlohmann::json::array();
            for (const auto& citation : result.citations)
                citations.push_back(answer::citation_json(citation));
            if (events.send("citations", {{"citations", citations}}))
                events.send("done", answer::answer_json(result));
        } catch (const Error& e) {
            if (outcome == "error")
                metrics_.answer_finished(e.code() == ErrorCode::busy ? "busy" : "error", pieces, 0);
            throw;
        } catch (...) {
            if (outcome == "error") metrics_.answer_finished("error", pieces, 0);
            throw;
        }
    };
    return reply;
}

}  // namespace deskside::http
