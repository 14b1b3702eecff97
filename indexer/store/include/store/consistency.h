// Checks that the keyword index and the catalog describe the same passages: every searchable
// passage is in both, nothing is in the keyword index that the catalog does not know, and no
// document left half-written. Used by `deskside status --check` and by the crash tests.
// Opens its own read-only handles; safe to run while nobody or somebody is indexing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/data_dir.h"

namespace deskside::store {

struct ConsistencyReport {
    std::int64_t catalog_passages = 0;      // passages of indexed documents
    std::int64_t keyword_passages = 0;      // documents in the keyword index
    std::int64_t unfinished_documents = 0;  // pending or deleting: the next index run replays
    std::vector<std::string> problems;      // one line each; empty when consistent
    bool consistent() const { return problems.empty(); }
};

ConsistencyReport check_consistency(const DataDir& dir);

}  // namespace deskside::store
