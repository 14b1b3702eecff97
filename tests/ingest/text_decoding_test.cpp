// decode_text and looks_like_text on the chardet/Tika files of the corpus, whose names give the
// true encoding, and on hand-made byte strings.
#include "ingest/text_decoding.h"

#include "base/error.h"
#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

using testing::corpus_bytes;
using testing::count_code_points;

struct ScriptCase {
    const char* path;
    bool (*in_script)(char32_t);
    std::size_t min_count;     // code points of the script the true decoding yields at least
    const char* must_contain;  // a phrase from the file, as UTF-8
};

bool is_polish(char32_t cp) {
    return std::u32string_view(U"ąćęłńśźżĄĆĘŁŃŚŹŻ").find(cp) != std::u32string_view::npos;
}
bool is_latin1_letter(char32_t cp) {
    return cp >= 0xC0 && cp <= 0xFF;
}
bool is_astral(char32_t cp) {
    return cp > 0xFFFF && cp != 0xFFFD;
}

TEST(DecodeText, CorpusFilesDecodeToTheirScript) {
    const ScriptCase cases[] = {
        {"txt/chardet-EUC-KR-_ude_euc2.txt", testing::is_hangul, 300, "북조선 사람들은"},
        {"txt/chardet-Johab-mdir-doc.txt", testing::is_hangul, 10000, "게시판안내"},
        {"txt/chardet-SHIFT_JIS-_ude_1.txt", testing::is_kana, 1000, "羅生門"},
        {"txt/chardet-iso-8859-1-_ude_1.txt", is_latin1_letter, 20, "tão bem determinada"},
        {"txt/chardet-iso-8859-1-_ude_2.txt", is_latin1_letter, 20, "dépend à la fois"},
        {"txt/chardet-iso-8859-2-polish-_ude_1.txt", is_polish, 50, "Naukowcy zauważyli, że"},
        {"txt/tika-russian.cp866.txt", testing::is_cyrillic, 50, "Однажды, в студеную зимнюю пору"},
        {"txt/tika-multi-language.txt", is_latin1_letter, 10, "español ABC adhoc prácticas"},
        {"txt/tika-testTXT_win-1252.txt", [](char32_t cp) { return cp == U'“' || cp == U'”'; }, 2,
         "a “windows” encoding"},
        {"html/chardet-Big5-_chromium_Big5_with_no_encoding_specified.html", testing::is_han, 100,
         "台北看守所"},
        {"html/chardet-EUC-KR-_chromium_windows-949_with_no_encoding_specified.html",
         testing::is_hangul, 100, "한나라당은"},
        {"html/chardet-KOI8-R-_chromium_KOI8-R_with_no_encoding_specified.html",
         testing::is_cyrillic, 100, "МОСКВА, 9 янв - РИА Новости"},
        {"html/chardet-iso-8859-5-russian-_chromium_ISO-8859-5_with_no_encoding_specified.html",
         testing::is_cyrillic, 100, "МОСКВА, 9 янв - РИА Новости"},
        {"html/chardet-SHIFT_JIS-_chromium_Shift-JIS_with_no_encoding_specified.html",
         testing::is_han, 100, "衆院議院運営委員会"},
        {"html/chardet-UTF-16LE-plane1-utf-16le.html", is_astral, 50, "Brigham Young"},
    };
    for (const ScriptCase& c : cases) {
        SCOPED_TRACE(c.path);
        DecodedText decoded = decode_text(corpus_bytes(c.path));
        EXPECT_TRUE(utf8::is_valid(decoded.utf8));
        EXPECT_EQ(decoded.utf8.find('\r'), std::string::npos);
        EXPECT_GE(count_code_points(decoded.utf8, c.in_script), c.min_count)
            << "read as " << decoded.encoding;
        EXPECT_NE(decoded.utf8.find(c.must_contain), std::string::npos)
            << "read as " << decoded.encoding;
        EXPECT_EQ(count_code_points(decoded.utf8, [](char32_t cp) { return cp == 0xFFFD; }), 0u);
    }
}

TEST(DecodeText, UnicodeFormsWithAndWithoutBom) {
    DecodedText utf16 = decode_text(corpus_bytes("txt/chardet-UTF-16-bom-utf-16-le.srt"));
    DecodedText utf32 = decode_text(corpus_bytes("txt/chardet-UTF-32-bom-utf-32-le.srt"));
    DecodedText nobom = decode_text(corpus_bytes("txt/chardet-UTF-16LE-nobom-utf16le.txt"));
    EXPECT_EQ(utf16.encoding, "UTF-16LE");
    EXPECT_EQ(utf32.encoding, "UTF-32LE");
    EXPECT_EQ(nobom.encoding, "UTF-16LE");
    EXPECT_TRUE(utf16.utf8.starts_with("1\n00:00:06,500 --> 00:00:09,000\nAbout 2 months ago"));
    EXPECT_EQ(utf16.utf8, utf32.utf8);  // the same subtitles in two encodings
    EXPECT_TRUE(
        nobom.utf8.starts_with("DateTime,Bid,Ask\n07/19/2015 21:00:15.469,1.083,1.08332\n"));

    auto utf16be = [](std::u16string_view text) {
        std::string out;
        for (char16_t unit : text)
            out += {static_cast<char>(unit >> 8), static_cast<char>(unit & 0xFF)};
        return out;
    };
    DecodedText be = decode_text(utf16be(u"Grüße aus Köln\r\n"));
    EXPECT_EQ(be.encoding, "UTF-16BE");
    EXPECT_EQ(be.utf8, "Grüße aus Köln\n");
    DecodedText be_bom = decode_text("\xFE\xFF" + utf16be(u"€ 5"));
    EXPECT_EQ(be_bom.utf8, "€ 5");
    DecodedText utf8_bom = decode_text("\xEF\xBB\xBFhello");
    EXPECT_EQ(utf8_bom.utf8, "hello");
    EXPECT_EQ(utf8_bom.encoding, "UTF-8");
    DecodedText utf32be = decode_text(std::string("\0\0\xFE\xFF\0\x01\xF6\x00\0\0\0!", 12));
    EXPECT_EQ(utf32be.utf8, "\U0001F600!");
}

TEST(DecodeText, EbcdicIsRecognised) {
    DecodedText decoded = decode_text(corpus_bytes("txt/tika-english.cp500.txt"));
    EXPECT_EQ(decoded.encoding, "IBM500");
    EXPECT_NE(decoded.utf8.find("IntelliStation POWER"), std::string::npos);
}

TEST(DecodeText, NewlinesAreNormalised) {
    EXPECT_EQ(decode_text("a\r\nb\rc\n\r\nd").utf8, "a\nb\nc\n\nd");
    EXPECT_EQ(decode_text("line\xE2\x80\xA8next").utf8, "line\nnext");
}

TEST(DecodeText, DeclaredCharsetIsUsedOnlyWhenTheBytesAreNotUnicode) {
    // "Привет" in KOI8-R: too short for detection to be sure, the declaration settles it.
    DecodedText koi8 = decode_text("\xF0\xD2\xC9\xD7\xC5\xD4, \xED\xC9\xD2", "koi8-r");
    EXPECT_EQ(koi8.encoding, "KOI8-R");
    EXPECT_EQ(koi8.utf8, "Привет, Мир");
    DecodedText utf8 = decode_text("h\xC3\xA9llo", "windows-1251");  // valid UTF-8 wins
    EXPECT_EQ(utf8.utf8, "héllo");
    EXPECT_EQ(utf8.encoding, "UTF-8");
    // Windows-1252's five unassigned bytes decode as ISO-8859-1 does, so nothing is lost.
    DecodedText cp1252 = decode_text("\x80 \x81\x8D\x8F\x90\x9D \x93q\x94", "iso-8859-1");
    EXPECT_EQ(cp1252.encoding, "WINDOWS-1252");
    EXPECT_EQ(cp1252.utf8, "€ \u0081\u008D\u008F\u0090\u009D “q”");
    DecodedText unknown = decode_text(
        "caf\xE9 cr\xE8me br\xFBl\xE9"
        "e",
        "no-such-charset");
    EXPECT_EQ(unknown.utf8, "café crème brûlée");
}

TEST(DecodeText, BinaryDataIsRejected) {
    for (const char* path : {"pdf/tika-testPDF.pdf", "malformed/tika-testWordPerfect_42.doc",
                             "docx/tika-testWORD_3imgs.docx", "legacy/tika-testWORD.doc"}) {
        SCOPED_TRACE(path);
        std::string bytes = corpus_bytes(path);
        EXPECT_FALSE(looks_like_text(std::string_view(bytes).substr(0, 64 * 1024)));
        try {
            decode_text(bytes);
            ADD_FAILURE() << "binary data decoded as text";
        } catch (const Error& error) {
            EXPECT_EQ(error.code(), ErrorCode::unsupported);
            EXPECT_STREQ(error.what(), "unsupported: not a text file (binary data)");
        }
    }
    std::string controls;
    for (int i = 0; i < 400; ++i) controls += static_cast<char>(i % 2 ? 'a' : 0x01 + i % 7);
    EXPECT_FALSE(looks_like_text(controls));
    EXPECT_THROW(decode_text(controls), Error);
}

TEST(DecodeText, TextLooksLikeTextAndStrayNulsAreDropped) {
    for (const char* path :
         {"txt/tika-testTXT.txt", "txt/chardet-UTF-16LE-nobom-utf16le.txt",
          "txt/chardet-UTF-32-bom-utf-32-le.srt", "txt/chardet-Johab-mdir-doc.txt",
          "html/tika-testHTML_charset_utf16le.html"})
        EXPECT_TRUE(looks_like_text(corpus_bytes(path))) << path;
    EXPECT_TRUE(looks_like_text(""));
    std::string long_text(10000, 'x');
    long_text[5000] = '\0';
    DecodedText decoded = decode_text(long_text);
    EXPECT_EQ(decoded.utf8, std::string(9999, 'x'));
    EXPECT_EQ(decode_text("").utf8, "");
}

}  // namespace
}  // namespace deskside::ingest
