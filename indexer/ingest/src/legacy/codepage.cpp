// Code page tables and the iconv-backed decoder of codepage.h; one decoder per extraction.
#include "legacy/codepage.h"

#include <array>
#include <cerrno>
#include <utility>

namespace deskside::ingest::legacy {
namespace {

constexpr int kSymbolCodepage = 42;  // CP_SYMBOL: glyph indexes of a symbol font, not text

// LOGFONT character sets and the code pages Windows maps them to.
constexpr std::array<std::pair<int, int>, 28> kCharsets = {{
    {2, kSymbolCodepage}, {77, 10000}, {78, 10001}, {79, 10003}, {80, 10008}, {81, 10002},
    {85, 10006},          {86, 10081}, {88, 10029}, {89, 10007}, {128, 932},  {129, 949},
    {130, 1361},          {134, 936},  {136, 950},  {161, 1253}, {162, 1254}, {163, 1258},
    {177, 1255},          {178, 1256}, {186, 1257}, {204, 1251}, {222, 874},  {238, 1250},
    {254, 437},           {255, 850},  {0, 0},      {1, 0},
}};

// Code pages whose iconv name is not simply "CP<n>".
constexpr std::array<std::pair<int, const char*>, 21> kIconvNames = {{
    {10000, "MACINTOSH"},   {10001, "SHIFT_JIS"},
    {10002, "BIG5"},        {10003, "EUC-KR"},
    {10006, "MAC-GREEK"},   {10007, "MAC-CYRILLIC"},
    {10008, "GB2312"},      {10029, "MAC-CENTRALEUROPE"},
    {10081, "MAC-TURKISH"}, {1361, "JOHAB"},
    {20127, "ASCII"},       {20866, "KOI8-R"},
    {21866, "KOI8-U"},      {20932, "EUC-JP"},
    {51932, "EUC-JP"},      {51949, "EUC-KR"},
    {54936, "GB18030"},     {65001, "UTF-8"},
    {1200, "UTF-16LE"},     {1201, "UTF-16BE"},
    {28591, "ISO-8859-1"},
}};

std::string iconv_name(int codepage) {
    for (const auto& [page, name] : kIconvNames)
        if (page == codepage) return name;
    if (codepage > 28591 && codepage <= 28606)
        return "ISO-8859-" + std::to_string(codepage - 28590);
    return "CP" + std::to_string(codepage);
}

bool is_ascii(std::string_view bytes) {
    for (char c : bytes)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

int codepage_of_charset(int charset) {
    for (const auto& [set, page] : kCharsets)
        if (set == charset) return page;
    return 0;
}

CodepageDecoder::~CodepageDecoder() {
    for (auto& [page, cd] : handles_)
        if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
}

iconv_t CodepageDecoder::handle(int codepage) {
    auto found = handles_.find(codepage);
    if (found != handles_.end()) return found->second;
    iconv_t cd = iconv_open("UTF-8", iconv_name(codepage).c_str());
    handles_.emplace(codepage, cd);
    return cd;
}

void CodepageDecoder::append(int codepage, std::string_view bytes, std::string& out) {
    if (bytes.empty()) return;
    if (codepage == kSymbolCodepage) {
        // Symbol fonts draw bullets and arrows at letter positions; only the bullet is text.
        for (char c : bytes)
            if (c == '\xB7') out += "\u2022";
        return;
    }
    if (is_ascii(bytes) && codepage != 1200 && codepage != 1201) {
        out += bytes;
        return;
    }
    iconv_t cd = handle(codepage);
    if (cd == reinterpret_cast<iconv_t>(-1)) cd = handle(1252);
    if (cd == reinterpret_cast<iconv_t>(-1)) {  // no iconv at all: keep ASCII only
        for (char c : bytes) out += static_cast<unsigned char>(c) < 0x80 ? c : '?';
        return;
    }
    iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    char* in = const_cast<char*>(bytes.data());
    std::size_t in_left = bytes.size();
    char buffer[4096];
    while (in_left > 0) {
        char* dst = buffer;
        std::size_t dst_left = sizeof buffer;
        std::size_t done = iconv(cd, &in, &in_left, &dst, &dst_left);
        out.append(buffer, static_cast<std::size_t>(dst - buffer));
        if (done != static_cast<std::size_t>(-1) || errno == E2BIG) continue;
        // EILSEQ (a byte the code page lacks) or EINVAL (a lead byte cut off at the end).
        out += "\uFFFD";
        ++in;
        --in_left;
    }
}

}  // namespace deskside::ingest::legacy
