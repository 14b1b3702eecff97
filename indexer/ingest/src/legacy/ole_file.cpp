// libgsf behind ole_file.h: GObject handles in unique_ptrs with g_object_unref, streams read
// whole up to a cap, the summary property set through gsf_doc_meta_data_read_from_msole.
#include "legacy/ole_file.h"

#include <gsf/gsf.h>

#include <utility>

namespace deskside::ingest::legacy {
namespace {

struct GObjectUnref {
    void operator()(gpointer object) const {
        if (object) g_object_unref(object);
    }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;

void drop_message(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

// libgsf registers its types and charset tables once per process; C++ runs this once even
// when several threads open their first file together. Its assertion messages on damaged
// files ("ole_seek_block: assertion failed") are expected here and would only flood stderr:
// the damage is reported as the file's failure reason instead.
void ensure_gsf() {
    static const bool initialised = [] {
        gsf_init();
        auto levels =
            static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING |
                                        G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG);
        for (const char* domain : {"libgsf", "libgsf:msole"})
            g_log_set_handler(domain, levels, drop_message, nullptr);
        return true;
    }();
    (void)initialised;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    while (!path.empty()) {
        std::size_t slash = path.find('/');
        if (slash != 0) parts.emplace_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

std::optional<std::int64_t> timestamp_of(GsfDocMetaData* meta, const char* name) {
    GsfDocProp* prop = gsf_doc_meta_data_lookup(meta, name);
    if (!prop) return std::nullopt;
    const GValue* value = gsf_doc_prop_get_val(prop);
    if (!value || !G_VALUE_HOLDS(value, GSF_TIMESTAMP_TYPE)) return std::nullopt;
    auto* stamp = static_cast<const GsfTimestamp*>(g_value_get_boxed(value));
    // 0 and FILETIME 0 (1601) mean "never set".
    if (!stamp || stamp->timet <= 0) return std::nullopt;
    return static_cast<std::int64_t>(stamp->timet);
}

std::string string_of(GsfDocMetaData* meta, const char* name) {
    GsfDocProp* prop = gsf_doc_meta_data_lookup(meta, name);
    if (!prop) return {};
    const GValue* value = gsf_doc_prop_get_val(prop);
    if (!value || !G_VALUE_HOLDS_STRING(value)) return {};
    const char* text = g_value_get_string(value);
    std::string out = text ? text : "";
    while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
    while (!out.empty() && out.front() == ' ') out.erase(0, 1);
    return out;
}

}  // namespace

struct OleFile::Handles {
    GPtr<GsfInput> input;
    GPtr<GsfInfile> root;

    // The entry at `path` (a new reference), or null.
    GPtr<GsfInput> find(std::string_view path) const {
        std::vector<std::string> parts = split_path(path);
        if (parts.empty()) return nullptr;
        GPtr<GsfInput> current;
        GsfInfile* dir = root.get();
        for (const std::string& part : parts) {
            if (!dir) return nullptr;
            current.reset(gsf_infile_child_by_name(dir, part.c_str()));
            if (!current) return nullptr;
            dir = GSF_IS_INFILE(current.get()) ? GSF_INFILE(current.get()) : nullptr;
        }
        return current;
    }
};

OleFile::OleFile(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}
OleFile::OleFile(OleFile&&) noexcept = default;
OleFile& OleFile::operator=(OleFile&&) noexcept = default;
OleFile::~OleFile() = default;

std::optional<OleFile> OleFile::open(std::string_view bytes) {
    if (!bytes.starts_with(kOleSignature)) return std::nullopt;
    ensure_gsf();
    auto handles = std::make_unique<Handles>();
    handles->input.reset(gsf_input_memory_new(reinterpret_cast<const guint8*>(bytes.data()),
                                              static_cast<gsf_off_t>(bytes.size()), FALSE));
    if (!handles->input) return std::nullopt;
    GError* raw_error = nullptr;
    handles->root.reset(gsf_infile_msole_new(handles->input.get(), &raw_error));
    ErrorPtr error(raw_error);
    if (!handles->root) return std::nullopt;
    return OleFile(std::move(handles));
}

bool OleFile::has(std::string_view path) const {
    return handles_->find(path) != nullptr;
}

std::optional<std::string> OleFile::read(std::string_view path, std::int64_t max_bytes,
                                         bool* too_long) const {
    if (too_long) *too_long = false;
    GPtr<GsfInput> stream = handles_->find(path);
    if (!stream) return std::nullopt;
    if (GSF_IS_INFILE(stream.get()) && gsf_infile_num_children(GSF_INFILE(stream.get())) >= 0)
        return std::nullopt;  // a storage
    gsf_off_t size = gsf_input_size(stream.get());
    if (size < 0) return std::nullopt;
    if (size > max_bytes) {
        if (too_long) *too_long = true;
        return std::nullopt;
    }
    std::string out(static_cast<std::size_t>(size), '\0');
    if (size > 0 && !gsf_input_read(stream.get(), static_cast<std::size_t>(size),
                                    reinterpret_cast<guint8*>(out.data())))
        return std::nullopt;
    return out;
}

std::vector<std::string> OleFile::children(std::string_view path) const {
    GPtr<GsfInput> holder;
    GsfInfile* dir = handles_->root.get();
    if (!split_path(path).empty()) {
        holder = handles_->find(path);
        dir = holder && GSF_IS_INFILE(holder.get()) ? GSF_INFILE(holder.get()) : nullptr;
    }
    std::vector<std::string> names;
    if (!dir) return names;
    int count = gsf_infile_num_children(dir);
    for (int i = 0; i < count; ++i)
        if (const char* name = gsf_infile_name_by_index(dir, i)) names.emplace_back(name);
    return names;
}

DocumentMetadata OleFile::summary() const {
    DocumentMetadata metadata;
    GPtr<GsfInput> stream = handles_->find("\005SummaryInformation");
    if (!stream) return metadata;
    GPtr<GsfDocMetaData> meta(gsf_doc_meta_data_new());
    ErrorPtr error(gsf_doc_meta_data_read_from_msole(meta.get(), stream.get()));
    if (error) return metadata;
    metadata.title = string_of(meta.get(), GSF_META_NAME_TITLE);
    metadata.author = string_of(meta.get(), GSF_META_NAME_CREATOR);  // PID_AUTHOR
    metadata.created = timestamp_of(meta.get(), GSF_META_NAME_DATE_CREATED);
    metadata.modified = timestamp_of(meta.get(), GSF_META_NAME_DATE_MODIFIED);
    return metadata;
}

}  // namespace deskside::ingest::legacy
