// Windows code pages to UTF-8 through iconv, for the byte strings of RTF (\'hh escapes in the
// document's \ansicpg or a font's \fcharset) and of old Excel records (BIFF5 sheet names, BIFF4
// labels). Bytes that are invalid in the code page become U+FFFD instead of failing.
//
// A CodepageDecoder caches one iconv handle per code page and is owned by one extraction on one
// thread (iconv handles carry shift state and must not be shared).
#pragma once

#include <iconv.h>

#include <map>
#include <string>
#include <string_view>

namespace deskside::ingest::legacy {

// The Windows code page an RTF \fcharset (LOGFONT lfCharSet) stands for; 0 when the charset
// names no code page of its own (ANSI/default: use the document's code page; symbol fonts).
int codepage_of_charset(int charset);

class CodepageDecoder {
  public:
    CodepageDecoder() = default;
    ~CodepageDecoder();
    CodepageDecoder(const CodepageDecoder&) = delete;
    CodepageDecoder& operator=(const CodepageDecoder&) = delete;

    // Appends `bytes` in `codepage` (1252, 932, 65001...) to `out` as UTF-8. An unknown code
    // page falls back to Windows-1252 so that text is never lost entirely.
    void append(int codepage, std::string_view bytes, std::string& out);

  private:
    iconv_t handle(int codepage);
    std::map<int, iconv_t> handles_;  // code page -> iconv handle (or (iconv_t)-1: unknown)
};

}  // namespace deskside::ingest::legacy
