#include "api_routes.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "base/dates.h"
#include "base/error.h"
#include "base/utf8.h"
#include "http/error_status.h"
#include "route_params.h"
#include "store/catalog.h"
#include "store/keyword_index.h"
#include "store/vector_index.h"

namespace deskside::http {

namespace {

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

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        segments.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return segments;
}

std::int64_t parse_id(const std::string& text, const char* what) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1)
        throw Error(ErrorCode::invalid_argument,
                    std::string(what) + " id must be a positive whole number, not '" + text + "'");
    return value;
}

// Throws 405 unless the method is one of `allowed` (HEAD goes wherever GET does).
void allow(const ApiRequest& request, std::initializer_list<std::string_view> allowed) {
    std::string list;
    for (std::string_view method : allowed) {
        if (request.method == method || (method == "GET" && request.method == "HEAD")) return;
        list += (list.empty() ? "" : ", ") + std::string(method);
        if (method == "GET") list += ", HEAD";
    }
    throw HttpError(405, "method_not_allowed",
                    request.method + " is not allowed on " + request.path + "; use " + list,
                    {{"Allow", list}});
}

std::string file_key(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "-";
    return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
}

std::uint64_t folder_bytes(const std::filesystem::path& folder) {
    std::error_code ec;
    std::uint64_t total = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            auto size = it->file_size(size_ec);
            if (!size_ec) total += size;
        }
    }
    return total;
}

}  // namespace

// ---- parameters (route_params.h)

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

void check_params(const ApiRequest& request, const std::set<std::string, std::less<>>& allowed) {
    std::string unknown;
    for (const auto& [name, value] : request.params)
        if (!allowed.count(name) && unknown.find("'" + name + "'") == std::string::npos)
            unknown += (unknown.empty() ? "'" : ", '") + name + "'";
    if (unknown.empty()) return;
    std::string known;
    for (const auto& name : allowed) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::invalid_argument, "unknown parameter(s) " + unknown + " on " +
                                                 request.path + " (known: " + known + ")");
}

std::int64_t date_param(std::string_view name, const std::string& value, bool end_of_day) {
    bool shaped = value.size() == 10 && value[4] == '-' && value[7] == '-';
    for (std::size_t i = 0; shaped && i < value.size(); ++i)
        if (i != 4 && i != 7 && !(value[i] >= '0' && value[i] <= '9')) shaped = false;
    std::optional<std::int64_t> day = shaped ? parse_iso_datetime(value) : std::nullopt;
    if (!day)
        throw Error(ErrorCode::invalid_argument,
                    std::string(name) + ": expected a date YYYY-MM-DD, got '" + value + "'");
    return end_of_day ? *day + 86399 : *day;
}

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void check_collection_name(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 64 && name.front() != '.' && utf8::is_valid(name);
    for (char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ' || c == ':' || c == '/' ||
            c == '\\')
            ok = false;
    if (!ok)
        throw Error(ErrorCode::invalid_argument,
                    "collection name '" + name +
                        "' must be 1 to 64 bytes, without spaces, ':', '/', '\\' or control "
                        "characters, and not start with '.'");
}

// ---- the router

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

std::string route_label(const std::string& path) {
    if (path == "/metrics") return "/metrics";
    if (OpenAiRoutes::owns(path))
        return path == "/v1/chat/completions" || path == "/v1/embeddings" || path == "/v1/models"
                   ? path
                   : "/v1/unknown";
    if (path.rfind("/api/", 0) != 0) return path == "/api" ? "/api/unknown" : "static";
    auto s = split_path(std::string_view(path).substr(5));
    static const std::set<std::string> kFixed = {"health",      "search",    "ask", "status",
                                                 "collections", "documents", "jobs"};
    if (s.size() == 1 && kFixed.count(s[0])) return "/api/" + s[0];
    if (s.size() == 2 && s[0] == "jobs" && s[1] == "reindex") return "/api/jobs/reindex";
    if (s.size() == 2 && (s[0] == "documents" || s[0] == "jobs")) return "/api/" + s[0] + "/{id}";
    if (s.size() == 3 && s[0] == "documents" && s[2] == "file") return "/api/documents/{id}/file";
    if (s.size() == 3 && s[0] == "jobs" && s[2] == "cancel") return "/api/jobs/{id}/cancel";
    return "/api/unknown";
}

ApiRoutes::ApiRoutes(const ServerOptions& options, Metrics& metrics, Logger log)
    : options_(options),
      dir_(options.data_dir),
      log_(std::move(log)),
      metrics_(metrics),
      writer_(
          [&] {
              WriterOptions writer;
              writer.dir = store::DataDir(options.data_dir);
              writer.index = options.index;
              writer.embedding = options.embedding;
              writer.max_kept = static_cast<std::size_t>(std::max(1, options.max_jobs_kept));
              return writer;
          }(),
          log_.child("writer")),
      searchers_(
          [this] { return std::make_unique<retriever::HybridSearcher>(dir_, options_.embedding); },
          [this] { return index_version(); }),
      answerers_(
          [this] {
              return std::make_unique<answer::GroundedAnswerer>(
                  dir_, options_.embedding, options_.hybrid, options_.generator, options_.answer);
          },
          [this] { return index_version(); }),
      openai_(options, metrics, log_.child("v1")) {}

ApiRoutes::~ApiRoutes() {
    stop();
}

void ApiRoutes::stop() {
    writer_.stop();
}

std::uint64_t ApiRoutes::index_version() const {
    return writer_.generation() +
           store::VectorIndexReader::current_generation(store::vector_index_path(dir_));
}

ApiReply ApiRoutes::handle(const ApiRequest& request) {
    const std::string& path = request.path;
    if (OpenAiRoutes::owns(path)) return openai_.handle(request);
    try {
        bool api = path.rfind("/api/", 0) == 0;
        auto s = split_path(api ? std::string_view(path).substr(5) : std::string_view());
        std::string_view first = api ? std::string_view(s[0]) : std::string_view();
        if (s.size() == 1 && first == "health") {
            allow(request, {"GET"});
            check_params(request, {});
            return {200, {{"status", "ok"}, {"version", DESKSIDE_VERSION}}, {}, {}, {}};
        }
        if (s.size() == 1 && first == "search") {
            allow(request, {"GET"});
            return search(request);
        }
        if (s.size() == 1 && first == "ask") {
            allow(request, {"POST"});
            return ask(request);
        }
        if (s.size() == 1 && first == "status") {
            allow(request, {"GET"});
            return status(request);
        }
        if (s.size() == 1 && first == "collections") {
            allow(request, {"GET"});
            return collections(request);
        }
        if (first == "documents") {
            if (s.size() == 1) {
                allow(request, {"POST"});
                return upload_documents(request);
            }
            if (s.size() == 2) {
                allow(request, {"GET", "DELETE"});
                std::int64_t id = parse_id(s[1], "document");
                check_params(request, {});
                return request.method == "DELETE" ? delete_document(id) : get_document(id);
            }
            if (s.size() == 3 && s[2] == "file") {
                allow(request, {"GET"});
                check_params(request, {});
                return get_document_file(parse_id(s[1], "document"));
            }
        }
        if (first == "jobs") {
            if (s.size() == 1) {
                allow(request, {"GET"});
                return list_jobs(request);
            }
            if (s.size() == 2 && s[1] == "reindex") {
                allow(request, {"POST"});
                return reindex(request);
            }
            if (s.size() == 2) {
                allow(request, {"GET", "DELETE"});
                std::int64_t id = parse_id(s[1], "job");
                check_params(request, {});
                return request.method == "DELETE" ? cancel_job(id) : get_job(id);
            }
            if (s.size() == 3 && s[2] == "cancel") {
                allow(request, {"POST"});
                check_params(request, {});
                return cancel_job(parse_id(s[1], "job"));
            }
        }
        throw HttpError(404, "route_not_found",
                        "no API route " + path +
                            " (see docs/api.md: /api/search, /api/ask, /api/documents, "
                            "/api/jobs, /api/collections, /api/status, /api/health)");
    } catch (...) {
        return error_reply(path);
    }
}

ApiReply ApiRoutes::error_reply(const std::string& path) const {
    // Still inside the caller's catch block, so the /v1/ routes can rethrow it too.
    if (OpenAiRoutes::owns(path)) return openai_.error_reply(path);
    try {
        throw;
    } catch (const HttpError& e) {
        ApiReply reply{e.status(), error_body(e.code(), e.what()), e.headers(), {}, {}};
        return reply;
    } catch (const Error& e) {
        ApiReply reply{http_status_for(e.code()), error_body(e.code(), e.what()), {}, {}, {}};
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
            {},
            {},
            {}};
}

ApiReply ApiRoutes::status(const ApiRequest& request) {
    check_params(request, {"errors", "check"});
    api::StatusOptions options;
    options.errors = bool_param(request, "errors");
    options.check = bool_param(request, "check");
    nlohmann::json body = api::status_json(dir_, options);
    body["writer"] = {{"queued_or_running", writer_.depth()}};
    return {200, std::move(body), {}, {}, {}};
}

std::vector<api::CollectionSummary> ApiRoutes::collection_summaries() {
    dir_.require_exists();
    // The catalog's files move with every commit, whoever made it (this service or
    // `deskside index`), so their sizes and times say when the cache is stale.
    std::string key = std::to_string(writer_.generation()) + "|" + file_key(dir_.catalog_path()) +
                      "|" + file_key(dir_.root() / "catalog.sqlite-wal");
    std::lock_guard lock(collections_mutex_);
    if (key != collections_key_) {
        store::Catalog catalog(dir_.catalog_path(), store::Catalog::Mode::read_only);
        collections_cache_ = api::collection_summaries(catalog);
        collections_key_ = key;
    }
    return collections_cache_;
}

ApiReply ApiRoutes::collections(const ApiRequest& request) {
    check_params(request, {});
    auto summaries = collection_summaries();
    nlohmann::json body = api::collections_json(summaries);
    std::error_code ec;
    for (auto& entry : body["collections"]) {
        std::filesystem::path uploads = writer_.uploads_dir() / entry["name"].get<std::string>();
        entry["uploads"] = std::filesystem::is_directory(uploads, ec);
    }
    return {200, std::move(body), {}, {}, {}};
}

ApiReply ApiRoutes::wait_for_job(const std::shared_ptr<Job>& job, int success_status) {
    if (!job->wait_finished(std::chrono::seconds(options_.upload_wait_s)))
        return {
            202, job->to_json(), {{"Location", "/api/jobs/" + std::to_string(job->id())}}, {}, {}};
    if (job->status() == JobStatus::failed)
        throw Error(job->error_code().value_or(ErrorCode::internal), job->message());
    if (job->status() == JobStatus::cancelled)
        throw HttpError(409, "conflict", "the job was cancelled: " + job->message());
    return {success_status, job->to_json(), {}, {}, {}};
}

std::vector<ScrapedValue> ApiRoutes::scrape() {
    std::vector<ScrapedValue> values;
    values.push_back({"deskside_writer_queue_depth",
                      "Write jobs (uploads, deletions, re-indexing) queued or running.",
                      "gauge",
                      {},
                      static_cast<double>(writer_.depth())});
    for (const auto& [key, count] : writer_.finished_counts())
        values.push_back({"deskside_jobs_total",
                          "Write jobs finished, by kind and status.",
                          "counter",
                          {{"kind", std::string(job_kind_name(key.first))},
                           {"status", std::string(job_status_name(key.second))}},
                          static_cast<double>(count)});
    values.push_back({"deskside_answerer_info",
                      "The answer writer in use.",
                      "gauge",
                      {{"answerer", options_.generator ? options_.generator->model_name()
                                                       : std::string("extractive")}},
                      1});
    // The index's sizes are read at most every 5 s, so scrapes stay cheap.
    std::lock_guard lock(scrape_mutex_);
    auto now = std::chrono::steady_clock::now();
    if (now - scraped_at_ > std::chrono::seconds(5)) {
        scrape_cache_.clear();
        try {
            if (dir_.exists()) {
                store::Catalog catalog(dir_.catalog_path(), store::Catalog::Mode::read_only);
                auto counts = catalog.counts();
                auto add = [&](const char* name, const char* help, double value,
                               std::vector<std::pair<std::string, std::string>> labels = {}) {
                    scrape_cache_.push_back({name, help, "gauge", std::move(labels), value});
                };
                add("deskside_index_documents", "Searchable documents.",
                    static_cast<double>(counts.documents));
                add("deskside_index_passages", "Passages of the searchable documents.",
                    static_cast<double>(counts.passages));
                add("deskside_index_failed_files", "Files recorded as failed.",
                    static_cast<double>(counts.failed));
                add("deskside_index_unfinished_documents",
                    "Documents an interrupted run left to complete.",
                    static_cast<double>(counts.pending));
                const char* bytes_help =
                    "Bytes: the indexed files, and each store of the data directory.";
                add("deskside_index_bytes", bytes_help, static_cast<double>(counts.bytes),
                    {{"part", "files"}});
                std::error_code ec;
                auto catalog_bytes = std::filesystem::file_size(dir_.catalog_path(), ec);
                add("deskside_index_bytes", bytes_help, ec ? 0 : static_cast<double>(catalog_bytes),
                    {{"part", "catalog"}});
                add("deskside_index_bytes", bytes_help,
                    static_cast<double>(store::keyword_index_bytes(dir_.keyword_index_path())),
                    {{"part", "keyword"}});
                add("deskside_index_bytes", bytes_help,
                    static_cast<double>(folder_bytes(store::vector_index_path(dir_))),
                    {{"part", "vectors"}});
                add("deskside_index_bytes", bytes_help,
                    static_cast<double>(folder_bytes(writer_.uploads_dir())),
                    {{"part", "uploads"}});
            }
        } catch (const Error& e) {
            log_.warn("cannot read the index for /metrics", {{"message", e.what()}});
        }
        scraped_at_ = now;
    }
    values.insert(values.end(), scrape_cache_.begin(), scrape_cache_.end());
    return values;
}

}  // namespace deskside::http
