// OLE1 object decoding for rtf_objects.h: a bounds-checked cursor over the object bytes;
// OLE2 payloads are opened with legacy/ole_file.h. Pure functions; thread-safe.
#include "rtf/rtf_objects.h"

#include <array>
#include <cstdint>
#include <utility>

#include "base/utf8.h"
#include "legacy/ole_file.h"

namespace deskside::ingest::rtf {
namespace {

constexpr std::uint32_t kEmbedded = 2;
constexpr std::int64_t kMaxStream = 1ll << 30;  // the object is already in memory whole

// A little-endian reader that reports running off the end instead of reading past it.
class Cursor {
  public:
    explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
    bool ok() const { return ok_; }
    std::size_t left() const { return bytes_.size() - at_; }

    std::uint32_t u32() {
        if (left() < 4) return fail<std::uint32_t>();
        std::uint32_t value = 0;
        for (int i = 3; i >= 0; --i)
            value = value << 8 | static_cast<unsigned char>(bytes_[at_ + i]);
        at_ += 4;
        return value;
    }
    std::uint16_t u16() {
        if (left() < 2) return fail<std::uint16_t>();
        std::uint16_t value =
            static_cast<std::uint16_t>(static_cast<unsigned char>(bytes_[at_]) |
                                       static_cast<unsigned char>(bytes_[at_ + 1]) << 8);
        at_ += 2;
        return value;
    }
    std::string_view take(std::size_t n) {
        if (left() < n) return fail<std::string_view>();
        std::string_view out = bytes_.substr(at_, n);
        at_ += n;
        return out;
    }
    std::string_view cstring() {  // up to and without the NUL, which is consumed
        std::size_t end = bytes_.find('\0', at_);
        if (end == std::string_view::npos) return fail<std::string_view>();
        std::string_view out = bytes_.substr(at_, end - at_);
        at_ = end + 1;
        return out;
    }
    std::string_view sized() { return take(u32()); }  // u32 length, then that many bytes

  private:
    template <typename T>
    T fail() {
        ok_ = false;
        at_ = bytes_.size();
        return T{};
    }
    std::string_view bytes_;
    std::size_t at_ = 0;
    bool ok_ = true;
};

std::string without_nul(std::string_view text) {
    std::size_t nul = text.find('\0');
    return std::string(text.substr(0, nul));
}

// The last path component of a Windows or POSIX path.
std::string base_name(std::string_view path) {
    std::size_t cut = path.find_last_of("\\/:");
    return std::string(cut == std::string_view::npos ? path : path.substr(cut + 1));
}

// A Package's file: the UTF-16 label after the data when present (the ANSI label lost the
// characters outside its code page to '?'), else the ANSI label or the original path's name.
std::optional<EmbeddedFile> decode_package(std::string_view native) {
    Cursor in(native);
    in.u16();
    std::string_view label = in.cstring();
    std::string_view original_path = in.cstring();
    in.u16();
    std::uint16_t type = in.u16();
    in.sized();  // temporary path
    std::string_view data = in.sized();
    if (!in.ok() || type != 3 || data.empty()) return std::nullopt;
    EmbeddedFile file;
    file.bytes = std::string(data);
    std::string_view wide_temp = in.take(std::size_t{2} * in.u32());
    std::string_view wide_label = in.take(std::size_t{2} * in.u32());
    if (in.ok() && !wide_temp.empty() && !wide_label.empty()) {
        std::string name;
        for (std::size_t i = 0; i + 1 < wide_label.size(); i += 2) {
            char32_t unit = static_cast<unsigned char>(wide_label[i]) |
                            static_cast<unsigned char>(wide_label[i + 1]) << 8;
            if (unit == 0) break;
            utf8::append(name, unit);
        }
        if (!name.empty()) file.name = base_name(name);
    }
    if (file.name.empty() && utf8::is_valid(label)) file.name = base_name(label);
    if (file.name.empty() && utf8::is_valid(original_path)) file.name = base_name(original_path);
    return file;
}

// The extension an OLE class name's document is saved with.
std::string extension_of(std::string_view class_name) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kClasses = {{
        {"Word.Document.12", ".docx"},
        {"Excel.Sheet.12", ".xlsx"},
        {"PowerPoint.Show.12", ".pptx"},
        {"Word.Document", ".doc"},
        {"Excel.Sheet", ".xls"},
        {"PowerPoint.Show", ".ppt"},
    }};
    for (const auto& [prefix, extension] : kClasses)
        if (class_name.starts_with(prefix)) return std::string(extension);
    if (class_name.starts_with("AcroExch.Document") || class_name.starts_with("Acrobat"))
        return ".pdf";
    return {};
}

// A document inside an OLE2 native payload.
std::optional<EmbeddedFile> decode_compound(std::string_view class_name, std::string_view native,
                                            int ordinal) {
    std::optional<legacy::OleFile> ole = legacy::OleFile::open(native);
    if (!ole) return std::nullopt;
    std::string stem = "embedded-" + std::to_string(ordinal);
    if (std::optional<std::string> package = ole->read("Package", kMaxStream)) {
        std::string extension = extension_of(class_name);
        return EmbeddedFile{stem + (extension.empty() ? ".zip" : extension), std::move(*package)};
    }
    if (std::optional<std::string> contents = ole->read("CONTENTS", kMaxStream);
        contents && contents->starts_with("%PDF-"))
        return EmbeddedFile{stem + ".pdf", std::move(*contents)};
    if (std::optional<std::string> native10 = ole->read("\001Ole10Native", kMaxStream)) {
        Cursor in(*native10);
        std::string_view package = in.sized();
        if (in.ok()) return decode_package(package);
        return std::nullopt;
    }
    std::string extension = extension_of(class_name);
    if (extension.empty() || extension.ends_with('x') || extension == ".pdf")
        return std::nullopt;  // no document we know inside (a picture, an equation)
    return EmbeddedFile{stem + extension, std::string(native)};
}

}  // namespace

std::optional<EmbeddedFile> decode_ole_object(std::string_view class_name,
                                              std::string_view compound, int ordinal) {
    return decode_compound(class_name, compound, ordinal);
}

std::optional<EmbeddedFile> decode_rtf_object(std::string_view class_name, std::string_view data,
                                              int ordinal) {
    Cursor in(data);
    in.u32();  // OLE version
    std::uint32_t format = in.u32();
    std::string header_class = without_nul(in.sized());
    in.sized();  // topic
    in.sized();  // item
    std::uint32_t size = in.u32();
    if (!in.ok() || format != kEmbedded) return std::nullopt;
    std::string_view native = in.take(std::min<std::size_t>(size, in.left()));
    std::string name = header_class.empty() ? std::string(class_name) : header_class;
    if (name.starts_with("Package")) return decode_package(native);
    return decode_compound(name, native, ordinal);
}

}  // namespace deskside::ingest::rtf
