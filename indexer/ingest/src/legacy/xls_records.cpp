// The BIFF record readers of xls_records.h (byte layout there); pure functions, thread-safe.
#include "legacy/xls_records.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "base/utf8.h"
#include "ingest/extract_failure.h"

namespace deskside::ingest::legacy {
namespace {

constexpr std::uint16_t kEof = 0x000A;
constexpr std::uint16_t kFilePass = 0x002F;
constexpr std::uint16_t kCodePage = 0x0042;
constexpr std::uint16_t kBoundSheet = 0x0085;
constexpr std::uint16_t kBof8 = 0x0809;
constexpr std::uint16_t kBofBiff2 = 0x0009, kBofBiff3 = 0x0209, kBofBiff4 = 0x0409;
constexpr int kMaxGlobalsRecords = 100000;
constexpr std::uint16_t kMaxColumns = 256;  // BIFF2-4 sheets have at most 256 columns

std::uint16_t u16(std::string_view s, std::size_t at) {
    if (at + 2 > s.size()) return 0;
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                      static_cast<unsigned char>(s[at + 1]) << 8);
}
std::uint32_t u32(std::string_view s, std::size_t at) {
    return u16(s, at) | static_cast<std::uint32_t>(u16(s, at + 2)) << 16;
}
double f64(std::string_view s, std::size_t at) {
    if (at + 8 > s.size()) return 0;
    double value;
    std::memcpy(&value, s.data() + at, 8);  // little-endian IEEE on every platform we run on
    return value;
}

struct RecordView {
    std::uint16_t type;
    std::string_view body;
    std::size_t offset;  // of the record header in the stream
};

// Cell records that make xls2csv print a sheet (BLANK and MULBLANK too: it prints their rows).
bool is_cell_record(std::uint16_t type) {
    switch (type) {
        case 0x0002:
        case 0x0003:
        case 0x0006:
        case 0x0103:
        case 0x0303:
        case 0x00BD:
        case 0x00BE:
        case 0x00FD:
        case 0x0201:
        case 0x0202:
        case 0x0203:
        case 0x0204:
        case 0x027E:
        case 0x0406:
            return true;
        default:
            return false;
    }
}

// Iterates records; stops at the first one that does not fit.
class RecordReader {
  public:
    explicit RecordReader(std::string_view s) : s_(s) {}
    std::optional<RecordView> next() {
        if (at_ + 4 > s_.size()) return std::nullopt;
        std::uint16_t type = u16(s_, at_), length = u16(s_, at_ + 2);
        if (at_ + 4 + length > s_.size()) return std::nullopt;
        RecordView record{type, s_.substr(at_ + 4, length), at_};
        at_ += 4u + length;
        return record;
    }

  private:
    std::string_view s_;
    std::size_t at_ = 0;
};

int codepage_of_record(std::uint16_t value) {
    if (value == 0x8000) return 10000;  // Macintosh Roman
    if (value == 0x8001 || value == 1200 || value == 0) return 1252;
    return value;
}

std::string format_number(double value) {
    if (!std::isfinite(value)) return {};
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
        return buffer;
    }
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.15g", value);
    return buffer;
}

double rk_value(std::uint32_t rk) {
    double value;
    if (rk & 2) {
        value = static_cast<double>(static_cast<std::int32_t>(rk) >> 2);
    } else {
        std::uint64_t bits = static_cast<std::uint64_t>(rk & 0xFFFFFFFCu) << 32;
        std::memcpy(&value, &bits, 8);
    }
    return (rk & 1) ? value / 100 : value;
}

}  // namespace

WorkbookGlobals read_workbook_globals(std::string_view stream, CodepageDecoder& decoder) {
    WorkbookGlobals globals;
    RecordReader reader(stream);
    std::optional<RecordView> bof = reader.next();
    if (!bof || bof->type != kBof8) return globals;
    bool biff8 = u16(bof->body, 0) == 0x0600;
    int codepage = 1252;
    std::map<std::uint32_t, std::size_t> sheet_at;  // substream offset -> index in sheet_names
    for (int count = 0; count < kMaxGlobalsRecords; ++count) {
        std::optional<RecordView> record = reader.next();
        if (!record || record->type == kEof) break;
        if (record->type == kFilePass) {
            globals.encrypted = true;
            break;
        }
        if (record->type == kCodePage) codepage = codepage_of_record(u16(record->body, 0));
        if (record->type != kBoundSheet || record->body.size() < 8) continue;
        std::string_view body = record->body;
        std::size_t length = static_cast<unsigned char>(body[6]);
        std::string name;
        if (biff8) {
            bool wide = body[7] & 1;
            std::string_view chars = body.substr(8, wide ? 2 * length : length);
            for (std::size_t i = 0; wide ? i + 1 < chars.size() : i < chars.size();
                 i += wide ? 2 : 1)
                utf8::append(name, wide ? u16(chars, i) : static_cast<unsigned char>(chars[i]));
        } else {
            decoder.append(codepage, body.substr(7, length), name);
        }
        sheet_at[u32(body, 0)] = globals.sheet_names.size();
        globals.sheet_names.push_back(std::move(name));
    }
    if (globals.encrypted) return globals;
    std::optional<std::string> current;  // name of the substream being read
    bool has_cells = false;
    while (std::optional<RecordView> record = reader.next()) {
        if (record->type == kBof8) {
            auto found = sheet_at.find(static_cast<std::uint32_t>(record->offset));
            current = found == sheet_at.end() ? "" : globals.sheet_names[found->second];
            has_cells = false;
        } else if (record->type == kEof && current) {
            if (has_cells) globals.sheets_with_cells.push_back(*current);
            current.reset();
        } else if (current && is_cell_record(record->type)) {
            has_cells = true;
        }
    }
    if (current && has_cells) globals.sheets_with_cells.push_back(*current);  // cut short
    return globals;
}

bool is_bare_biff(std::string_view bytes) {
    std::uint16_t type = u16(bytes, 0);
    return bytes.size() >= 8 && (type == kBofBiff2 || type == kBofBiff3 || type == kBofBiff4);
}

BareWorkbook read_bare_biff(std::string_view bytes, CodepageDecoder& decoder,
                            std::chrono::steady_clock::time_point deadline) {
    BareWorkbook workbook;
    std::vector<BareSheet>& sheets = workbook.sheets;
    std::map<std::uint32_t, std::map<std::uint16_t, std::string>> cells;  // row -> column -> text
    int codepage = 1252;
    bool in_sheet = false;
    std::optional<std::pair<std::uint16_t, std::uint16_t>> pending_string;  // formula's cell
    auto finish_sheet = [&] {
        if (!in_sheet) return;
        BareSheet sheet;
        for (auto& [row, columns] : cells) {
            std::vector<std::string> values;
            for (auto& [column, text] : columns) {
                if (values.size() < column) values.resize(column);
                values.push_back(std::move(text));
            }
            sheet.rows.push_back(std::move(values));
        }
        sheets.push_back(std::move(sheet));
        cells.clear();
        in_sheet = false;
    };
    auto set = [&](std::string_view body, std::string text) {
        std::uint16_t row = u16(body, 0), column = u16(body, 2);
        if (column < kMaxColumns && !text.empty()) cells[row][column] = std::move(text);
    };
    RecordReader reader(bytes);
    std::size_t count = 0;
    while (std::optional<RecordView> record = reader.next()) {
        if (++count % 4096 == 0 && std::chrono::steady_clock::now() > deadline)
            fail(FailureKind::timeout, "Excel worksheet not read before the deadline");
        std::string_view body = record->body;
        std::uint16_t type = record->type;
        if (type == kBofBiff2 || type == kBofBiff3 || type == kBofBiff4) {
            finish_sheet();
            in_sheet = u16(body, 2) == 0x0010 || type == kBofBiff2;
            continue;
        }
        if (type == kEof) {
            finish_sheet();
            continue;
        }
        if (type == kCodePage) {
            codepage = codepage_of_record(u16(body, 0));
            continue;
        }
        if (!in_sheet) continue;
        std::string text;
        switch (type) {
            case 0x0004:  // BIFF2 LABEL
                if (body.size() >= 8)
                    decoder.append(codepage, body.substr(8, static_cast<unsigned char>(body[7])),
                                   text);
                set(body, std::move(text));
                break;
            case 0x0204:  // LABEL
                if (body.size() >= 8) decoder.append(codepage, body.substr(8, u16(body, 6)), text);
                set(body, std::move(text));
                break;
            case 0x0002:  // BIFF2 INTEGER
                set(body, format_number(u16(body, 7)));
                break;
            case 0x0003:  // BIFF2 NUMBER
                set(body, format_number(f64(body, 7)));
                break;
            case 0x0203:  // NUMBER
                set(body, format_number(f64(body, 6)));
                break;
            case 0x027E:  // RK
                set(body, format_number(rk_value(u32(body, 6))));
                break;
            case 0x0005:
            case 0x0205: {  // BOOLERR
                std::size_t at = type == 0x0005 ? 7 : 6;
                if (body.size() >= at + 2 && body[at + 1] == 0)
                    set(body, body[at] ? "TRUE" : "FALSE");
                break;
            }
            case 0x0006:
            case 0x0206:
            case 0x0406: {  // FORMULA
                std::size_t at = type == 0x0006 ? 7 : 6;
                if (body.size() < at + 8) break;
                if (u16(body, at + 6) != 0xFFFF) {
                    set(body, format_number(f64(body, at)));
                } else if (body[at] == 0) {
                    pending_string = std::make_pair(u16(body, 0), u16(body, 2));
                } else if (body[at] == 1) {
                    set(body, body[at + 2] ? "TRUE" : "FALSE");
                }
                break;
            }
            case 0x0007:
            case 0x0207: {  // STRING: the text result of the formula before it
                if (!pending_string) break;
                std::size_t length = type == 0x0007
                                         ? static_cast<unsigned char>(body.empty() ? 0 : body[0])
                                         : u16(body, 0);
                decoder.append(
                    codepage,
                    body.substr(std::min<std::size_t>(body.size(), type == 0x0007 ? 1 : 2), length),
                    text);
                auto [row, column] = *pending_string;
                if (column < kMaxColumns && !text.empty()) cells[row][column] = std::move(text);
                pending_string.reset();
                break;
            }
            default:
                break;
        }
    }
    workbook.truncated = in_sheet;
    finish_sheet();
    return workbook;
}

}  // namespace deskside::ingest::legacy
