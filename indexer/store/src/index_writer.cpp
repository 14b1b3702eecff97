#include "store/index_writer.h"

#include <vector>

#include "base/error.h"

namespace deskside::store {
namespace {

KeywordIndexConfig checked_config(const DataDir& dir, KeywordIndexConfig config) {
    // Only reads meta: the catalog is re-opened read_write by the IndexWriter right after.
    if (!dir.exists()) return config;
    Catalog catalog(dir.catalog_path(), Catalog::Mode::read_only);
    std::string built_with = catalog.meta("language");
    if (!built_with.empty() && built_with != config.language)
        throw Error(ErrorCode::invalid_argument,
                    "the index in " + dir.root().string() + " was built with language '" +
                        built_with + "', not '" + config.language +
                        "': keep the same language, or index into a new --data directory");
    return config;
}

}  // namespace

IndexWriter::IndexWriter(const DataDir& dir, KeywordIndexConfig config, StepHook hook)
    : lock_(dir),
      catalog_(dir.catalog_path(), Catalog::Mode::read_write),
      keyword_(dir.keyword_index_path(), checked_config(dir, config)),
      hook_(std::move(hook)) {
    if (catalog_.meta("language").empty()) catalog_.set_meta("language", config.language);
    recover();
}

void IndexWriter::recover() {
    auto deleting = catalog_.documents_in_state(DocumentState::deleting);
    auto pending = catalog_.documents_in_state(DocumentState::pending);
    if (deleting.empty() && pending.empty()) return;
    std::vector<std::int64_t> erase_ids;
    for (const auto& document : deleting) {
        keyword_.delete_document(document.id);
        erase_ids.push_back(document.id);
    }
    std::vector<std::int64_t> replay_ids;
    for (const auto& document : pending) {
        keyword_.replace_document(document, catalog_.passages_of(document.id));
        replay_ids.push_back(document.id);
    }
    keyword_.commit();
    catalog_.erase_documents(erase_ids);
    catalog_.mark_indexed(replay_ids);
    recovery_.erased = static_cast<std::int64_t>(erase_ids.size());
    recovery_.replayed = static_cast<std::int64_t>(replay_ids.size());
}

void IndexWriter::add_documents(std::span<PendingDocument> documents) {
    if (documents.empty()) return;
    catalog_.write_pending(documents);
    step("catalog-pending");
    std::vector<std::int64_t> ids;
    ids.reserve(documents.size());
    for (const auto& pending : documents) {
        keyword_.replace_document(pending.document, pending.passages);
        ids.push_back(pending.document.id);
    }
    keyword_.commit();
    step("keyword-commit");
    catalog_.mark_indexed(ids);
}

void IndexWriter::remove_documents(std::span<const std::int64_t> document_ids) {
    if (document_ids.empty()) return;
    catalog_.mark_deleting(document_ids);
    step("catalog-deleting");
    for (auto id : document_ids) keyword_.delete_document(id);
    keyword_.commit();
    step("keyword-delete-commit");
    catalog_.erase_documents(document_ids);
}

}  // namespace deskside::store
