#include "store/consistency.h"

#include <set>

#include "store/catalog.h"
#include "store/keyword_index.h"

namespace deskside::store {

ConsistencyReport check_consistency(const DataDir& dir) {
    ConsistencyReport report;
    Catalog catalog(dir.catalog_path(), Catalog::Mode::read_only);
    KeywordIndexReader keyword(dir.keyword_index_path());
    const auto& db = keyword.database();

    std::set<std::int64_t> in_keyword;
    for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) in_keyword.insert(*it);
    report.keyword_passages = static_cast<std::int64_t>(in_keyword.size());

    auto limit_problems = [&](std::string line) {
        if (report.problems.size() < 50) report.problems.push_back(std::move(line));
    };
    std::set<std::int64_t> known;  // passages of documents in any state
    for (auto state : {DocumentState::indexed, DocumentState::pending, DocumentState::deleting}) {
        for (const auto& document : catalog.documents_in_state(state)) {
            if (state != DocumentState::indexed) ++report.unfinished_documents;
            std::set<int> ordinals;
            for (const auto& passage : catalog.passages_of(document.id)) {
                known.insert(passage.id);
                if (!ordinals.insert(passage.ordinal).second)
                    limit_problems("duplicate passage ordinal " + std::to_string(passage.ordinal) +
                                   " in " + document.path);
                if (state != DocumentState::indexed) continue;
                ++report.catalog_passages;
                if (!in_keyword.count(passage.id))
                    limit_problems("passage " + std::to_string(passage.id) + " of " +
                                   document.path + " is missing from the keyword index");
                else if (keyword.document_of(static_cast<Xapian::docid>(passage.id)) != document.id)
                    limit_problems("passage " + std::to_string(passage.id) +
                                   " belongs to another document in the keyword index");
            }
        }
    }
    for (auto id : in_keyword)
        if (!known.count(id))
            limit_problems("keyword index has passage " + std::to_string(id) +
                           " that the catalog does not know (orphan)");
    return report;
}

}  // namespace deskside::store
