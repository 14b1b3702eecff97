// MAPI property storages of Outlook .msg files: see mapi_storage.h for the layout.
#include "mapi_storage.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "glib_handles.h"

namespace deskside::ingest::email {
namespace {

constexpr std::uint16_t kTypeLong = 0x0003;
constexpr std::uint16_t kTypeSystime = 0x0040;
constexpr std::uint16_t kPropMessageCodepage = 0x3FFD;
constexpr std::uint16_t kPropInternetCpid = 0x3FDE;
// FILETIME counts 100 ns ticks since 1601-01-01; Unix time starts 11644473600 s later.
constexpr std::uint64_t kFiletimeTicksPerSecond = 10'000'000;
constexpr std::int64_t kFiletimeUnixOffset = 11'644'473'600;

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string stream_name(std::uint16_t id, std::uint16_t type) {
    char name[32];
    std::snprintf(name, sizeof name, "__SUBSTG1.0_%04X%04X", id, type);
    return name;
}

// libgsf's OLE2 reader gives streams the GsfInfile type too; only storages have children (a
// stream answers -1).
bool is_storage(GsfInput* input) {
    return GSF_IS_INFILE(input) && gsf_infile_num_children(GSF_INFILE(input)) >= 0;
}

std::uint32_t read_u32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

MapiStorage::MapiStorage(GsfInfile* storage, Kind kind, std::int64_t file_size)
    : storage_(storage), kind_(kind), file_size_(file_size) {
    for (int i = 0, n = gsf_infile_num_children(storage_); i < n; ++i)
        if (const char* name = gsf_infile_name_by_index(storage_, i)) children_[upper(name)] = i;
    read_properties();
}

bool MapiStorage::has_properties() const {
    if (!fixed_.empty()) return true;
    return std::any_of(children_.begin(), children_.end(),
                       [](const auto& child) { return child.first.starts_with("__SUBSTG1.0_"); });
}

std::optional<std::string> MapiStorage::read_stream(std::string_view name) const {
    auto found = children_.find(upper(name));
    if (found == children_.end()) return std::nullopt;
    GObjectPtr<GsfInput> input(gsf_infile_child_by_index(storage_, found->second));
    if (!input) {
        damaged_ = true;  // listed in the directory but its sectors are gone
        return std::nullopt;
    }
    if (is_storage(input.get())) return std::nullopt;
    gsf_off_t size = gsf_input_size(input.get());
    // An OLE2 stream cannot be larger than its file: a larger size is a damaged directory.
    if (size < 0 || size > file_size_) {
        damaged_ = true;
        return std::nullopt;
    }
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (size > 0 && !gsf_input_read(input.get(), static_cast<std::size_t>(size),
                                    reinterpret_cast<guint8*>(bytes.data()))) {
        damaged_ = true;
        return std::nullopt;
    }
    return bytes;
}

void MapiStorage::read_properties() {
    std::optional<std::string> stream = read_stream("__properties_version1.0");
    if (!stream) return;
    std::size_t header = kind_ == Kind::message ? 32 : kind_ == Kind::embedded_message ? 24 : 8;
    const auto* data = reinterpret_cast<const unsigned char*>(stream->data());
    for (std::size_t at = header; at + 16 <= stream->size(); at += 16) {
        std::uint32_t tag = read_u32(data + at);
        std::uint64_t value = read_u32(data + at + 8) | std::uint64_t{read_u32(data + at + 12)}
                                                            << 32;
        fixed_.emplace(tag, value);
    }
}

std::optional<std::string> MapiStorage::binary(std::uint16_t id) const {
    return read_stream(stream_name(id, 0x0102));
}

std::optional<std::string> MapiStorage::string(std::uint16_t id, std::string_view charset) const {
    if (auto wide = read_stream(stream_name(id, 0x001F))) return utf16le_to_utf8(*wide);
    auto narrow = read_stream(stream_name(id, 0x001E));
    if (!narrow) return std::nullopt;
    while (!narrow->empty() && narrow->back() == '\0') narrow->pop_back();
    return decode_8bit(*narrow, charset);
}

std::optional<std::uint32_t> MapiStorage::int32(std::uint16_t id) const {
    auto found = fixed_.find(std::uint32_t{id} << 16 | kTypeLong);
    if (found == fixed_.end()) return std::nullopt;
    return static_cast<std::uint32_t>(found->second);
}

std::optional<std::int64_t> MapiStorage::unix_time(std::uint16_t id) const {
    auto found = fixed_.find(std::uint32_t{id} << 16 | kTypeSystime);
    if (found == fixed_.end() || found->second == 0) return std::nullopt;
    return static_cast<std::int64_t>(found->second / kFiletimeTicksPerSecond) - kFiletimeUnixOffset;
}

std::vector<GsfInfile*> MapiStorage::storages(std::string_view prefix) const {
    std::vector<GsfInfile*> out;
    std::string wanted = upper(prefix);
    for (const auto& [name, index] : children_) {
        if (!name.starts_with(wanted)) continue;
        GsfInput* child = gsf_infile_child_by_index(storage_, index);
        if (child && is_storage(child))
            out.push_back(GSF_INFILE(child));
        else if (child)
            g_object_unref(child);
    }
    return out;
}

GsfInfile* MapiStorage::object(std::uint16_t id) const {
    auto found = children_.find(stream_name(id, 0x000D));
    if (found == children_.end()) return nullptr;
    GsfInput* child = gsf_infile_child_by_index(storage_, found->second);
    if (child && is_storage(child)) return GSF_INFILE(child);
    if (child) g_object_unref(child);
    return nullptr;
}

std::string MapiStorage::charset(bool internet) const {
    std::optional<std::uint32_t> message = int32(kPropMessageCodepage);
    std::optional<std::uint32_t> cpid = int32(kPropInternetCpid);
    std::optional<std::uint32_t> code_page =
        internet ? (cpid ? cpid : message) : (message ? message : cpid);
    return code_page ? charset_for_code_page(*code_page) : "";
}

}  // namespace deskside::ingest::email
