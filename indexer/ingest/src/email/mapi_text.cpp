// Text conversions for Outlook .msg properties: see mapi_text.h.
#include "mapi_text.h"

#include <utility>

#include "base/error.h"
#include "base/utf8.h"
#include "glib_handles.h"
#include "ingest/text_decoding.h"

namespace deskside::ingest::email {

std::string charset_for_code_page(std::uint32_t code_page) {
    static constexpr std::pair<std::uint32_t, std::string_view> kNames[] = {
        {65001, "UTF-8"},       {20127, "WINDOWS-1252"}, {1200, "UTF-16LE"},
        {936, "GBK"},           {54936, "GB18030"},      {950, "BIG5"},
        {932, "CP932"},         {949, "CP949"},          {874, "CP874"},
        {50220, "ISO-2022-JP"}, {50221, "ISO-2022-JP"},  {50222, "ISO-2022-JP"},
        {51932, "EUC-JP"},      {51949, "EUC-KR"},       {20866, "KOI8-R"},
        {21866, "KOI8-U"},      {10000, "MACINTOSH"},    {28603, "ISO-8859-13"},
        {28605, "ISO-8859-15"},
    };
    for (const auto& [number, name] : kNames)
        if (number == code_page) return std::string(name);
    if (code_page >= 1250 && code_page <= 1258) return "WINDOWS-" + std::to_string(code_page);
    if (code_page >= 28591 && code_page <= 28599)
        return "ISO-8859-" + std::to_string(code_page - 28590);
    if (code_page == 0) return "";
    return "CP" + std::to_string(code_page);  // iconv knows the DOS and EBCDIC pages this way
}

std::string decode_8bit(std::string_view bytes, std::string_view charset) {
    // A known code page is trusted before the bytes' look: short strings fool detection.
    if (!charset.empty() && charset != "UTF-8") {
        gsize written = 0;
        GCharPtr converted(g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8",
                                     std::string(charset).c_str(), nullptr, &written, nullptr));
        if (converted) return std::string(converted.get(), written);
    }
    try {
        return decode_text(bytes, charset).utf8;
    } catch (const Error&) {
        return utf8::escape_invalid(bytes);  // binary posing as a string: keep it visible
    }
}

std::string utf16le_to_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    auto unit = [&](std::size_t i) {
        return static_cast<char32_t>(static_cast<unsigned char>(bytes[i]) |
                                     static_cast<unsigned char>(bytes[i + 1]) << 8);
    };
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
        char32_t cp = unit(i);
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < bytes.size()) {
            char32_t low = unit(i + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 2;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        utf8::append(out, cp);
    }
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
}

}  // namespace deskside::ingest::email
