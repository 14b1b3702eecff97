// Order of evidence, strongest first: a BOM, the zero-byte pattern of UTF-16/32, well-formed
// UTF-8, the charset the document declares, an EBCDIC byte profile, uchardet, a strict trial of
// the CJK multi-byte encodings uchardet 0.0.7 does not know (Johab), and finally Windows-1252,
// which decodes every byte. Legacy labels are widened the way browsers do (WHATWG Encoding):
// ISO-8859-1 and ASCII read as Windows-1252, EUC-KR as CP949, Shift_JIS as CP932.
#include "ingest/text_decoding.h"

#include <iconv.h>
#include <uchardet/uchardet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <memory>
#include <optional>
#include <type_traits>

#include "base/error.h"
#include "base/utf8.h"
#include "ingest/extract_failure.h"

namespace deskside::ingest {
namespace {

constexpr std::size_t kSampleBytes = 64 * 1024;          // enough to see the byte profile
constexpr std::size_t kDetectorBytes = 4 * 1024 * 1024;  // uchardet is confident long before
constexpr std::size_t kBytesPerToleratedNul = 4096;      // a stray NUL in a long text is noise
constexpr double kMaxControlRatio = 0.05;

const char kNotText[] = "not a text file (binary data)";

struct UchardetDeleter {
    void operator()(uchardet_t detector) const { uchardet_delete(detector); }
};
using Uchardet = std::unique_ptr<std::remove_pointer_t<uchardet_t>, UchardetDeleter>;

class Iconv {
  public:
    explicit Iconv(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
    ~Iconv() {
        if (valid()) iconv_close(cd_);
    }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    bool valid() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

  private:
    iconv_t cd_;
};

enum class Form { utf8, utf16le, utf16be, utf32le, utf32be };

std::string_view form_name(Form form) {
    switch (form) {
        case Form::utf8:
            return "UTF-8";
        case Form::utf16le:
            return "UTF-16LE";
        case Form::utf16be:
            return "UTF-16BE";
        case Form::utf32le:
            return "UTF-32LE";
        case Form::utf32be:
            return "UTF-32BE";
    }
    return "UTF-8";
}

unsigned char byte_at(std::string_view bytes, std::size_t i) {
    return static_cast<unsigned char>(bytes[i]);
}

// The BOM's encoding and length, if `bytes` starts with one.
std::optional<std::pair<Form, std::size_t>> detect_bom(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) return std::pair{Form::utf8, std::size_t{3}};
    if (bytes.starts_with(std::string_view("\xFF\xFE\0\0", 4)))
        return std::pair{Form::utf32le, std::size_t{4}};
    if (bytes.starts_with(std::string_view("\0\0\xFE\xFF", 4)))
        return std::pair{Form::utf32be, std::size_t{4}};
    if (bytes.starts_with("\xFF\xFE")) return std::pair{Form::utf16le, std::size_t{2}};
    if (bytes.starts_with("\xFE\xFF")) return std::pair{Form::utf16be, std::size_t{2}};
    return std::nullopt;
}

// UTF-16/32 without a BOM, recognised by where the zero bytes fall in the first bytes: mostly
// Latin text puts a zero in every high byte.
std::optional<Form> detect_zero_pattern(std::string_view bytes) {
    std::size_t n = std::min(bytes.size(), kSampleBytes) & ~std::size_t{3};
    if (n < 4) return std::nullopt;
    std::array<std::size_t, 4> zeros{};
    for (std::size_t i = 0; i < n; ++i)
        if (bytes[i] == '\0') ++zeros[i % 4];
    std::size_t quads = n / 4;
    if (zeros[3] == quads && zeros[2] * 10 >= quads * 9 && zeros[0] * 2 < quads)
        return Form::utf32le;
    if (zeros[0] == quads && zeros[1] * 10 >= quads * 9 && zeros[3] * 2 < quads)
        return Form::utf32be;
    std::size_t pairs = n / 2;
    std::size_t even = zeros[0] + zeros[2], odd = zeros[1] + zeros[3];
    if (odd * 4 >= pairs && even * 50 <= pairs) return Form::utf16le;
    if (even * 4 >= pairs && odd * 50 <= pairs) return Form::utf16be;
    return std::nullopt;
}

bool is_control_byte(unsigned char c) {
    // TAB, LF, VT, FF, CR, SUB (DOS end of file) and ESC (ISO-2022) occur in real text.
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' &&
            c != 0x1A && c != 0x1B) ||
           c == 0x7F;
}

// True if `bytes` (in no UTF-16/32 form) are binary: NULs beyond a stray one, or many controls.
bool looks_binary(std::string_view bytes) {
    std::size_t nuls = 0, controls = 0;
    for (unsigned char c : bytes) {
        if (c == 0)
            ++nuls;
        else if (is_control_byte(c))
            ++controls;
    }
    if (nuls * kBytesPerToleratedNul > bytes.size()) return true;
    return static_cast<double>(controls) > kMaxControlRatio * static_cast<double>(bytes.size());
}

void append_code_point(std::string& out, char32_t cp) {
    if (cp == 0) return;  // NUL carries no text and trips C string consumers
    utf8::append(out, cp);
}

std::string decode_utf16(std::string_view bytes, bool little_endian) {
    std::string out;
    out.reserve(bytes.size());
    auto unit = [&](std::size_t i) -> char32_t {
        unsigned a = byte_at(bytes, i), b = byte_at(bytes, i + 1);
        return little_endian ? (b << 8 | a) : (a << 8 | b);
    };
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) {
        char32_t u = unit(i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
            char32_t low = unit(i + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                append_code_point(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                i += 2;
                continue;
            }
        }
        append_code_point(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
    }
    if (i < bytes.size()) append_code_point(out, 0xFFFD);
    return out;
}

std::string decode_utf32(std::string_view bytes, bool little_endian) {
    std::string out;
    out.reserve(bytes.size() / 2);
    std::size_t i = 0;
    for (; i + 3 < bytes.size(); i += 4) {
        char32_t cp = 0;
        for (int k = 0; k < 4; ++k) {
            std::size_t at = little_endian ? i + 3 - k : i + k;
            cp = (cp << 8) | byte_at(bytes, at);
        }
        append_code_point(out, (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) ? 0xFFFD : cp);
    }
    if (i < bytes.size()) append_code_point(out, 0xFFFD);
    return out;
}

// UTF-8 with every ill-formed byte replaced by U+FFFD.
std::string repair_utf8(std::string_view bytes) {
    if (utf8::is_valid(bytes)) return std::string(bytes);
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t pos = 0; pos < bytes.size();) append_code_point(out, utf8::decode(bytes, pos));
    return out;
}

std::string decode_unicode(std::string_view bytes, Form form) {
    switch (form) {
        case Form::utf8:
            return repair_utf8(bytes);
        case Form::utf16le:
            return decode_utf16(bytes, true);
        case Form::utf16be:
            return decode_utf16(bytes, false);
        case Form::utf32le:
            return decode_utf32(bytes, true);
        case Form::utf32be:
            return decode_utf32(bytes, false);
    }
    return {};
}

// Windows-1252 with its five unassigned bytes read as ISO-8859-1 (the C1 controls), so that
// every byte decodes; browsers do the same.
std::string decode_windows_1252(std::string_view bytes) {
    static constexpr std::array<char16_t, 32> k80to9F = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 4);
    for (unsigned char c : bytes) {
        if (c >= 0x80 && c <= 0x9F)
            append_code_point(out, k80to9F[c - 0x80]);
        else
            append_code_point(out, c);
    }
    return out;
}

// Converts with iconv. Lenient mode writes U+FFFD for each undecodable byte and goes on; strict
// mode gives up. nullopt if iconv does not know `from` or (strict) the bytes are not valid.
std::optional<std::string> convert(std::string_view bytes, const std::string& from, bool strict) {
    Iconv cd(from);
    if (!cd.valid()) return std::nullopt;
    std::string out;
    out.reserve(bytes.size() * 2 + 16);
    std::array<char, 16384> buffer;
    char* in = const_cast<char*>(bytes.data());
    std::size_t in_left = bytes.size();
    while (true) {
        char* dst = buffer.data();
        std::size_t dst_left = buffer.size();
        std::size_t rc = in_left ? iconv(cd.get(), &in, &in_left, &dst, &dst_left)
                                 : iconv(cd.get(), nullptr, nullptr, &dst, &dst_left);
        int err = errno;
        out.append(buffer.data(), static_cast<std::size_t>(dst - buffer.data()));
        if (rc != static_cast<std::size_t>(-1)) {
            if (in_left == 0 && dst == buffer.data()) break;  // flushed
            continue;
        }
        if (err == E2BIG) continue;
        if (strict) return std::nullopt;
        append_code_point(out, 0xFFFD);
        if (err == EILSEQ && in_left > 0) {
            ++in;
            --in_left;
        } else {
            in_left = 0;  // EINVAL: a sequence cut off by the end of the input
        }
    }
    if (strict && out.find("\xEF\xBF\xBD") != std::string::npos) return std::nullopt;
    return out;
}

std::string upper_trimmed(std::string_view label) {
    std::string out;
    for (char c : label) {
        if (c == '"' || c == '\'' || std::isspace(static_cast<unsigned char>(c))) continue;
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

// The iconv name to decode a declared or detected label with; "" to ignore the label. Unicode
// labels are ignored: if the bytes were in such a form they were recognised already.
std::string canonical_charset(std::string_view label) {
    std::string name = upper_trimmed(label);
    if (name.empty() || name.starts_with("UTF") || name.starts_with("UCS") ||
        name.starts_with("UNICODE") || name == "X-USER-DEFINED")
        return "";
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kAliases = {{
        {"ISO-8859-1", "WINDOWS-1252"},
        {"ISO8859-1", "WINDOWS-1252"},
        {"ISO_8859-1", "WINDOWS-1252"},
        {"LATIN1", "WINDOWS-1252"},
        {"L1", "WINDOWS-1252"},
        {"US-ASCII", "WINDOWS-1252"},
        {"ASCII", "WINDOWS-1252"},
        {"ANSI_X3.4-1968", "WINDOWS-1252"},
        {"CP1252", "WINDOWS-1252"},
        {"X-CP1252", "WINDOWS-1252"},
        {"CP819", "WINDOWS-1252"},
        {"SHIFT_JIS", "CP932"},
        {"SHIFT-JIS", "CP932"},
        {"SJIS", "CP932"},
        {"X-SJIS", "CP932"},
        {"WINDOWS-31J", "CP932"},
        {"EUC-KR", "CP949"},
        {"UHC", "CP949"},
        {"KS_C_5601-1987", "CP949"},
        {"WINDOWS-949", "CP949"},
        {"GB2312", "GBK"},
        {"X-GBK", "GBK"},
    }};
    for (const auto& [alias, canonical] : kAliases)
        if (name == alias) return std::string(canonical);
    return name;
}

bool is_ebcdic_letter_or_digit(unsigned char c) {
    return (c >= 0x81 && c <= 0x89) || (c >= 0x91 && c <= 0x99) || (c >= 0xA2 && c <= 0xA9) ||
           (c >= 0xC1 && c <= 0xC9) || (c >= 0xD1 && c <= 0xD9) || (c >= 0xE2 && c <= 0xE9) ||
           (c >= 0xF0 && c <= 0xF9);
}

// EBCDIC text: spaces are 0x40, letters sit in 0x81..0xE9, and the ASCII range below 0x40
// (ASCII space, digits, punctuation) is unused except for the EBCDIC line controls.
bool looks_like_ebcdic(std::string_view bytes) {
    std::string_view sample = bytes.substr(0, kSampleBytes);
    std::size_t spaces = 0, letters = 0, low = 0;
    for (unsigned char c : sample) {
        if (c == 0x40)
            ++spaces;
        else if (is_ebcdic_letter_or_digit(c))
            ++letters;
        else if (c < 0x40 && c != 0x05 && c != 0x0D && c != 0x15 && c != 0x25)
            ++low;
    }
    std::size_t n = sample.size();
    return n >= 16 && spaces * 12 >= n && letters * 20 >= n * 7 && low * 100 <= n;
}

std::string detect_with_uchardet(std::string_view bytes) {
    Uchardet detector(uchardet_new());
    if (!detector) return "";
    std::string_view sample = bytes.substr(0, kDetectorBytes);
    if (uchardet_handle_data(detector.get(), sample.data(), sample.size()) != 0) return "";
    uchardet_data_end(detector.get());
    const char* charset = uchardet_get_charset(detector.get());
    return charset ? charset : "";
}

bool is_hangul(char32_t cp) {
    return (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
           (cp >= 0x3130 && cp <= 0x318F);
}
bool is_han(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x3000 && cp <= 0x303F) ||
           (cp >= 0xFF00 && cp <= 0xFFEF);
}
bool is_japanese(char32_t cp) {
    return is_han(cp) || (cp >= 0x3040 && cp <= 0x30FF);
}

// Multi-byte CJK text uchardet gave no answer for: the first encoding that decodes the bytes
// without error into mostly its own script.
std::optional<DecodedText> try_cjk_encodings(std::string_view bytes) {
    struct Candidate {
        const char* name;
        bool (*in_script)(char32_t);
    };
    static constexpr std::array<Candidate, 6> kCandidates = {{{"CP949", is_hangul},
                                                              {"JOHAB", is_hangul},
                                                              {"CP932", is_japanese},
                                                              {"EUC-JP", is_japanese},
                                                              {"BIG5", is_han},
                                                              {"GBK", is_han}}};
    for (const Candidate& candidate : kCandidates) {
        auto text = convert(bytes, candidate.name, /*strict=*/true);
        if (!text) continue;
        std::size_t non_ascii = 0, in_script = 0;
        for (std::size_t pos = 0; pos < text->size();) {
            char32_t cp = utf8::decode(*text, pos);
            if (cp < 0x80) continue;
            ++non_ascii;
            if (candidate.in_script(cp)) ++in_script;
        }
        if (non_ascii > 0 && in_script * 10 >= non_ascii * 6)
            return DecodedText{std::move(*text), candidate.name};
    }
    return std::nullopt;
}

// Legacy single- or multi-byte text: declared charset, EBCDIC, uchardet, CJK trial, 1252.
DecodedText decode_legacy(std::string_view bytes, std::string_view declared) {
    auto decode_as = [&](const std::string& name) -> std::optional<DecodedText> {
        if (name == "WINDOWS-1252") return DecodedText{decode_windows_1252(bytes), name};
        if (name == "UTF-8") return DecodedText{repair_utf8(bytes), name};
        auto text = convert(bytes, name, /*strict=*/false);
        if (!text) return std::nullopt;
        return DecodedText{std::move(*text), name};
    };
    // A declared UTF-8 that is not valid UTF-8 is noise: the bytes say otherwise.
    if (std::string name = canonical_charset(declared); !name.empty() && name != "UTF-8")
        if (auto text = decode_as(name)) return *text;
    if (looks_like_ebcdic(bytes))
        if (auto text = decode_as("IBM500")) return *text;
    std::string detected = detect_with_uchardet(bytes);
    if (!detected.empty()) {
        std::string name =
            upper_trimmed(detected) == "UTF-8" ? "UTF-8" : canonical_charset(detected);
        if (!name.empty())
            if (auto text = decode_as(name)) return *text;
    } else if (auto text = try_cjk_encodings(bytes)) {
        return *text;
    }
    return DecodedText{decode_windows_1252(bytes), "WINDOWS-1252"};
}

// "\r\n", "\r", NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR become "\n"; NULs are dropped.
std::string normalise_newlines(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') {
            out += '\n';
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (c == '\0') {
            continue;
        } else if (c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\x85') {
            out += '\n';
            ++i;
        } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
                   (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
            out += '\n';
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// Share of decoded code points that are control characters (for UTF-16/32 guessed from zeros).
bool mostly_controls(std::string_view text) {
    std::size_t count = 0, controls = 0;
    for (std::size_t pos = 0; pos < text.size() && count < kSampleBytes;) {
        char32_t cp = utf8::decode(text, pos);
        ++count;
        if ((cp < 0x80 && is_control_byte(static_cast<unsigned char>(cp))) ||
            (cp >= 0x80 && cp < 0xA0 && cp != 0x85) || cp == 0xFFFD)
            ++controls;
    }
    return static_cast<double>(controls) > kMaxControlRatio * static_cast<double>(count);
}

DecodedText finish(DecodedText decoded) {
    decoded.utf8 = normalise_newlines(std::move(decoded.utf8));
    if (!utf8::is_valid(decoded.utf8))
        fail(FailureKind::corrupt, "cannot convert text from " + decoded.encoding + " to UTF-8");
    return decoded;
}

}  // namespace

DecodedText decode_text(std::string_view bytes, std::string_view declared) {
    if (auto bom = detect_bom(bytes)) {
        auto [form, length] = *bom;
        return finish({decode_unicode(bytes.substr(length), form), std::string(form_name(form))});
    }
    if (auto form = detect_zero_pattern(bytes)) {
        DecodedText decoded{decode_unicode(bytes, *form), std::string(form_name(*form))};
        if (mostly_controls(decoded.utf8)) fail(FailureKind::unsupported, kNotText);
        return finish(std::move(decoded));
    }
    if (looks_binary(bytes)) fail(FailureKind::unsupported, kNotText);
    if (utf8::is_valid(bytes)) return finish({std::string(bytes), "UTF-8"});
    return finish(decode_legacy(bytes, declared));
}

bool looks_like_text(std::string_view head) {
    if (detect_bom(head)) return true;
    if (auto form = detect_zero_pattern(head)) return !mostly_controls(decode_unicode(head, *form));
    return !looks_binary(head);
}

}  // namespace deskside::ingest
