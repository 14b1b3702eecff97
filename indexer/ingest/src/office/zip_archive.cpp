#include "office/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "ingest/extract_failure.h"

namespace deskside::ingest::office {
namespace {

std::string megabytes(std::int64_t bytes) {
    return std::to_string(bytes >> 20) + " MB";
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

struct ZipFileCloser {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};

}  // namespace

struct ZipArchive::Handle {
    zip_t* archive = nullptr;
    ~Handle() {
        if (archive) zip_discard(archive);  // read-only: nothing to write back
    }
};

ZipArchive::ZipArchive(std::string_view bytes, const ExtractOptions& options, std::string what)
    : handle_(std::make_unique<Handle>()), options_(options), what_(std::move(what)) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!source) {
        zip_error_fini(&error);
        throw std::bad_alloc();
    }
    handle_->archive = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (!handle_->archive) {
        zip_source_free(source);  // not taken over when the open fails
        std::string reason = zip_error_strerror(&error);
        zip_error_fini(&error);
        fail(FailureKind::corrupt, "the " + what_ + " is not a readable ZIP archive (" + reason +
                                       "); the file is damaged or truncated");
    }
    zip_error_fini(&error);

    zip_int64_t count = zip_get_num_entries(handle_->archive, 0);
    if (count > options_.max_archive_entries)
        fail(FailureKind::too_large, "the " + what_ + " lists " + std::to_string(count) +
                                         " entries, over the limit of " +
                                         std::to_string(options_.max_archive_entries));
    names_.reserve(static_cast<std::size_t>(std::max<zip_int64_t>(count, 0)));
    for (zip_int64_t i = 0; i < count; ++i) {
        const char* name = zip_get_name(handle_->archive, static_cast<zip_uint64_t>(i), 0);
        names_.emplace_back(name ? name : "");
    }
}

ZipArchive::~ZipArchive() = default;

bool ZipArchive::contains(std::string_view name) const {
    for (const std::string& entry : names_)
        if (equal_ignoring_case(entry, name)) return true;
    return false;
}

std::optional<std::string> ZipArchive::read(std::string_view name) {
    std::optional<zip_uint64_t> index;
    for (std::size_t i = 0; i < names_.size() && !index; ++i)
        if (names_[i] == name) index = i;
    for (std::size_t i = 0; i < names_.size() && !index; ++i)
        if (equal_ignoring_case(names_[i], name)) index = i;
    if (!index) return std::nullopt;

    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(handle_->archive, *index, 0, &stat) != 0)
        fail(FailureKind::corrupt, "the " + what_ + " has a damaged entry " + std::string(name));
    if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
        fail(FailureKind::encrypted, "the " + what_ + " entry " + std::string(name) +
                                         " is encrypted; save the file without a password");
    const std::int64_t budget = options_.max_unpacked_bytes - unpacked_;
    auto over_budget = [&] {
        fail(FailureKind::too_large,
             "the " + what_ + " unpacks to more than " + megabytes(options_.max_unpacked_bytes) +
                 " (at " + std::string(name) + "); a ZIP bomb, or a package too large to index");
    };
    if ((stat.valid & ZIP_STAT_SIZE) && static_cast<std::int64_t>(stat.size) > budget)
        over_budget();

    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(handle_->archive, *index, 0));
    if (!file)
        fail(FailureKind::corrupt, "the " + what_ + " entry " + std::string(name) +
                                       " cannot be opened (" + zip_strerror(handle_->archive) +
                                       ")");
    std::string content;
    if (stat.valid & ZIP_STAT_SIZE) content.reserve(static_cast<std::size_t>(stat.size));
    char buffer[1 << 16];
    for (;;) {
        zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
        if (n < 0)
            fail(FailureKind::corrupt, "the " + what_ + " entry " + std::string(name) +
                                           " is damaged (" + zip_file_strerror(file.get()) + ")");
        if (n == 0) break;
        // The declared size can lie: count what actually inflates.
        if (static_cast<std::int64_t>(content.size()) + n > budget) over_budget();
        content.append(buffer, static_cast<std::size_t>(n));
        if (past_deadline(options_))
            fail(FailureKind::timeout, "reading " + std::string(name) + " from the " + what_ +
                                           " took longer than the per-file time limit");
    }
    unpacked_ += static_cast<std::int64_t>(content.size());
    return content;
}

std::string resolve_part_name(std::string_view source_part, std::string_view target) {
    std::string decoded;
    for (std::size_t i = 0; i < target.size(); ++i) {
        if (target[i] == '#') break;
        if (target[i] == '%' && i + 2 < target.size() && std::isxdigit(target[i + 1]) &&
            std::isxdigit(target[i + 2])) {
            decoded +=
                static_cast<char>(std::stoi(std::string(target.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            decoded += target[i];
        }
    }
    std::string joined;
    if (!decoded.empty() && decoded.front() == '/') {
        joined = decoded.substr(1);
    } else {
        std::size_t slash = source_part.rfind('/');
        joined = slash == std::string_view::npos
                     ? decoded
                     : std::string(source_part.substr(0, slash + 1)) + decoded;
    }
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (start <= joined.size()) {
        std::size_t end = joined.find('/', start);
        if (end == std::string::npos) end = joined.size();
        std::string segment = joined.substr(start, end - start);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(std::move(segment));
        }
        start = end + 1;
    }
    std::string out;
    for (const std::string& segment : segments) {
        if (!out.empty()) out += '/';
        out += segment;
    }
    return out;
}

}  // namespace deskside::ingest::office
