// The PowerPoint record reader of ppt_text.h (byte layout there). Every read is bounds-checked
// against the stream and the enclosing record; pure functions, thread-safe.
#include "legacy/ppt_text.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "base/utf8.h"
#include "ingest/extract_failure.h"

namespace deskside::ingest::legacy {
namespace {

constexpr std::uint16_t kDocument = 0x03E8;
constexpr std::uint16_t kSlide = 0x03EE;
constexpr std::uint16_t kSlideAtom = 0x03EF;
constexpr std::uint16_t kNotes = 0x03F0;
constexpr std::uint16_t kSlidePersistAtom = 0x03F3;
constexpr std::uint16_t kTextHeaderAtom = 0x0F9F;
constexpr std::uint16_t kTextCharsAtom = 0x0FA0;
constexpr std::uint16_t kTextBytesAtom = 0x0FA8;
constexpr std::uint16_t kSlideListWithText = 0x0FF0;
constexpr std::uint16_t kUserEditAtom = 0x0FF5;
constexpr std::uint16_t kPersistDirectoryAtom = 0x1772;
constexpr std::uint32_t kEncryptedToken = 0xF3D1C4DF;

constexpr int kMaxDepth = 32;                // containers nest a handful deep in real files
constexpr int kMaxEdits = 4096;              // incremental saves in one file
constexpr int kTitle = 0, kCenterTitle = 6;  // TextHeaderAtom textType values

std::uint32_t u32(std::string_view s, std::size_t at) {
    if (at + 4 > s.size()) return 0;
    auto b = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
    };
    return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}
std::uint16_t u16(std::string_view s, std::size_t at) {
    if (at + 2 > s.size()) return 0;
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                      static_cast<unsigned char>(s[at + 1]) << 8);
}

struct Record {
    std::uint16_t type = 0;
    std::uint16_t instance = 0;
    bool container = false;
    std::size_t body = 0;    // offset of the body in the stream
    std::size_t length = 0;  // body length, clipped to the stream
    std::size_t end() const { return body + length; }
};

// The record whose header starts at `at`, its body clipped to `limit`.
std::optional<Record> record_at(std::string_view s, std::size_t at, std::size_t limit) {
    if (limit > s.size()) limit = s.size();
    if (at + 8 > limit) return std::nullopt;
    Record r;
    std::uint16_t ver_instance = u16(s, at);
    r.container = (ver_instance & 0xF) == 0xF;
    r.instance = ver_instance >> 4;
    r.type = u16(s, at + 2);
    r.body = at + 8;
    r.length = std::min<std::size_t>(u32(s, at + 4), limit - r.body);
    return r;
}

// Calls `visit(record)` for each child of `parent`, in order.
template <typename Visit>
void for_each_child(std::string_view s, const Record& parent, Visit visit) {
    for (std::size_t at = parent.body; at < parent.end();) {
        std::optional<Record> child = record_at(s, at, parent.end());
        if (!child) return;
        visit(*child);
        at = child->end();
    }
}

std::string utf16_text(std::string_view bytes) {
    std::string out;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
        char32_t unit = u16(bytes, i);
        if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < bytes.size()) {
            char32_t low = u16(bytes, i + 2);
            if (low >= 0xDC00 && low < 0xE000) {
                utf8::append(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                i += 2;
                continue;
            }
        }
        utf8::append(out, unit);
    }
    return out;
}

// PowerPoint text to block text: '\r' separates paragraphs, '\v' breaks a line; other
// control characters (field placeholders) go.
std::string clean_text(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\r' || c == '\v' || c == '\n')
            out += '\n';
        else if (c == '\t' || static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out;
}

// Collects the text atoms under `root` (a drawing, a slide, a run of slide-list records).
class TextCollector {
  public:
    explicit TextCollector(std::string_view s) : s_(s) {}

    void collect(const Record& root, std::vector<PptText>& out) {
        std::vector<std::pair<Record, int>> stack{{root, 0}};
        while (!stack.empty()) {
            auto [record, depth] = stack.back();
            stack.pop_back();
            if (record.container) {
                if (depth >= kMaxDepth) continue;
                std::vector<Record> children;
                for_each_child(s_, record, [&](const Record& child) { children.push_back(child); });
                for (auto it = children.rbegin(); it != children.rend(); ++it)
                    stack.emplace_back(*it, depth + 1);
                continue;
            }
            atom(record, out);
        }
    }

    // Text atoms among the records of one slide-list entry.
    void atom(const Record& record, std::vector<PptText>& out) {
        std::string_view body = s_.substr(record.body, record.length);
        if (record.type == kTextHeaderAtom) {
            text_type_ = static_cast<int>(u32(body, 0));
            return;
        }
        std::string text;
        if (record.type == kTextCharsAtom) {
            text = utf16_text(body);
        } else if (record.type == kTextBytesAtom) {
            for (char c : body) utf8::append(text, static_cast<unsigned char>(c));
        } else {
            return;
        }
        text = clean_text(std::move(text));
        bool title = text_type_ == kTitle || text_type_ == kCenterTitle;
        text_type_ = -1;
        if (text.find_first_not_of(" \n*") == std::string::npos) return;  // "*": slide number
        if (!out.empty() && out.back().text == text) return;  // same text in slide list and drawing
        out.push_back({std::move(text), title});
    }

  private:
    std::string_view s_;
    int text_type_ = -1;
};

struct ListEntry {
    std::uint32_t persist_id = 0;
    std::uint32_t slide_id = 0;
    std::vector<PptText> texts;  // PowerPoint 97 text kept in the list itself
};

// Adds a PersistDirectoryAtom's entries to `directory`, overriding earlier ones.
void add_persist_entries(std::string_view s, const Record& atom,
                         std::map<std::uint32_t, std::uint32_t>& directory) {
    for (std::size_t at = atom.body; at + 4 <= atom.end();) {
        std::uint32_t entry = u32(s, at);
        std::uint32_t first = entry & 0xFFFFF, count = entry >> 20;
        at += 4;
        for (std::uint32_t i = 0; i < count && at + 4 <= atom.end(); ++i, at += 4)
            directory[first + i] = u32(s, at);
    }
}

// The persist directory built by following the edit chain from `offset`; nullopt when the
// chain is broken. Sets `encrypted` when the newest edit names an encryption session.
std::optional<std::pair<std::map<std::uint32_t, std::uint32_t>, std::uint32_t>> persist_directory(
    std::string_view s, std::uint32_t offset, bool& encrypted) {
    std::vector<Record> edits;
    std::set<std::uint32_t> seen;
    while (offset != 0 || edits.empty()) {
        if (!seen.insert(offset).second || static_cast<int>(edits.size()) >= kMaxEdits)
            return std::nullopt;
        std::optional<Record> edit = record_at(s, offset, s.size());
        if (!edit || edit->type != kUserEditAtom || edit->length < 28) return std::nullopt;
        edits.push_back(*edit);
        offset = u32(s, edit->body + 8);
    }
    encrypted = edits.front().length >= 32 && u32(s, edits.front().body + 28) != 0;
    std::map<std::uint32_t, std::uint32_t> directory;
    for (auto it = edits.rbegin(); it != edits.rend(); ++it) {  // oldest first
        std::optional<Record> dir = record_at(s, u32(s, it->body + 12), s.size());
        if (!dir || dir->type != kPersistDirectoryAtom) return std::nullopt;
        add_persist_entries(s, *dir, directory);
    }
    return std::make_pair(std::move(directory), u32(s, edits.front().body + 16));
}

// The persist directory rebuilt from every PersistDirectoryAtom at the top level of the
// stream, in file order (later saves override earlier ones), for files whose edit chain is
// broken (an edit pointing at itself, POI bug 57272); the document is the one the last
// UserEditAtom names.
std::optional<std::pair<std::map<std::uint32_t, std::uint32_t>, std::uint32_t>> scanned_directory(
    std::string_view s, bool& encrypted) {
    std::map<std::uint32_t, std::uint32_t> directory;
    std::optional<std::uint32_t> document;
    for (std::size_t at = 0; at < s.size();) {
        std::optional<Record> record = record_at(s, at, s.size());
        if (!record) break;
        if (record->type == kPersistDirectoryAtom) {
            add_persist_entries(s, *record, directory);
        } else if (record->type == kUserEditAtom && record->length >= 28) {
            document = u32(s, record->body + 16);
            encrypted = record->length >= 32 && u32(s, record->body + 28) != 0;
        }
        at = record->end();
    }
    if (!document || directory.empty()) return std::nullopt;
    return std::make_pair(std::move(directory), *document);
}

class PptReader {
  public:
    PptReader(std::string_view s, std::chrono::steady_clock::time_point deadline)
        : s_(s), deadline_(deadline) {}

    // Slides in presentation order through the persist directory; false when it is broken.
    bool read_in_order(std::string_view current_user, PptContent& content) {
        bool encrypted = false;
        std::optional<std::pair<std::map<std::uint32_t, std::uint32_t>, std::uint32_t>> directory;
        if (current_user.size() >= 20) {
            if (u32(current_user, 12) == kEncryptedToken) {
                content.encrypted = true;
                return true;
            }
            directory = persist_directory(s_, u32(current_user, 16), encrypted);
        }
        if (!directory) {
            directory = scanned_directory(s_, encrypted);
            if (!directory) return false;
            content.warnings.push_back(
                "PowerPoint edit history damaged; slides found by scanning its records");
        }
        if (encrypted) {
            content.encrypted = true;
            return true;
        }
        directory_ = std::move(directory->first);
        std::optional<Record> document = record_by_persist_id(directory->second, kDocument);
        if (!document) return false;
        std::vector<ListEntry> slides, notes;
        for_each_child(s_, *document, [&](const Record& child) {
            if (child.type != kSlideListWithText) return;
            if (child.instance == 0) list_entries(child, slides);
            if (child.instance == 2) list_entries(child, notes);
        });
        if (slides.empty()) return false;
        std::map<std::uint32_t, const ListEntry*> notes_by_id;
        for (const ListEntry& entry : notes) notes_by_id[entry.slide_id] = &entry;
        int number = 0;
        for (const ListEntry& entry : slides) {
            check_deadline();
            PptSlide slide;
            slide.number = ++number;
            slide.texts = entry.texts;
            std::optional<Record> record = record_by_persist_id(entry.persist_id, kSlide);
            if (record) {
                TextCollector(s_).collect(*record, slide.texts);
                auto found = notes_by_id.find(notes_id(*record));
                if (found != notes_by_id.end()) {
                    slide.notes = found->second->texts;
                    if (auto page = record_by_persist_id(found->second->persist_id, kNotes))
                        TextCollector(s_).collect(*page, slide.notes);
                }
            }
            content.slides.push_back(std::move(slide));
        }
        return true;
    }

    // Every slide and notes record at the top level, in file order.
    void read_in_file_order(PptContent& content) {
        for (std::size_t at = 0; at < s_.size();) {
            std::optional<Record> record = record_at(s_, at, s_.size());
            if (!record) break;
            check_deadline();
            if (record->type == kSlide || record->type == kNotes) {
                PptSlide slide;
                TextCollector(s_).collect(*record,
                                          record->type == kSlide ? slide.texts : slide.notes);
                if (!slide.texts.empty() || !slide.notes.empty())
                    content.slides.push_back(std::move(slide));
            }
            at = record->end();
        }
    }

  private:
    std::optional<Record> record_by_persist_id(std::uint32_t id, std::uint16_t type) const {
        auto found = directory_.find(id);
        if (found == directory_.end()) return std::nullopt;
        std::optional<Record> record = record_at(s_, found->second, s_.size());
        if (!record || record->type != type || !record->container) return std::nullopt;
        return record;
    }

    void list_entries(const Record& list, std::vector<ListEntry>& out) const {
        TextCollector collector(s_);
        for_each_child(s_, list, [&](const Record& child) {
            if (child.type == kSlidePersistAtom && child.length >= 16) {
                out.push_back({u32(s_, child.body), u32(s_, child.body + 12), {}});
            } else if (!out.empty()) {
                collector.atom(child, out.back().texts);
            }
        });
    }

    std::uint32_t notes_id(const Record& slide) const {
        std::uint32_t id = 0;
        for_each_child(s_, slide, [&](const Record& child) {
            if (child.type == kSlideAtom && child.length >= 20) id = u32(s_, child.body + 16);
        });
        return id;
    }

    void check_deadline() const {
        if (std::chrono::steady_clock::now() > deadline_)
            fail(FailureKind::timeout, "PowerPoint slides not read before the deadline");
    }

    std::string_view s_;
    std::chrono::steady_clock::time_point deadline_;
    std::map<std::uint32_t, std::uint32_t> directory_;  // persist id -> stream offset
};

}  // namespace

PptContent read_ppt_text(std::string_view document, std::string_view current_user,
                         std::chrono::steady_clock::time_point deadline) {
    PptContent content;
    PptReader reader(document, deadline);
    if (reader.read_in_order(current_user, content)) return content;
    content = PptContent{};
    reader.read_in_file_order(content);
    if (content.slides.empty())
        fail(FailureKind::corrupt,
             "no slides found in the PowerPoint Document stream; the file is damaged");
    content.warnings.push_back(
        "PowerPoint edit history unreadable; slides read in file order, without numbers");
    return content;
}

}  // namespace deskside::ingest::legacy
