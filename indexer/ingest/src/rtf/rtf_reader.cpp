// The RTF state machine of rtf_reader.h. A stack of GroupState copies scopes destinations and
// character/paragraph properties to groups; undecoded text bytes gather until the next control
// word so that double-byte characters split over two \'hh escapes decode together. \info dates
// carry no time zone and are read as UTC. One Reader per document; thread-safe by isolation.
#include "rtf/rtf_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "ingest/extract_failure.h"
#include "legacy/block_writer.h"
#include "legacy/codepage.h"
#include "rtf/rtf_destinations.h"
#include "rtf/rtf_objects.h"
#include "rtf/rtf_output.h"
#include "rtf/rtf_tokenizer.h"

namespace deskside::ingest::rtf {
namespace {

constexpr int kDeadlineCheckTokens = 1 << 16;
constexpr int kDefaultCodepage = 1252;

// What a group's text is, as far as the reader cares.
enum class Content {
    text,  // document text, into the group's Sink
    skip,
    font_table,
    stylesheet,
    info,  // \info itself: only its sub-groups matter
    title,
    author,
    created,
    modified,
    object_class,
    object_data,
};

// The state RTF scopes to a group: the destination plus character and paragraph properties.
struct GroupState {
    Content content = Content::text;
    Sink sink = Sink::body;
    int uc = 1;        // \ucN: fallback characters after each \uN
    int font = -1;     // \fN; -1 until set (the \deff font)
    int style = 0;     // \sN paragraph style
    int outline = -1;  // \outlinelevelN (0-based), -1 when none
    bool in_table = false;
    int table_depth = 1;
    int object = -1;            // the \object this group is part of, index into objects_
    bool opens_object = false;  // this group is the \object group itself
};

struct Font {
    int charset = -1;
    int codepage = 0;  // \cpgN
};

struct PendingObject {
    std::string class_name;
    std::string data;      // decoded \objdata bytes
    int high_nibble = -1;  // hex digit waiting for its pair
};

// Unix seconds of a civil date-time (proleptic Gregorian, UTC).
std::int64_t unix_seconds(int year, int month, int day, int hour, int minute, int second) {
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const std::int64_t yoe = year - era * 400;
    const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + minute * 60 + second;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The heading level a style name stands for ("heading 2" -> 2, "Title" -> 1), else 0.
int heading_level_of_style(std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string tidy = legacy::tidy_text(name);
    std::string_view text = tidy;
    if (text == "title") return 1;
    if (text.starts_with("heading ") && text.size() == 9 && text[8] >= '1' && text[8] <= '9')
        return std::min(text[8] - '0', 6);
    return 0;
}

class Reader {
  public:
    Reader(std::string_view bytes, const ExtractOptions& options)
        : tokens_(bytes),
          options_(options),
          writer_(options.max_output_bytes, "RTF document"),
          output_(writer_) {}

    ExtractedDocument read() {
        std::vector<GroupState> stack;
        bool ended = false;
        std::int64_t count = 0;
        for (Token token = tokens_.next(); token.kind != TokenKind::end; token = tokens_.next()) {
            if (++count % kDeadlineCheckTokens == 0 && past_deadline(options_))
                fail(FailureKind::timeout, "RTF document not read before the deadline");
            if (stack.empty()) {  // before the first '{' or after the last '}'
                if (token.kind != TokenKind::group_start) continue;
                if (ended) break;
                stack.emplace_back();
                continue;
            }
            if (token.kind != TokenKind::text && token.kind != TokenKind::hex_byte)
                flush_bytes(stack.back());
            switch (token.kind) {
                case TokenKind::group_start:
                    if (static_cast<int>(stack.size()) >= options_.max_nesting_depth)
                        fail(FailureKind::too_large,
                             "RTF groups nested more than " +
                                 std::to_string(options_.max_nesting_depth) +
                                 " deep (max_nesting_depth); the file is malformed or hostile");
                    stack.push_back(stack.back());
                    stack.back().opens_object = false;
                    skip_ = 0;
                    star_ = false;
                    break;
                case TokenKind::group_end:
                    close_group(stack);
                    ended = stack.empty();
                    skip_ = 0;
                    break;
                case TokenKind::control_word:
                    control_word(token, stack.back());
                    break;
                case TokenKind::control_symbol:
                    control_symbol(token, stack.back());
                    break;
                case TokenKind::hex_byte:
                    if (skip_ > 0) {
                        --skip_;
                    } else if (token.has_parameter) {
                        add_byte(stack.back(), static_cast<char>(token.parameter));
                    }
                    break;
                case TokenKind::text:
                    text(token.text, stack.back());
                    break;
                case TokenKind::binary:
                    if (stack.back().content == Content::object_data)
                        object_bytes(stack.back(), token.text);
                    skip_ = 0;
                    break;
                case TokenKind::end:
                    break;
            }
        }
        if (!stack.empty()) {
            document_.warnings.push_back("truncated: the file ends inside " +
                                         std::to_string(stack.size()) +
                                         " open groups; the text read so far is kept");
            while (!stack.empty()) {
                flush_bytes(stack.back());
                close_group(stack);
            }
        }
        if (tokens_.binary_cut_short())
            document_.warnings.push_back("truncated: a \\bin block runs past the end of the file");
        if (objects_dropped_ > 0)
            document_.warnings.push_back(std::to_string(objects_dropped_) +
                                         " embedded objects over max_unpacked_bytes were skipped");
        document_.format = "rtf";
        document_.blocks = output_.finish();
        return std::move(document_);
    }

  private:
    // ---- groups and destinations -------------------------------------------------------------

    void close_group(std::vector<GroupState>& stack) {
        GroupState closed = stack.back();
        stack.pop_back();
        GroupState* parent = stack.empty() ? nullptr : &stack.back();
        if (closed.content == Content::text && parent &&
            (parent->content != Content::text || parent->sink != closed.sink))
            output_.end_paragraph(closed.sink, paragraph_style(closed));  // end of a note
        switch (closed.content) {
            case Content::title:
            case Content::author:
                if (!parent || parent->content != closed.content) finish_meta_text(closed.content);
                break;
            case Content::created:
            case Content::modified:
                if (!parent || parent->content != closed.content) finish_date(closed.content);
                break;
            case Content::stylesheet:
                finish_style();
                break;
            default:
                break;
        }
        if (closed.opens_object) finish_object(closed.object);
    }

    // Returns whether `word` was a destination.
    bool enter_destination(std::string_view word, GroupState& state) {
        Destination destination = destination_of(word);
        if (state.content == Content::skip) return destination != Destination::none;
        bool in_info = state.content == Content::info || state.content == Content::title ||
                       state.content == Content::author;
        switch (destination) {
            case Destination::none:
                return false;
            case Destination::skip:
                state.content = Content::skip;
                return true;
            case Destination::pass:
                return true;
            case Destination::font_table:
                state.content = Content::font_table;
                return true;
            case Destination::stylesheet:
                state.content = Content::stylesheet;
                return true;
            case Destination::info:
                state.content = Content::info;
                return true;
            case Destination::title:
            case Destination::author:
            case Destination::created:
            case Destination::modified:
                if (!in_info) {
                    state.content = Content::skip;
                    return true;
                }
                state.content = destination == Destination::title     ? Content::title
                                : destination == Destination::author  ? Content::author
                                : destination == Destination::created ? Content::created
                                                                      : Content::modified;
                meta_text_.clear();
                date_ = {0, 1, 1, 0, 0, 0};
                return true;
            case Destination::footnote:
            case Destination::annotation:
            case Destination::header:
            case Destination::footer:
                if (state.content != Content::text) return true;
                // The surrounding paragraph goes on after the note: the note's text gathers
                // in its own stream (rtf_output.h).
                state.sink = destination == Destination::footnote     ? Sink::footnotes
                             : destination == Destination::annotation ? Sink::comments
                             : destination == Destination::header     ? Sink::header
                                                                      : Sink::footer;
                state.in_table = false;
                state.outline = -1;
                state.style = 0;
                return true;
            case Destination::object:
                objects_.emplace_back();
                state.object = static_cast<int>(objects_.size()) - 1;
                state.opens_object = true;
                return true;
            case Destination::object_class:
                state.content = state.object >= 0 ? Content::object_class : Content::skip;
                return true;
            case Destination::object_data:
                state.content = state.object >= 0 ? Content::object_data : Content::skip;
                return true;
        }
        return false;
    }

    // ---- control words -----------------------------------------------------------------------

    void control_word(const Token& token, GroupState& state) {
        std::string_view word = token.name;
        bool star = std::exchange(star_, false);
        if (skip_ > 0) {  // a control word stands for one fallback character
            --skip_;
            return;
        }
        if (enter_destination(word, state)) return;
        if (star) {  // an optional destination we do not know: skip it
            state.content = Content::skip;
            return;
        }
        std::int32_t value = token.parameter;
        switch (state.content) {
            case Content::skip:
            case Content::object_data:
            case Content::object_class:
                return;
            case Content::font_table:
                font_table_word(word, token);
                return;
            case Content::stylesheet:
                stylesheet_word(word, token);
                return;
            case Content::created:
            case Content::modified:
                date_word(word, value);
                return;
            default:
                break;
        }
        if (word == "u") {
            unicode(state, value < 0 ? value + 65536 : value);
            skip_ = state.uc;
        } else if (word == "uc") {
            state.uc = std::clamp(value, 0, 16);
        } else if (word == "f") {
            state.font = value;
        } else if (word == "plain") {
            state.font = -1;
        } else if (word == "pard") {
            state.style = 0;
            state.outline = -1;
            state.in_table = false;
            state.table_depth = 1;
        } else if (word == "s") {
            state.style = value;
        } else if (word == "outlinelevel") {
            state.outline = value;
        } else if (word == "intbl") {
            state.in_table = true;
        } else if (word == "itap") {
            state.in_table = value > 0;
            state.table_depth = std::max(1, value);
        } else if (word == "ansicpg") {
            if (value > 0) document_codepage_ = value;
        } else if (word == "mac") {
            document_codepage_ = 10000;
        } else if (word == "pc") {
            document_codepage_ = 437;
        } else if (word == "pca") {
            document_codepage_ = 850;
        } else if (word == "deff") {
            default_font_ = value;
        } else if (state.content == Content::text) {
            text_word(word, state);
        }
    }

    // Control words that put text or structure into the document.
    void text_word(std::string_view word, GroupState& state) {
        Sink sink = state.sink;
        if (word == "par" || word == "sect" || word == "page" || word == "column") {
            resolve_surrogate(state);
            output_.end_paragraph(sink, paragraph_style(state));
        } else if (word == "line") {
            output_.line_break(sink);
        } else if (word == "tab") {
            emit(state, " ");
        } else if (word == "cell") {
            output_.end_cell(sink, 1);
        } else if (word == "nestcell") {
            output_.end_cell(sink, std::max(2, state.table_depth));
        } else if (word == "row") {
            output_.end_row(sink, 1);
        } else if (word == "nestrow") {
            output_.end_row(sink, std::max(2, state.table_depth));
        } else if (word == "emdash") {
            emit(state, "\u2014");
        } else if (word == "endash") {
            emit(state, "\u2013");
        } else if (word == "bullet") {
            emit(state, "\u2022");
        } else if (word == "lquote") {
            emit(state, "\u2018");
        } else if (word == "rquote") {
            emit(state, "\u2019");
        } else if (word == "ldblquote") {
            emit(state, "\u201C");
        } else if (word == "rdblquote") {
            emit(state, "\u201D");
        } else if (word == "emspace" || word == "enspace" || word == "qmspace") {
            emit(state, " ");
        }
    }

    void control_symbol(const Token& token, GroupState& state) {
        char symbol = token.name.empty() ? '\0' : token.name[0];
        if (symbol == '*') {
            star_ = true;
            return;
        }
        star_ = false;
        if (skip_ > 0) {
            --skip_;
            return;
        }
        switch (symbol) {
            case '\\':
            case '{':
            case '}':
                add_byte(state, symbol);
                break;
            case '~':
                emit(state, " ");
                break;
            case '_':
                emit(state, "-");
                break;
            default:  // \- optional hyphen, \: index subentry, \| formula: no text
                break;
        }
    }

    void font_table_word(std::string_view word, const Token& token) {
        if (word == "f") {
            current_font_ = token.parameter;
            fonts_[current_font_];
        } else if (word == "fcharset" && current_font_ >= 0) {
            fonts_[current_font_].charset = token.parameter;
        } else if (word == "cpg" && current_font_ >= 0) {
            fonts_[current_font_].codepage = token.parameter;
        }
    }

    void stylesheet_word(std::string_view word, const Token& token) {
        if (word == "s") {
            finish_style();
            style_id_ = token.parameter;
        } else if (word == "cs" || word == "ds" || word == "ts" || word == "tsrowd") {
            finish_style();
            style_id_ = -1;  // character, section and table styles make no headings
        } else if (word == "outlinelevel") {
            style_outline_ = token.parameter;
        }
    }

    void date_word(std::string_view word, std::int32_t value) {
        if (word == "yr") date_[0] = value;
        if (word == "mo") date_[1] = value;
        if (word == "dy") date_[2] = value;
        if (word == "hr") date_[3] = value;
        if (word == "min") date_[4] = value;
        if (word == "sec") date_[5] = value;
    }

    // ---- text ----------------------------------------------------------------------------------

    void text(std::string_view run, GroupState& state) {
        star_ = false;
        if (state.content == Content::skip || state.content == Content::info ||
            state.content == Content::created || state.content == Content::modified) {
            skip_ = 0;
            return;
        }
        if (state.content == Content::object_data) {
            object_hex(state, run);
            return;
        }
        for (char c : run) {
            if (skip_ > 0) {
                --skip_;
                continue;
            }
            if (c == '\t') {
                add_byte(state, ' ');
            } else if (static_cast<unsigned char>(c) >= 0x20) {
                add_byte(state, c);
            }
        }
    }

    void add_byte(GroupState& state, char c) {
        if (state.content == Content::font_table) {
            if (c == ';') current_font_ = -2;  // end of this font's entry
            return;
        }
        if (state.content == Content::stylesheet) {
            if (c == ';')
                finish_style();
            else if (style_id_ >= 0)
                style_name_ += c;
            return;
        }
        bytes_ += c;
    }

    // Decodes the bytes gathered since the last control word in the group's code page.
    void flush_bytes(GroupState& state) {
        if (bytes_.empty()) return;
        std::string utf8;
        decoder_.append(codepage_of(state), bytes_, utf8);
        bytes_.clear();
        emit(state, utf8);
    }

    int codepage_of(const GroupState& state) const {
        auto found = fonts_.find(state.font >= 0 ? state.font : default_font_);
        if (found != fonts_.end()) {
            if (found->second.codepage > 0) return found->second.codepage;
            if (int page = legacy::codepage_of_charset(found->second.charset)) return page;
        }
        return document_codepage_;
    }

    void unicode(GroupState& state, std::int32_t unit) {
        if (unit >= 0xD800 && unit < 0xDC00) {
            resolve_surrogate(state);
            high_surrogate_ = unit;
            return;
        }
        std::string utf8;
        if (unit >= 0xDC00 && unit < 0xE000) {
            char32_t joined = high_surrogate_ ? 0x10000 + ((high_surrogate_ - 0xD800) << 10) +
                                                    (static_cast<char32_t>(unit) - 0xDC00)
                                              : 0xFFFD;
            high_surrogate_ = 0;
            utf8::append(utf8, joined);
        } else if ((unit >= 0xE000 && unit < 0xF900) || unit == 0xFEFF) {
            // Private use: symbol-font glyphs (Wingdings bullets); U+FEFF: an invisible
            // byte-order mark Word leaves at the start of list items. Neither is text.
            return;
        } else {
            utf8::append(utf8, static_cast<char32_t>(unit));
        }
        emit(state, utf8);
    }

    // A high surrogate not followed by a low one is replaced, not dropped silently.
    void resolve_surrogate(GroupState& state) {
        if (high_surrogate_ == 0) return;
        high_surrogate_ = 0;
        emit(state, "\uFFFD");
    }

    void emit(GroupState& state, std::string_view utf8) {
        if (!bytes_.empty()) flush_bytes(state);
        if (high_surrogate_ != 0) resolve_surrogate(state);
        switch (state.content) {
            case Content::text:
                output_.text(state.sink, utf8);
                break;
            case Content::title:
            case Content::author:
                if (meta_text_.size() < 4096) meta_text_ += utf8;
                break;
            case Content::object_class:
                if (state.object >= 0) objects_[state.object].class_name += utf8;
                break;
            default:
                break;
        }
    }

    ParagraphStyle paragraph_style(const GroupState& state) const {
        ParagraphStyle style;
        style.in_table = state.in_table;
        if (state.outline >= 0 && state.outline < 9) {
            style.heading_level = std::min(state.outline + 1, 6);
        } else if (auto found = style_levels_.find(state.style); found != style_levels_.end()) {
            style.heading_level = found->second;
        }
        return style;
    }

    // ---- metadata, styles, objects -----------------------------------------------------------

    void finish_meta_text(Content field) {
        std::string value = legacy::tidy_text(meta_text_);
        std::replace(value.begin(), value.end(), '\n', ' ');
        meta_text_.clear();
        if (value.empty()) return;  // a later non-empty one (\ud's Unicode copy) wins
        (field == Content::title ? document_.metadata.title : document_.metadata.author) = value;
    }

    void finish_date(Content field) {
        auto [year, month, day, hour, minute, second] = date_;
        if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 ||
            hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
            return;
        std::int64_t seconds = unix_seconds(year, month, day, hour, minute, second);
        (field == Content::created ? document_.metadata.created : document_.metadata.modified) =
            seconds;
    }

    void finish_style() {
        if (style_id_ >= 0) {
            int level = style_outline_ >= 0 && style_outline_ < 9
                            ? std::min(style_outline_ + 1, 6)
                            : heading_level_of_style(style_name_);
            if (level > 0) style_levels_[style_id_] = level;
        }
        style_id_ = 0;  // an entry without \s is style 0, "Normal"
        style_outline_ = -1;
        style_name_.clear();
    }

    void object_hex(GroupState& state, std::string_view run) {
        PendingObject& object = objects_[state.object];
        if (dropping_object_) return;
        for (char c : run) {
            int digit = hex_digit(c);
            if (digit < 0) continue;
            if (object.high_nibble < 0) {
                object.high_nibble = digit;
                continue;
            }
            object.data += static_cast<char>(object.high_nibble << 4 | digit);
            object.high_nibble = -1;
        }
        check_object_size(object);
    }

    void object_bytes(GroupState& state, std::string_view bytes) {
        if (dropping_object_) return;
        PendingObject& object = objects_[state.object];
        object.data += bytes;
        check_object_size(object);
    }

    void check_object_size(PendingObject& object) {
        if (object_bytes_ + static_cast<std::int64_t>(object.data.size()) <=
            options_.max_unpacked_bytes)
            return;
        dropping_object_ = true;
        object.data.clear();
        object.data.shrink_to_fit();
    }

    void finish_object(int index) {
        if (index < 0 || index >= static_cast<int>(objects_.size())) return;
        PendingObject object = std::move(objects_[index]);
        objects_[index] = PendingObject{};
        if (dropping_object_) {
            ++objects_dropped_;
            dropping_object_ = false;
            return;
        }
        if (object.data.empty()) return;
        std::optional<EmbeddedFile> file =
            decode_rtf_object(legacy::tidy_text(object.class_name), object.data,
                              static_cast<int>(document_.attachments.size()) + 1);
        if (!file) return;
        object_bytes_ += static_cast<std::int64_t>(file->bytes.size());
        document_.attachments.push_back(std::move(*file));
    }

    Tokenizer tokens_;
    const ExtractOptions& options_;
    legacy::BlockWriter writer_;
    RtfOutput output_;
    legacy::CodepageDecoder decoder_;
    ExtractedDocument document_;

    int skip_ = 0;       // fallback characters still to skip after \uN
    bool star_ = false;  // \* seen: the next control word is an optional destination
    std::string bytes_;  // undecoded text bytes of the current group
    char32_t high_surrogate_ = 0;

    int document_codepage_ = kDefaultCodepage;
    int default_font_ = -1;
    std::map<int, Font> fonts_;
    int current_font_ = -2;  // font table entry being read

    std::map<int, int> style_levels_;  // paragraph style -> heading level
    int style_id_ = 0;
    int style_outline_ = -1;
    std::string style_name_;

    std::string meta_text_;
    std::array<int, 6> date_{};  // year, month, day, hour, minute, second

    std::vector<PendingObject> objects_;
    std::int64_t object_bytes_ = 0;  // bytes of attachments kept so far
    bool dropping_object_ = false;
    int objects_dropped_ = 0;
};

}  // namespace

ExtractedDocument read_rtf(std::string_view bytes, const ExtractOptions& options) {
    return Reader(bytes, options).read();
}

}  // namespace deskside::ingest::rtf
