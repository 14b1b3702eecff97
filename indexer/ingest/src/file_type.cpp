// Container signatures (PDF, ZIP, OLE2, RTF) decide first, since a container's extension is
// often wrong or generic; the extension then picks among a container's family (an encrypted
// .docx is an OLE2 file). Text formats are sniffed from content where content can say (e-mail
// headers, HTML tags) and otherwise follow the extension.
#include "ingest/file_type.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <vector>

#include "ingest/text_decoding.h"

namespace deskside::ingest {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool starts_with_icase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == prefix;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

template <std::size_t N>
bool one_of(const std::string& value, const std::array<std::string_view, N>& options) {
    return std::find(options.begin(), options.end(), value) != options.end();
}

FileType make(std::string_view format, std::string_view mime = {}) {
    return {std::string(format), std::string(mime.empty() ? mime_for(format) : mime)};
}

// Office formats known by extension alone (used inside a ZIP or OLE2 container).
std::optional<std::string> office_format_by_extension(const std::string& ext) {
    static constexpr std::array<std::string_view, 4> kDocx = {".docx", ".docm", ".dotx", ".dotm"};
    static constexpr std::array<std::string_view, 5> kXlsx = {".xlsx", ".xlsm", ".xltx", ".xltm",
                                                              ".xlsb"};
    static constexpr std::array<std::string_view, 6> kPptx = {".pptx", ".pptm", ".ppsx",
                                                              ".ppsm", ".potx", ".potm"};
    static constexpr std::array<std::string_view, 3> kOdt = {".odt", ".ott", ".fodt"};
    static constexpr std::array<std::string_view, 3> kOds = {".ods", ".ots", ".fods"};
    static constexpr std::array<std::string_view, 3> kOdp = {".odp", ".otp", ".fodp"};
    static constexpr std::array<std::string_view, 2> kDoc = {".doc", ".dot"};
    static constexpr std::array<std::string_view, 3> kXls = {".xls", ".xlt", ".xla"};
    static constexpr std::array<std::string_view, 3> kPpt = {".ppt", ".pps", ".pot"};
    if (one_of(ext, kDocx)) return "docx";
    if (one_of(ext, kXlsx)) return "xlsx";
    if (one_of(ext, kPptx)) return "pptx";
    if (one_of(ext, kOdt)) return "odt";
    if (one_of(ext, kOds)) return "ods";
    if (one_of(ext, kOdp)) return "odp";
    if (one_of(ext, kDoc)) return "doc";
    if (one_of(ext, kXls)) return "xls";
    if (one_of(ext, kPpt)) return "ppt";
    return std::nullopt;
}

std::optional<std::string> odf_format(std::string_view mimetype) {
    constexpr std::string_view kPrefix = "application/vnd.oasis.opendocument.";
    if (!mimetype.starts_with(kPrefix)) return std::nullopt;
    std::string_view kind = mimetype.substr(kPrefix.size());
    if (kind.starts_with("text")) return "odt";
    if (kind.starts_with("spreadsheet")) return "ods";
    if (kind.starts_with("presentation")) return "odp";
    return std::nullopt;
}

std::uint32_t le16(std::string_view b, std::size_t at) {
    return static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8;
}

// ZIP: the entry names (and a stored "mimetype" entry's content) in the local headers of the
// first bytes tell OOXML and ODF apart; the central directory at the end is out of reach.
FileType detect_zip(std::string_view head, const std::string& ext) {
    std::vector<std::string_view> names;
    std::string_view mimetype;
    for (std::size_t at = head.find("PK\x03\x04");
         at != std::string_view::npos && at + 30 <= head.size();
         at = head.find("PK\x03\x04", at + 4)) {
        std::size_t name_length = le16(head, at + 26), extra_length = le16(head, at + 28);
        if (at + 30 + name_length > head.size()) break;
        std::string_view name = head.substr(at + 30, name_length);
        names.push_back(name);
        if (name == "mimetype" && le16(head, at + 8) == 0) {  // method 0: stored as is
            std::size_t data = at + 30 + name_length + extra_length;
            if (data < head.size())
                mimetype = head.substr(data, std::min<std::size_t>(80, head.size() - data));
        }
    }
    if (auto odf = odf_format(mimetype)) return make(*odf);
    for (std::string_view name : names) {
        if (name.starts_with("word/")) return make("docx");
        if (name.starts_with("xl/")) return make("xlsx");
        if (name.starts_with("ppt/")) return make("pptx");
    }
    if (auto format = office_format_by_extension(ext)) {
        if (*format == "doc" || *format == "xls" || *format == "ppt") return make("zip");
        return make(*format);
    }
    return make("zip");
}

// OLE2 compound file: Word, Excel, PowerPoint 97-2003, Outlook .msg, and encrypted OOXML.
FileType detect_ole(std::string_view head, const std::string& ext) {
    // Directory entries hold UTF-16LE stream names; they are often within the first bytes.
    auto has_stream = [&](std::string_view name) {
        std::string wide;
        for (char c : name) wide += {c, '\0'};
        return contains(head, wide);
    };
    if (ext == ".msg") return make("email", "application/vnd.ms-outlook");
    if (auto format = office_format_by_extension(ext)) {
        // An OOXML or ODF name on an OLE2 file: a password-protected package (MS-OFFCRYPTO
        // wraps the encrypted ZIP in a compound file with EncryptionInfo/EncryptedPackage).
        if (*format == "docx" || *format == "xlsx" || *format == "pptx" ||
            format->starts_with("od"))
            return make(*format, std::string(kEncryptedPackageMime));
        return make(*format);
    }
    if (has_stream("EncryptedPackage")) return make("docx", std::string(kEncryptedPackageMime));
    if (has_stream("__substg1.0_")) return make("email", "application/vnd.ms-outlook");
    if (has_stream("WordDocument")) return make("doc");
    if (has_stream("PowerPoint Document")) return make("ppt");
    if (has_stream("Workbook") || has_stream("Book")) return make("xls");
    // A compound file with none of the known streams in reach: usually an object embedded in
    // an Office file (oleObject1.bin). Not worth guessing "doc" and failing as corrupt.
    return make("ole");
}

bool is_header_name_char(char c) {
    return c > ' ' && c < 127 && c != ':';
}

// E-mail: an RFC 5322 header block at the very start (or an mbox "From " line before it).
bool looks_like_email(std::string_view head, const std::string& ext) {
    static constexpr std::array<std::string_view, 8> kStrongFields = {
        "from",         "received", "return-path",  "message-id",
        "mime-version", "date",     "delivered-to", "x-mailer"};
    static constexpr std::array<std::string_view, 8> kOtherFields = {
        "to", "subject", "cc", "reply-to", "content-type", "sender", "in-reply-to", "references"};
    std::string_view rest = head.substr(0, 16 * 1024);
    bool mbox = rest.starts_with("From ");
    if (mbox) rest.remove_prefix(std::min(rest.size(), rest.find('\n') + 1));
    int headers = 0, strong = 0, known = 0;
    bool ended = false;
    while (!rest.empty()) {
        std::size_t eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            ended = true;
            break;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (headers == 0) return false;
            continue;  // folded continuation of the previous field
        }
        std::size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos ||
            !std::all_of(line.begin(), line.begin() + colon, is_header_name_char))
            return false;
        ++headers;
        std::string name = lower(line.substr(0, colon));
        if (one_of(name, kStrongFields))
            ++strong, ++known;
        else if (one_of(name, kOtherFields))
            ++known;
    }
    if (headers == 0) return false;
    if (ext == ".eml" || ext == ".mbox" || ext == ".mbx" || mbox) return true;
    return (ended || rest.empty()) && headers >= 3 && strong >= 1 && known >= 2;
}

// The head as ASCII for sniffing markup: UTF-16/32 code units narrowed, BOMs dropped.
std::string sniffable(std::string_view head) {
    head = head.substr(0, 4096);
    std::size_t zeros_odd = 0, zeros_even = 0;
    for (std::size_t i = 0; i < head.size(); ++i)
        (i % 2 ? zeros_odd : zeros_even) += head[i] == '\0';
    std::string out;
    if (zeros_odd + zeros_even > head.size() / 4) {
        for (char c : head)
            if (c != '\0' && static_cast<unsigned char>(c) < 0x80) out += c;
    } else {
        out = head;
    }
    if (out.starts_with("\xEF\xBB\xBF")) out.erase(0, 3);
    return out;
}

// Skips whitespace, comments, an XML declaration and processing instructions.
std::string_view skip_prolog(std::string_view text) {
    while (true) {
        std::size_t start = text.find_first_not_of(" \t\r\n\f");
        if (start == std::string_view::npos) return {};
        text.remove_prefix(start);
        std::string_view close;
        if (text.starts_with("<!--"))
            close = "-->";
        else if (text.starts_with("<?"))
            close = "?>";
        else
            return text;
        std::size_t end = text.find(close, 2);
        if (end == std::string_view::npos) return {};
        text.remove_prefix(end + close.size());
    }
}

// The markup starts like an HTML document (the WHATWG MIME-sniffing list of tags).
bool sniff_html(std::string_view text) {
    static constexpr std::array<std::string_view, 17> kTags = {
        "!doctype html", "html", "head",  "body",  "script", "iframe", "h1", "div", "font",
        "table",         "a",    "style", "title", "b",      "br",     "p",  "meta"};
    if (!text.starts_with('<')) return false;
    text.remove_prefix(1);
    for (std::string_view tag : kTags) {
        if (!starts_with_icase(text, tag) || text.size() == tag.size()) continue;
        char next = text[tag.size()];
        if (next == ' ' || next == '>' || next == '\t' || next == '\n' || next == '\r' ||
            next == '/')
            return true;
    }
    return false;
}

// A flat (single XML file) OpenDocument: <office:document office:mimetype="...">.
std::optional<std::string> sniff_flat_odf(std::string_view text) {
    if (!text.starts_with("<office:document")) return std::nullopt;
    std::size_t at = text.find("office:mimetype=\"");
    if (at == std::string_view::npos) return std::nullopt;
    return odf_format(text.substr(at + 17));
}

}  // namespace

std::string_view mime_for(std::string_view format) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kMimes = {{
        {"text", "text/plain"},
        {"markdown", "text/markdown"},
        {"html", "text/html"},
        {"csv", "text/csv"},
        {"pdf", "application/pdf"},
        {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {"odt", "application/vnd.oasis.opendocument.text"},
        {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
        {"odp", "application/vnd.oasis.opendocument.presentation"},
        {"rtf", "application/rtf"},
        {"email", "message/rfc822"},
        {"doc", "application/msword"},
        {"xls", "application/vnd.ms-excel"},
        {"ppt", "application/vnd.ms-powerpoint"},
        {"zip", "application/zip"},
        {"ole", "application/x-ole-storage"},
        {"image", "image/unknown"},
        {"binary", "application/octet-stream"},
    }};
    for (const auto& [name, mime] : kMimes)
        if (name == format) return mime;
    return "application/octet-stream";
}

FileType detect_file_type(const std::filesystem::path& path, std::string_view head) {
    std::string ext = lower(path.extension().string());
    std::string_view start = head.substr(0, 1024);
    if (start.starts_with("%PDF-") || (ext == ".pdf" && contains(start, "%PDF-")))
        return make("pdf");
    if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06") ||
        head.starts_with("PK\x07\x08"))
        return detect_zip(head, ext);
    if (head.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return detect_ole(head, ext);
    if (head.starts_with("{\\rtf")) return make("rtf");
    // Pictures: text only through OCR (scans, photos of whiteboards, screenshots).
    if (head.starts_with("\xFF\xD8\xFF")) return make("image", "image/jpeg");
    if (head.starts_with("\x89PNG\r\n\x1A\n")) return make("image", "image/png");
    if (head.starts_with(std::string_view("II*\0", 4)) ||
        head.starts_with(std::string_view("MM\0*", 4)))
        return make("image", "image/tiff");
    if (head.starts_with("GIF87a") || head.starts_with("GIF89a")) return make("image", "image/gif");
    if (head.starts_with("BM") && head.size() > 26 && ext == ".bmp")
        return make("image", "image/bmp");
    // Excel 2.x-4.x worksheets are bare BIFF records, no OLE2 container: a BOF record first.
    if (ext == ".xls" && head.size() >= 4 && head[0] == '\x09' &&
        (head[1] == '\x00' || head[1] == '\x02' || head[1] == '\x04'))
        return make("xls");

    // Markdown (metadata lines, leading HTML) and CSV resemble other text formats at the start:
    // their extension wins over sniffing.
    bool text = looks_like_text(head);
    if (text && (ext == ".md" || ext == ".markdown" || ext == ".mdown" || ext == ".mkd"))
        return make("markdown");
    if (text && ext == ".csv") return make("csv");
    if (text && (ext == ".tsv" || ext == ".tab")) return make("csv", "text/tab-separated-values");
    if (text && looks_like_email(head, ext)) {
        if (head.starts_with("From ")) return make("email", "application/mbox");
        return make("email");
    }
    std::string markup = sniffable(head);
    std::string_view body = skip_prolog(markup);
    if (auto odf = sniff_flat_odf(body)) return make(*odf);
    if (sniff_html(body)) return make("html");
    if (!text) return make("binary");
    if (ext == ".html" || ext == ".htm" || ext == ".xhtml" || ext == ".shtml") return make("html");
    return make("text");
}

}  // namespace deskside::ingest
