// /api/documents: one document with its passages, its original file, uploads and deletion
// (ApiRoutes, api_routes.h).
#include <sys/stat.h>

#include "api/json_output.h"
#include "base/error.h"
#include "file_names.h"
#include "http/error_status.h"
#include "route_params.h"
#include "store/catalog.h"
#include "upload_form.h"

namespace deskside::http {

namespace {

// The indexed document `id`, or Error(not_found).
store::DocumentRecord find_indexed(store::Catalog& catalog, std::int64_t id) {
    auto document = catalog.get_document(id);
    if (!document || document->state != store::DocumentState::indexed)
        throw Error(ErrorCode::not_found, "no document " + std::to_string(id) + " in the index");
    return std::move(*document);
}

std::string file_name_of(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

ApiReply ApiRoutes::get_document(std::int64_t id) {
    dir_.require_exists();
    store::Catalog catalog(dir_.catalog_path(), store::Catalog::Mode::read_only);
    store::DocumentRecord document = find_indexed(catalog, id);
    std::vector<store::PassageRecord> passages = catalog.passages_of(id);
    nlohmann::json body = api::document_json(document, &passages);
    body["container_id"] = nullptr;
    if (!document.container.empty())
        if (auto container = catalog.find_document(document.container))
            body["container_id"] = container->id;
    // An attachment has no file of its own to download (see get_document_file).
    body["file_url"] = document.container.empty()
                           ? nlohmann::json("/api/documents/" + std::to_string(id) + "/file")
                           : nlohmann::json();
    return {200, std::move(body), {}, {}, {}};
}

ApiReply ApiRoutes::get_document_file(std::int64_t id) {
    dir_.require_exists();
    store::Catalog catalog(dir_.catalog_path(), store::Catalog::Mode::read_only);
    store::DocumentRecord document = find_indexed(catalog, id);
    if (!document.container.empty()) {
        // An attachment exists only inside its container's bytes; the service does not
        // re-extract it. The container is one click away.
        auto container = catalog.find_document(document.container);
        std::string where =
            container ? "/api/documents/" + std::to_string(container->id) + "/file" : "its file";
        ApiReply reply{
            404,
            error_body("not_found", "document " + std::to_string(id) + " is stored inside " +
                                        document.container +
                                        " and has no file of its own: download " + where),
            {},
            {},
            {}};
        if (container) {
            reply.body["error"]["container_id"] = container->id;
            reply.body["error"]["container_url"] = where;
        }
        return reply;
    }
    struct stat st {};
    if (::stat(document.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw Error(ErrorCode::not_found, "the file of document " + std::to_string(id) +
                                              " is no longer at " + document.path);
    std::string type = content_type_for_document(document.mime, document.format);
    if (type.rfind("text/", 0) == 0 && !document.encoding.empty() &&
        document.encoding.find_first_of(" \t\r\n;,\"") == std::string::npos)
        type += "; charset=" + document.encoding;
    ApiReply reply;
    reply.file = FileBody{document.path, type};
    reply.headers = {
        {"Content-Disposition", content_disposition(may_show_inline(type) ? "inline" : "attachment",
                                                    file_name_of(document.path))},
        {"Cache-Control", "no-cache"},
    };
    // The bytes on disk changed since they were indexed: say so, but still serve them.
    if (st.st_size != document.size) reply.headers.emplace_back("X-Deskside-Stale", "1");
    return reply;
}

ApiReply ApiRoutes::upload_documents(const ApiRequest& request) {
    check_params(request, {});
    RequestBody empty;
    RequestBody& body = request.body ? *request.body : empty;
    StagedUpload upload =
        read_upload_form(body, options_.max_upload_bytes, writer_.uploads_dir() / ".incoming");
    JobSpec spec;
    spec.kind = JobKind::upload;
    spec.collection = upload.collection.value_or("default");
    check_collection_name(spec.collection);
    spec.files = upload.files;
    spec.staging_dir = upload.folder();
    auto job = writer_.submit(std::move(spec));
    upload.release();  // the job removes the staging folder when it ends
    ApiReply reply = wait_for_job(job, 201);
    if (reply.status == 201) {
        nlohmann::json result = {{"job", job->id()}, {"documents", job->result()}};
        reply.body = std::move(result);
    }
    return reply;
}

ApiReply ApiRoutes::delete_document(std::int64_t id) {
    // Checked here too, so that a wrong id is answered at once rather than after the queue.
    dir_.require_exists();
    {
        store::Catalog catalog(dir_.catalog_path(), store::Catalog::Mode::read_only);
        store::DocumentRecord document = find_indexed(catalog, id);
        if (!document.container.empty()) {
            auto container = catalog.find_document(document.container);
            throw Error(ErrorCode::invalid_argument,
                        "document " + std::to_string(id) + " is stored inside " +
                            document.container +
                            (container ? " (document " + std::to_string(container->id) + ")" : "") +
                            ": delete that document instead");
        }
    }
    JobSpec spec;
    spec.kind = JobKind::remove;
    spec.document_id = id;
    auto job = writer_.submit(std::move(spec));
    ApiReply reply = wait_for_job(job, 200);
    if (reply.status == 200) reply.body = {{"job", job->id()}, {"deleted", job->result()}};
    return reply;
}

}  // namespace deskside::http
