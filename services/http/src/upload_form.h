// Reads a multipart/form-data upload (POST /api/documents) straight from the request body
// into a private staging folder, part by part, never holding a file in memory: one or more
// `file` parts (each with a filename) and an optional `collection` field. Any other part is
// refused (400 naming it), as is a body that is not multipart/form-data with a boundary (415),
// larger than the limit (413) or malformed (400).
//
// The staged files belong to the returned StagedUpload until they are handed to the writer;
// if that never happens its destructor removes them. One request, one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobs.h"
#include "request_body.h"

namespace deskside::http {

class StagedUpload {
  public:
    StagedUpload() = default;
    explicit StagedUpload(std::filesystem::path folder) : folder_(std::move(folder)) {}
    ~StagedUpload();
    StagedUpload(StagedUpload&& other) noexcept;
    StagedUpload& operator=(StagedUpload&& other) noexcept;
    StagedUpload(const StagedUpload&) = delete;
    StagedUpload& operator=(const StagedUpload&) = delete;

    const std::filesystem::path& folder() const { return folder_; }
    std::vector<StagedFile> files;
    std::optional<std::string> collection;

    // The writer owns the files from now on (its job removes the folder when it ends).
    void release() { folder_.clear(); }

  private:
    std::filesystem::path folder_;
};

inline constexpr std::size_t kMaxUploadFiles = 100;

// `staging_root` is DATA_DIR/uploads/.incoming (created if needed).
StagedUpload read_upload_form(RequestBody& body, std::int64_t limit,
                              const std::filesystem::path& staging_root);

}  // namespace deskside::http
