// /api/jobs: start a re-index, follow it, cancel it (ApiRoutes, api_routes.h).
//
// Which folders a request may have indexed: only what is already known — a collection's
// recorded roots (meta "roots:<name>"), the files of a collection, the upload folder — or what
// lies under a folder of serve.index_roots. Nothing else on the machine is ever walked on a
// network request's behalf.
#include <sys/stat.h>

#include "base/error.h"
#include "base/utf8.h"
#include "http/error_status.h"
#include "ingest/file_walker.h"
#include "route_params.h"

namespace deskside::http {

namespace fs = std::filesystem;

namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

ApiReply ApiRoutes::reindex(const ApiRequest& request) {
    check_params(request, {});
    nlohmann::json body =
        request.body->read_json_object(options_.max_json_bytes, {"path", "collection", "prune"});
    std::string path = string_member(body, "path", "", 4096);
    std::string collection = string_member(body, "collection", "", 256);
    if (!collection.empty()) check_collection_name(collection);
    JobSpec spec;
    spec.kind = JobKind::reindex;
    spec.prune = bool_member(body, "prune", false);
    if (path.empty() && collection.empty())
        throw Error(ErrorCode::invalid_argument,
                    "say what to re-index: {\"collection\": NAME} or {\"path\": FOLDER}");

    auto summaries = collection_summaries();
    std::string uploads = ingest::normalized_path(writer_.uploads_dir()).string();

    if (path.empty()) {
        // A whole collection: its recorded roots, its upload folder, and any of its files
        // that lie outside them (indexed one by one).
        auto it = std::find_if(summaries.begin(), summaries.end(),
                               [&](const auto& c) { return c.name == collection; });
        std::string upload_folder = uploads + "/" + collection;
        bool has_uploads = exists(upload_folder);
        if (it == summaries.end() && !has_uploads)
            throw Error(ErrorCode::not_found, "no collection '" + collection + "' in the index");
        std::vector<std::string> roots;
        if (it != summaries.end())
            for (const auto& root : it->roots)
                if (exists(root)) roots.push_back(root);
        if (has_uploads) roots.push_back(upload_folder);
        std::vector<std::string> files;
        if (it != summaries.end())
            for (const auto& file : it->files) {
                bool covered = false;
                for (const auto& root : roots) covered = covered || ingest::is_under(file, root);
                if (covered) continue;
                if (exists(file))
                    files.push_back(file);
                else
                    spec.missing.push_back(file);
            }
        for (const auto& root : roots) spec.roots.emplace_back(root);
        for (const auto& file : files) spec.roots.emplace_back(file);
        spec.collection = collection;
    } else {
        if (!utf8::is_valid(path) || path.find('\0') != std::string::npos || path.front() != '/')
            throw Error(ErrorCode::invalid_argument,
                        "path must be an absolute path (/srv/share/folder)");
        std::string normal = ingest::normalized_path(path).string();
        // Allowed: under a known root or serve.index_roots, or a known file itself. The
        // longest match names the collection when the request does not.
        std::string best_collection;
        std::size_t best_length = 0;
        bool allowed = false;
        auto consider = [&](const std::string& root, const std::string& owner) {
            if (!ingest::is_under(normal, root)) return;
            allowed = true;
            if (!owner.empty() && root.size() >= best_length) {
                best_length = root.size();
                best_collection = owner;
            }
        };
        for (const auto& summary : summaries) {
            for (const auto& root : summary.roots) consider(root, summary.name);
            for (const auto& file : summary.files) consider(file, summary.name);
            consider(uploads + "/" + summary.name, summary.name);
        }
        for (const auto& root : options_.index_roots)
            consider(ingest::normalized_path(root).string(), "");
        if (!allowed)
            throw HttpError(403, "forbidden",
                            "the service only re-indexes folders already indexed or under "
                            "serve.index_roots; " +
                                normal + " is neither");
        if (!exists(normal)) throw Error(ErrorCode::not_found, "nothing at " + normal);
        spec.roots = {fs::path(normal)};
        spec.collection = !collection.empty()        ? collection
                          : !best_collection.empty() ? best_collection
                                                     : "default";
    }
    auto job = writer_.submit(std::move(spec));
    return {202, job->to_json(), {{"Location", "/api/jobs/" + std::to_string(job->id())}}, {}, {}};
}

ApiReply ApiRoutes::list_jobs(const ApiRequest& request) {
    check_params(request, {"limit"});
    int limit = int_param(request, "limit", 50, 1, 1000);
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& job : writer_.list()) {
        if (static_cast<int>(jobs.size()) >= limit) break;
        jobs.push_back(job->to_json());
    }
    return {200, {{"jobs", std::move(jobs)}, {"queued_or_running", writer_.depth()}}, {}, {}, {}};
}

ApiReply ApiRoutes::get_job(std::int64_t id) {
    auto job = writer_.find(id);
    if (!job)
        throw Error(ErrorCode::not_found,
                    "no job " + std::to_string(id) + " (finished jobs are kept for a while only)");
    return {200, job->to_json(), {}, {}, {}};
}

ApiReply ApiRoutes::cancel_job(std::int64_t id) {
    auto job = writer_.find(id);
    if (!job) throw Error(ErrorCode::not_found, "no job " + std::to_string(id));
    if (!job->request_cancel())
        throw HttpError(409, "conflict",
                        "job " + std::to_string(id) + " has already finished (" +
                            std::string(job_status_name(job->status())) + ")");
    // A running job stops at its next file; the reply shows it still running.
    return {202, job->to_json(), {}, {}, {}};
}

}  // namespace deskside::http
