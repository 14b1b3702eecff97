// XLSX (SpreadsheetML, Transitional and Strict; also .xlsm/.xltx) through libzip and the
// streaming XmlReader: sheets are read as a stream of rows, never as a DOM, because a sheet can
// hold a million rows. Elements are matched on local names only, so the Strict namespaces
// (purl.oclc.org) read like the Transitional ones.
//
// Output, per sheet in workbook order: one table_row block per non-empty row (cells " | ", empty
// cells between values kept so columns line up, empty leading/trailing cells dropped), then the
// sheet's header/footer text (each distinct text once per workbook), cell comments, text boxes
// and chart titles. Hidden sheets are indexed too (their text is still the workbook's content),
// with " (hidden)" after the sheet name in the location so a reader knows to unhide it.
//
// Cell values: shared/inline strings (phonetic runs dropped), cached formula results (never
// the formula), TRUE/FALSE, error codes, numbers in their shortest form at Excel's 15 digits,
// and numbers whose style is a date format as ISO dates ("2008-12-31", "2008-12-31 13:45").
// The shared-strings bomb (a few long strings referenced by millions of cells) fails too_large
// within the first rows, at max_output_bytes or sooner, when the text passes 32 MB and 32 times
// the XML read so far (about 0.1 s for the corpus' bomb, instead of copying 256 MB first).
//
// Stateless; extract() may run on several threads at once.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/dates.h"
#include "base/utf8.h"
#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "office/ooxml_common_xp.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"

namespace deskside::ingest {
namespace {

using office::XmlReader;
using office::ZipArchive;
using Event = XmlReader::Event;
namespace xp = office::xp;

constexpr int kMaxColumns = 16384;  // Excel's last column, XFD
constexpr std::string_view kSeparator = " | ";
// Past 32 MB of text, more than 32 bytes of text per byte of XML read means cells repeating long
// shared strings: a bomb. Failing here saves building max_output_bytes of copies first.
constexpr std::int64_t kAmplificationFloor = 32ll << 20;
constexpr std::int64_t kMaxAmplification = 32;

// ---- values -------------------------------------------------------------------------------------

// SpreadsheetML escapes characters XML cannot carry as _xHHHH_ ("_x000D_"; "_x005F_" is '_').
std::string decode_escapes(std::string_view text) {
    if (text.find("_x") == std::string_view::npos) return std::string(text);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text[i] == '_' && i + 6 < text.size() && text[i + 1] == 'x' && text[i + 6] == '_' &&
            std::from_chars(text.data() + i + 2, text.data() + i + 6, value, 16).ptr ==
                text.data() + i + 6) {
            // Control characters and lone surrogates are not text: dropped.
            bool control = value < 0x20 && value != '\t' && value != '\n' && value != '\r';
            if (!control && (value < 0xD800 || value > 0xDFFF))
                utf8::append(out, static_cast<char32_t>(value));
            i += 6;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::size_t significant_digits(std::string_view number) {
    std::string digits;
    for (char c : number) {
        if (c == 'e' || c == 'E') break;
        if (c >= '0' && c <= '9') digits += c;
    }
    std::size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) return 0;
    return digits.find_last_not_of('0') - first + 1;
}

std::string shortest(double value) {
    char buffer[64];
    double magnitude = std::fabs(value);
    auto format = magnitude >= 1e-5 && magnitude < 1e16 ? std::chars_format::fixed
                                                        : std::chars_format::scientific;
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value, format);
    return std::string(buffer, result.ptr);
}

// The number as Excel's General format shows it, without binary noise: the shortest text that
// reads back as the same double, rounded to 15 significant digits (Excel's precision) when it
// needs more ("0.30000000000000004" -> "0.3"); integers without ".0".
std::string format_number(std::string_view raw) {
    std::string_view text = raw;
    while (!text.empty() && xp::is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && xp::is_space(text.back())) text.remove_suffix(1);
    double value = 0;
    auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
    if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() ||
        !std::isfinite(value))
        return xp::collapse_spaces(text);
    if (value == 0) return "0";
    std::string out = shortest(value);
    if (significant_digits(out) > 15) {
        char buffer[64];
        auto rounded =
            std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 15);
        std::from_chars(buffer, rounded.ptr, value);
        out = shortest(value);
    }
    return out;
}

// A serial date-time (days since the epoch, fraction = time of day) as ISO text: "2008-12-31",
// "2008-12-31 13:45", or "13:45:30" for a time alone. The 1900 system keeps Lotus' phantom
// 1900-02-29 (serial 60); the 1904 system (Mac Excel, workbookPr date1904) counts from 1904-01-01.
std::optional<std::string> format_date(double serial, bool date1904) {
    if (!(serial >= 0) || serial > 2958466) return std::nullopt;  // past 9999-12-31
    auto seconds = static_cast<std::int64_t>(std::llround(serial * 86400.0));
    std::int64_t days = seconds / 86400, second_of_day = seconds % 86400;
    std::string time;
    if (second_of_day != 0 || days == 0) {
        char buffer[16];
        std::snprintf(buffer, sizeof buffer, "%02d:%02d", static_cast<int>(second_of_day / 3600),
                      static_cast<int>(second_of_day / 60 % 60));
        time = buffer;
        if (second_of_day % 60 != 0)
            time += ":" + std::string(second_of_day % 60 < 10 ? "0" : "") +
                    std::to_string(second_of_day % 60);
    }
    if (days == 0 && !date1904) return time;  // serial 0 is "1900-01-00": a time of day
    std::string date;
    if (date1904) {
        date = format_utc((days - 24107) * 86400, "%Y-%m-%d");
    } else if (days == 60) {
        date = "1900-02-29";
    } else {
        date = format_utc((days < 60 ? days - 25568 : days - 25569) * 86400, "%Y-%m-%d");
    }
    return time.empty() || second_of_day == 0 ? date : date + " " + time;
}

// A date cell of the Strict/ISO kind (t="d": "2008-12-31T13:45:00Z") in the same form.
std::string format_iso_date(std::string_view text) {
    std::optional<std::int64_t> when = parse_iso_datetime(text);
    if (!when) return xp::collapse_spaces(text);
    return format_utc(*when, *when % 86400 == 0 ? "%Y-%m-%d" : "%Y-%m-%d %H:%M");
}

// A number format code shows a date or time when it has d, m, y, h or s outside quoted text,
// [bracketed] colours/locales and escaped characters (first section only).
bool is_date_format_code(std::string_view code) {
    for (std::size_t i = 0; i < code.size(); ++i) {
        char c = static_cast<char>(std::tolower(static_cast<unsigned char>(code[i])));
        if (c == ';') break;
        if (c == '"' || c == '[') {
            i = code.find(c == '"' ? '"' : ']', i + 1);
            if (i == std::string_view::npos) break;
        } else if (c == '\\' || c == '_' || c == '*') {
            ++i;
        } else if (c == 'd' || c == 'm' || c == 'y' || c == 'h' || c == 's') {
            return true;
        }
    }
    return false;
}

// Built-in number formats that are dates or times: 14-22 and 45-47, plus the East Asian
// locales' 27-36 and 50-58.
bool is_builtin_date_format(int id) {
    return (id >= 14 && id <= 22) || (id >= 45 && id <= 47) || (id >= 27 && id <= 36) ||
           (id >= 50 && id <= 58);
}

int to_int(std::optional<std::string> text, int fallback = -1) {
    int value = fallback;
    if (!text) return fallback;
    auto parsed = std::from_chars(text->data(), text->data() + text->size(), value);
    return parsed.ec == std::errc() ? value : fallback;
}

// Column index from a cell reference ("B4" -> 1); -1 when there is none.
int column_of(std::string_view ref) {
    int column = 0, letters = 0;
    for (char c : ref) {
        char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (upper < 'A' || upper > 'Z') break;
        column = column * 26 + (upper - 'A' + 1);
        if (++letters > 3) return -1;
    }
    return letters == 0 ? -1 : column - 1;
}

// ---- workbook-level parts -----------------------------------------------------------------------

// The shared-string table, whitespace already collapsed, packed into one buffer (a table can
// hold millions of strings).
class SharedStrings {
  public:
    void add(std::string_view text) {
        data_ += text;
        if (data_.size() > UINT32_MAX)
            fail(FailureKind::too_large, "the shared-string table is over 4 GB");
        ends_.push_back(static_cast<std::uint32_t>(data_.size()));
    }
    std::string_view at(std::size_t index) const {
        if (index >= ends_.size()) return {};
        std::size_t begin = index == 0 ? 0 : ends_[index - 1];
        return std::string_view(data_).substr(begin, ends_[index] - begin);
    }

  private:
    std::string data_;
    std::vector<std::uint32_t> ends_;
};

// Reads rich text (<si>, <is>, a comment's <text>) from just after its start tag through its
// end tag: the <t> runs concatenated, phonetic guides (<rPh>) left out.
std::string read_rich_text(XmlReader& reader) {
    const int depth = reader.depth();
    std::string text;
    bool in_t = false;
    for (Event event; (event = reader.next()) != Event::eof;) {
        if (event == Event::start) {
            if (reader.name() == "rPh") {
                reader.skip_element();
                continue;
            }
            in_t = reader.name() == "t";
        } else if (event == Event::end) {
            if (reader.depth() == depth) break;
            in_t = false;
        } else if (in_t) {
            text += reader.text();
        }
    }
    return decode_escapes(text);
}

// All character data from just after a start tag through its end tag (header/footer text).
std::string read_plain_text(XmlReader& reader) {
    const int depth = reader.depth();
    std::string text;
    for (Event event; (event = reader.next()) != Event::eof;) {
        if (event == Event::end && reader.depth() == depth) break;
        if (event == Event::text) text += reader.text();
    }
    return decode_escapes(text);
}

SharedStrings read_shared_strings(ZipArchive& zip, const std::string& part,
                                  const ExtractOptions& options) {
    SharedStrings strings;
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return strings;
    XmlReader reader(*xml, part, options);
    for (Event event; (event = reader.next()) != Event::eof;)
        if (event == Event::start && reader.name() == "si")
            strings.add(xp::collapse_spaces(read_rich_text(reader)));
    return strings;
}

// For each cell format (cellXfs index, a cell's s attribute): whether it shows a date.
std::vector<bool> read_date_styles(ZipArchive& zip, const std::string& part,
                                   const ExtractOptions& options) {
    std::vector<bool> is_date;
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return is_date;
    XmlReader reader(*xml, part, options);
    std::set<int> custom_dates;
    bool in_cell_xfs = false;
    for (Event event; (event = reader.next()) != Event::eof;) {
        if (event == Event::end && reader.name() == "cellXfs") in_cell_xfs = false;
        if (event != Event::start) continue;
        if (reader.name() == "numFmt") {
            if (is_date_format_code(reader.attribute("formatCode").value_or("")))
                custom_dates.insert(to_int(reader.attribute("numFmtId")));
        } else if (reader.name() == "cellXfs") {
            in_cell_xfs = true;
        } else if (reader.name() == "xf" && in_cell_xfs) {
            int id = to_int(reader.attribute("numFmtId"), 0);
            is_date.push_back(is_builtin_date_format(id) || custom_dates.contains(id));
        }
    }
    return is_date;
}

struct Sheet {
    std::string name;
    std::string part;
    bool hidden = false;
};

struct Workbook {
    std::vector<Sheet> sheets;
    bool date1904 = false;
};

Workbook read_workbook(ZipArchive& zip, const std::string& part, const xp::Relationships& rels,
                       const ExtractOptions& options) {
    Workbook book;
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return book;
    XmlReader reader(*xml, part, options);
    for (Event event; (event = reader.next()) != Event::eof;) {
        if (event != Event::start) continue;
        if (reader.name() == "workbookPr") {
            std::string value = reader.attribute("date1904").value_or("");
            book.date1904 = value == "1" || value == "true";
        } else if (reader.name() == "sheet") {
            // r:id is the only attribute named "id" (the other is sheetId).
            const xp::Relationship* rel = xp::find_by_id(rels, reader.attribute("id").value_or(""));
            if (!rel) continue;  // a sheet without its part: nothing to read
            std::string state = reader.attribute("state").value_or("visible");
            book.sheets.push_back({reader.attribute("name").value_or(""), rel->target,
                                   state == "hidden" || state == "veryHidden"});
        }
    }
    return book;
}

// ---- sheets -------------------------------------------------------------------------------------

// Header/footer text without its &-codes: &L/&C/&R start a section (sections become lines),
// &"font", &12 (size), &KRRGGBB (colour) and fields such as &P (page) or &A (sheet) are dropped;
// "&&" is a literal '&'.
std::string strip_header_codes(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        char code = text[++i];
        if (code == '&') {
            out += '&';
        } else if (code == 'L' || code == 'C' || code == 'R') {
            out += '\n';
        } else if (code == '"') {
            std::size_t close = text.find('"', i + 1);
            i = close == std::string_view::npos ? text.size() : close;
        } else if (code >= '0' && code <= '9') {
            while (i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') ++i;
        } else if (code == 'K') {
            for (int n = 0; n < 6 && i + 1 < text.size() &&
                            (std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
                             text[i + 1] == '+' || text[i + 1] == '-');
                 ++n)
                ++i;
        }
        // Anything else is a field or a style toggle: dropped.
    }
    return xp::clean_lines(out);
}

class SheetReader {
  public:
    SheetReader(ZipArchive& zip, const ExtractOptions& options, xp::BlockSink& sink,
                const SharedStrings& strings, const std::vector<bool>& date_styles, bool date1904,
                std::set<std::string>& headers_seen)
        : zip_(zip),
          options_(options),
          sink_(sink),
          strings_(strings),
          date_styles_(date_styles),
          date1904_(date1904),
          headers_seen_(headers_seen) {}

    void read(const Sheet& sheet) {
        location_ = sheet.hidden ? sheet.name + " (hidden)" : sheet.name;
        std::optional<std::string> xml = zip_.read(sheet.part);
        if (!xml) return;
        read_cells(*xml, sheet.part);
        xml.reset();
        xp::Relationships rels = xp::read_relationships(zip_, sheet.part, options_);
        for (const xp::Relationship* rel : xp::find_by_type(rels, "comments"))
            read_comments(rel->target);
        for (const xp::Relationship* rel : xp::find_by_type(rels, "drawing"))
            read_drawing(rel->target);
    }

  private:
    void read_cells(std::string_view xml, const std::string& part) {
        XmlReader reader(xml, part, options_);
        for (Event event; (event = reader.next()) != Event::eof;) {
            if (event == Event::start) {
                std::string_view name = reader.name();
                if (name == "row") {
                    row_.clear();
                    owned_.clear();
                    row_bytes_ = 0;
                } else if (name == "c") {
                    read_cell(reader);
                } else if (name == "oddHeader" || name == "evenHeader" || name == "firstHeader" ||
                           name == "oddFooter" || name == "evenFooter" || name == "firstFooter") {
                    bool header = name.ends_with("Header");
                    add_header(header, read_plain_text(reader));
                }
            } else if (event == Event::end && reader.name() == "row") {
                finish_row();
            }
        }
    }

    // From the <c> start tag through its end tag.
    void read_cell(XmlReader& reader) {
        const int depth = reader.depth();
        int column = column_of(reader.attribute("r").value_or(""));
        if (column < static_cast<int>(row_.size())) column = static_cast<int>(row_.size());
        std::string type = reader.attribute("t").value_or("n");
        int style = to_int(reader.attribute("s"), 0);
        std::string value, inline_text;
        bool in_value = false;
        for (Event event; (event = reader.next()) != Event::eof;) {
            if (event == Event::start) {
                if (reader.name() == "v") in_value = true;
                if (reader.name() == "is") inline_text = read_rich_text(reader);
                if (reader.name() == "f") reader.skip_element();  // the cached <v> is shown
            } else if (event == Event::end) {
                if (reader.depth() == depth) break;
                in_value = false;
            } else if (in_value) {
                value += reader.text();
            }
        }
        if (column >= kMaxColumns) return;
        std::string_view text = cell_text(type, style, value, inline_text);
        if (text.empty()) return;
        // Check the caps before building the row: a row of bomb cells can be gigabytes.
        row_bytes_ +=
            static_cast<std::int64_t>(text.size() + (column - row_.size() + 1) * kSeparator.size());
        sink_.reserve(row_bytes_);
        std::int64_t text_bytes = sink_.used() + row_bytes_;
        if (text_bytes > kAmplificationFloor &&
            text_bytes > kMaxAmplification * zip_.unpacked_bytes())
            fail(FailureKind::too_large,
                 "the xlsx workbook expands " + std::to_string(zip_.unpacked_bytes() >> 10) +
                     " KB of XML into over " + std::to_string(text_bytes >> 20) +
                     " MB of text (cells repeating long shared strings): an amplification bomb");
        row_.resize(static_cast<std::size_t>(column));
        row_.push_back(text);
    }

    // The cell's text: a view into the shared strings, or into owned_ for the row.
    std::string_view cell_text(std::string_view type, int style, const std::string& value,
                               const std::string& inline_text) {
        if (type == "s") {
            std::size_t index = 0;
            auto parsed = std::from_chars(value.data(), value.data() + value.size(), index);
            return parsed.ec == std::errc() ? strings_.at(index) : std::string_view();
        }
        return owned_.emplace_back(owned_text(type, style, value, inline_text));
    }

    std::string owned_text(std::string_view type, int style, const std::string& value,
                           const std::string& inline_text) const {
        if (type == "inlineStr")
            return xp::collapse_spaces(inline_text.empty() ? decode_escapes(value) : inline_text);
        if (type == "str") return xp::collapse_spaces(decode_escapes(value));
        if (type == "b") return value == "1" ? "TRUE" : value == "0" ? "FALSE" : value;
        if (type == "e") return xp::collapse_spaces(value);
        if (type == "d") return format_iso_date(value);
        if (value.empty()) return "";
        if (style >= 0 && static_cast<std::size_t>(style) < date_styles_.size() &&
            date_styles_[static_cast<std::size_t>(style)]) {
            double serial = 0;
            auto parsed = std::from_chars(value.data(), value.data() + value.size(), serial);
            if (parsed.ec == std::errc())
                if (auto date = format_date(serial, date1904_)) return *date;
        }
        return format_number(value);
    }

    void finish_row() {
        auto first = std::find_if(row_.begin(), row_.end(), [](auto c) { return !c.empty(); });
        std::string text;
        text.reserve(static_cast<std::size_t>(row_bytes_));
        for (auto it = first; it != row_.end(); ++it) {
            if (it != first) text += kSeparator;
            text += *it;
        }
        sink_.add(BlockKind::table_row, std::move(text), 0, 0, location_);
        row_.clear();
        owned_.clear();
        row_bytes_ = 0;
    }

    void add_header(bool header, std::string_view raw) {
        std::string text = strip_header_codes(raw);
        if (text.empty() || !headers_seen_.insert(text).second) return;
        sink_.add(BlockKind::paragraph, std::move(text), 0, 0, header ? "header" : "footer");
    }

    void read_comments(const std::string& part) {
        std::optional<std::string> xml = zip_.read(part);
        if (!xml) return;
        XmlReader reader(*xml, part, options_);
        for (Event event; (event = reader.next()) != Event::eof;)
            if (event == Event::start && reader.name() == "text")
                sink_.add(BlockKind::paragraph, xp::clean_lines(read_rich_text(reader)), 0, 0,
                          "comments, " + location_);
    }

    // Text boxes and shapes (<xdr:sp> text bodies), then the titles of the charts drawn.
    void read_drawing(const std::string& part) {
        sink_.check_deadline("reading drawings");
        std::optional<std::string> xml = zip_.read(part);
        if (!xml) return;
        XmlReader reader(*xml, part, options_);
        xp::AlternateContent alternate;
        std::vector<std::string> charts;
        for (Event event; (event = reader.next()) != Event::eof;) {
            if (event == Event::end) alternate.end(reader);
            if (event != Event::start) continue;
            if (alternate.skip(reader)) {
                reader.skip_element();
            } else if (reader.name() == "txBody") {
                sink_.add(BlockKind::paragraph, xp::read_text_body(reader), 0, 0, location_);
            } else if (reader.name() == "chart") {
                if (auto id = reader.attribute("id")) charts.push_back(*id);
            }
        }
        if (charts.empty()) return;
        xp::Relationships rels = xp::read_relationships(zip_, part, options_);
        for (const std::string& id : charts)
            if (const xp::Relationship* rel = xp::find_by_id(rels, id))
                for (std::string& title : xp::read_chart_titles(zip_, rel->target, options_))
                    sink_.add(BlockKind::paragraph, std::move(title), 0, 0, location_);
    }

    ZipArchive& zip_;
    const ExtractOptions& options_;
    xp::BlockSink& sink_;
    const SharedStrings& strings_;
    const std::vector<bool>& date_styles_;
    bool date1904_;
    std::set<std::string>& headers_seen_;
    std::string location_;
    std::vector<std::string_view> row_;  // views into strings_ and owned_
    std::deque<std::string> owned_;      // the row's cell texts that are not shared strings
    std::int64_t row_bytes_ = 0;
};

std::string lower_extension(const std::filesystem::path& path) {
    std::string extension = path.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension;
}

class XlsxExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "xlsx"; }
    bool accepts(const FileType& type) const override { return type.format == "xlsx"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        constexpr std::string_view kBinary =
            "binary Excel workbook (.xlsb); Deskside reads only the XML form: save it as .xlsx";
        if (lower_extension(file.path) == ".xlsb") fail(FailureKind::unsupported, kBinary);
        ZipArchive zip(file.bytes, options, "xlsx package");
        if (zip.contains("xl/workbook.bin")) fail(FailureKind::unsupported, kBinary);

        ExtractedDocument document;
        document.format = "xlsx";
        xp::Relationships package = xp::read_relationships(zip, "", options);
        std::string workbook_part = xp::main_part(zip, package, "xl/workbook.xml");
        if (workbook_part.empty())
            fail(FailureKind::corrupt,
                 "the xlsx package has no workbook part (xl/workbook.xml); the file is damaged "
                 "or not a spreadsheet");
        xp::read_core_properties(zip, package, options, document.metadata);

        xp::Relationships rels = xp::read_relationships(zip, workbook_part, options);
        Workbook book = read_workbook(zip, workbook_part, rels, options);
        SharedStrings strings;
        for (const xp::Relationship* rel : xp::find_by_type(rels, "sharedStrings"))
            strings = read_shared_strings(zip, rel->target, options);
        std::vector<bool> date_styles;
        for (const xp::Relationship* rel : xp::find_by_type(rels, "styles"))
            date_styles = read_date_styles(zip, rel->target, options);

        xp::BlockSink sink(document, options, "xlsx workbook");
        std::set<std::string> headers_seen;
        SheetReader reader(zip, options, sink, strings, date_styles, book.date1904, headers_seen);
        for (const Sheet& sheet : book.sheets) {
            sink.check_deadline("reading sheet " + sheet.name);
            reader.read(sheet);
        }
        xp::collect_embedded_files(zip, "xl/embeddings/", document);
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_xlsx_extractor() {
    return std::make_unique<XlsxExtractor>();
}

}  // namespace deskside::ingest
