// One RFC 822 message through GMime 3: headers to the envelope, the body parts to text, every
// other part to an attachment. See mime_message.h.
//
// Which parts are body: in a multipart/alternative only one child is read (text/plain first,
// then text/html, then a nested multipart such as multipart/related); in other multiparts every
// child is visited in order. A text/plain or text/html leaf without a file name and not marked
// "attachment" is body text; any other leaf, and every nested message, is an attachment, except
// inline images without a name (they would only fail as binary files) and signatures.
#include "mime_message.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/utf8.h"
#include "ingest/extract_failure.h"
#include "ingest/text_decoding.h"

namespace deskside::ingest::email {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool starts_with_icase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == prefix;
}

// Header values come unfolded but may keep tabs and runs of spaces; one space reads better.
std::string collapse_spaces(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (space) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// GMime decodes encoded words, but raw 8-bit headers in an undeclared charset can still come
// through as bytes; those are decoded the way Deskside decodes any text of unknown encoding.
std::string as_utf8(std::string text) {
    if (utf8::is_valid(text)) return text;
    try {
        return decode_text(text).utf8;
    } catch (const Error&) {
        return utf8::escape_invalid(text);
    }
}

std::string header_text(const char* value) {
    return value ? as_utf8(collapse_spaces(value)) : std::string();
}

// "Name <address>, ..." written here rather than by GMime, which quotes names and writes
// "Name <>" for a mailbox without an address; groups read "Group: members;", and an empty
// group just "Group" (how a bare name is written, e.g. undisclosed-recipients or a sender
// known only by name).
std::string address_text(InternetAddressList* list, int depth = 0) {
    std::string out;
    for (int i = 0, n = list ? internet_address_list_length(list) : 0; i < n; ++i) {
        InternetAddress* address = internet_address_list_get_address(list, i);
        std::string name = header_text(internet_address_get_name(address));
        std::string one;
        if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
            std::string mailbox =
                header_text(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
            if (name.empty() || mailbox.empty() || name == mailbox)
                one = name.empty() ? mailbox : name;
            else
                one = name + " <" + mailbox + ">";
        } else if (INTERNET_ADDRESS_IS_GROUP(address) && depth < 4) {
            InternetAddressList* members =
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address));
            std::string listed = address_text(members, depth + 1);
            one = listed.empty() ? name : name + ": " + listed + ";";
        }
        if (one.empty()) continue;
        if (!out.empty()) out += ", ";
        out += one;
    }
    return out;
}

// The value of a "boundary" parameter in a Content-Type value; "" if none.
std::string boundary_of(std::string_view value) {
    std::string low = lower(value);
    std::size_t at = low.find("boundary");
    while (at != std::string::npos) {
        std::size_t eq = low.find_first_not_of(" \t\r\n", at + 8);
        if (eq != std::string::npos && low[eq] == '=') {
            std::size_t start = low.find_first_not_of(" \t\r\n", eq + 1);
            if (start == std::string::npos) return "";
            if (value[start] == '"') {
                std::size_t end = value.find('"', start + 1);
                return std::string(value.substr(start + 1, end == std::string_view::npos
                                                               ? std::string_view::npos
                                                               : end - start - 1));
            }
            std::size_t end = value.find_first_of(" \t\r\n;", start);
            return std::string(value.substr(
                start, end == std::string_view::npos ? std::string_view::npos : end - start));
        }
        at = low.find("boundary", at + 8);
    }
    return "";
}

std::string mime_type_of(GMimeObject* object) {
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (!type) return "text/plain";  // RFC 2045's default
    return lower(take_gchar(g_mime_content_type_get_mime_type(type)));
}

std::string file_name_of(GMimeObject* object) {
    const char* name = nullptr;
    if (GMIME_IS_PART(object)) {
        name = g_mime_part_get_filename(GMIME_PART(object));
    } else {
        name = g_mime_object_get_content_disposition_parameter(object, "filename");
        if (!name) name = g_mime_object_get_content_type_parameter(object, "name");
    }
    return name ? as_utf8(collapse_spaces(name)) : std::string();
}

bool marked_attachment(GMimeObject* object) {
    GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object);
    return disposition && g_mime_content_disposition_is_attachment(disposition);
}

bool is_body_type(std::string_view mime) {
    return mime == "text/plain" || mime == "text/html";
}

// Parts that carry no document: signatures of signed mail.
bool is_signature(std::string_view mime) {
    return mime == "application/pgp-signature" || mime == "application/pkcs7-signature" ||
           mime == "application/x-pkcs7-signature";
}

// An extension for an attachment that has no name, so the pipeline's type detection (which
// falls back to extensions for text and OLE2 files) gets a hint.
std::string_view extension_for(std::string_view mime) {
    static constexpr std::pair<std::string_view, std::string_view> kExtensions[] = {
        {"text/plain", ".txt"},
        {"text/html", ".html"},
        {"text/csv", ".csv"},
        {"text/calendar", ".ics"},
        {"text/rtf", ".rtf"},
        {"application/rtf", ".rtf"},
        {"application/pdf", ".pdf"},
        {"application/zip", ".zip"},
        {"application/msword", ".doc"},
        {"application/vnd.ms-excel", ".xls"},
        {"application/vnd.ms-powerpoint", ".ppt"},
        {"application/vnd.ms-outlook", ".msg"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"},
        {"message/rfc822", ".eml"},
    };
    for (const auto& [type, extension] : kExtensions)
        if (type == mime) return extension;
    return "";
}

std::string decoded_content(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content) return "";
    GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, out.get());
    GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
    return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

// Walks a message's MIME tree iteratively (depth capped), feeding the document.
class PartWalker {
  public:
    explicit PartWalker(MessageDocument& document) : document_(document) {}

    void walk(GMimeObject* root) {
        std::vector<std::pair<GMimeObject*, int>> stack{{root, 1}};
        int visited = 0;
        while (!stack.empty()) {
            auto [object, depth] = stack.back();
            stack.pop_back();
            if (!object) continue;
            if (depth > document_.options().max_nesting_depth)
                fail(FailureKind::too_large,
                     "MIME parts nested more than " +
                         std::to_string(document_.options().max_nesting_depth) +
                         " deep (max_nesting_depth); a hostile or broken message");
            if (++visited % 64 == 0) document_.check_deadline("the message's parts");
            if (GMIME_IS_MULTIPART_ENCRYPTED(object) || GMIME_IS_APPLICATION_PKCS7_MIME(object)) {
                document_.warn(
                    "encrypted or S/MIME body not indexed; only the headers are searchable");
            } else if (GMIME_IS_MULTIPART(object)) {
                GMimeMultipart* multipart = GMIME_MULTIPART(object);
                if (mime_type_of(object) == "multipart/alternative") {
                    stack.emplace_back(best_alternative(multipart), depth + 1);
                    continue;
                }
                for (int i = g_mime_multipart_get_count(multipart); i-- > 0;)
                    stack.emplace_back(g_mime_multipart_get_part(multipart, i), depth + 1);
            } else if (GMIME_IS_MESSAGE_PART(object)) {
                nested_message(object);
            } else if (GMIME_IS_PART(object)) {
                leaf(GMIME_PART(object));
            }
        }
    }

  private:
    // text/plain first, then text/html, then the last nested multipart (multipart/related
    // holding the HTML and its images), then the last child.
    static GMimeObject* best_alternative(GMimeMultipart* multipart) {
        GMimeObject* html = nullptr;
        GMimeObject* nested = nullptr;
        GMimeObject* last = nullptr;
        for (int i = 0, n = g_mime_multipart_get_count(multipart); i < n; ++i) {
            GMimeObject* child = g_mime_multipart_get_part(multipart, i);
            last = child;
            if (GMIME_IS_MULTIPART(child)) {
                nested = child;
            } else if (GMIME_IS_PART(child) && !marked_attachment(child)) {
                std::string mime = mime_type_of(child);
                if (mime == "text/plain") return child;
                if (mime == "text/html" && !html) html = child;
            }
        }
        return html ? html : nested ? nested : last;
    }

    void leaf(GMimePart* part) {
        GMimeObject* object = GMIME_OBJECT(part);
        std::string mime = mime_type_of(object);
        if (is_signature(mime)) return;
        std::string name = file_name_of(object);
        if (is_body_type(mime) && name.empty() && !marked_attachment(object)) {
            body(part, mime);
            return;
        }
        if (name.empty() && !marked_attachment(object) && mime.starts_with("image/")) return;
        if (name.empty()) name = unnamed("attachment", extension_for(mime));
        document_.add_attachment(std::move(name), decoded_content(part));
    }

    void body(GMimePart* part, const std::string& mime) {
        const char* declared =
            g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
        std::string charset = declared ? declared : "";
        std::string bytes = decoded_content(part);
        if (mime == "text/html") {
            // Without a declared charset the HTML extractor reads <meta charset> itself.
            if (charset.empty()) return document_.add_html(bytes);
            try {
                document_.add_html(decode_text(bytes, charset).utf8);
            } catch (const Error& error) {
                if (error.code() != ErrorCode::bad_document) throw;
                document_.add_html(bytes);
            }
            return;
        }
        try {
            DecodedText text = decode_text(bytes, charset);
            if (document_.document().metadata.encoding.empty())
                document_.document().metadata.encoding = text.encoding;
            document_.add_plain_text(text.utf8);
        } catch (const Error& error) {
            if (error.code() != ErrorCode::bad_document) throw;
            document_.warn("a text/plain body part is binary data; skipped");
        }
    }

    void nested_message(GMimeObject* object) {
        GMimeMessage* message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        if (!message) return;
        std::string name = file_name_of(object);
        if (name.empty()) name = unnamed("message", ".eml");
        document_.add_attachment(std::move(name), serialize(GMIME_OBJECT(message)));
    }

    std::string unnamed(std::string_view stem, std::string_view extension) {
        return std::string(stem) + "-" + std::to_string(++unnamed_) + std::string(extension);
    }

    MessageDocument& document_;
    int unnamed_ = 0;
};

}  // namespace

void init_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

void check_mime_nesting(std::string_view bytes, bool mbox, const ExtractOptions& options) {
    const std::size_t limit = static_cast<std::size_t>(std::max(1, options.max_nesting_depth));
    std::vector<std::string> open;  // boundaries of the open multiparts; "" for message parts
    std::size_t pos = 0;
    auto next_line = [&](std::size_t from) {
        std::size_t eol = bytes.find('\n', from);
        return eol == std::string_view::npos ? bytes.size() : eol + 1;
    };
    while (pos < bytes.size()) {
        std::size_t next = next_line(pos);
        std::string_view line = bytes.substr(pos, next - pos);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (mbox && line.starts_with("From ")) {
            open.clear();
        } else if (line.starts_with("--") && !open.empty()) {
            std::string_view rest = line.substr(2);
            for (std::size_t i = open.size(); i-- > 0;) {
                if (open[i].empty() || !rest.starts_with(open[i])) continue;
                open.resize(rest.substr(open[i].size()).starts_with("--") ? i : i + 1);
                break;
            }
        } else if (starts_with_icase(line, "content-type:")) {
            std::string value(line.substr(13));
            while (next < bytes.size() && (bytes[next] == ' ' || bytes[next] == '\t')) {
                std::size_t after = next_line(next);
                value += bytes.substr(next, after - next);
                next = after;
            }
            std::string low = lower(value);
            if (low.find("multipart/") != std::string::npos)
                open.push_back(boundary_of(value));
            else if (low.find("message/rfc822") != std::string::npos ||
                     low.find("message/global") != std::string::npos)
                open.emplace_back();
            if (open.size() > limit)
                fail(FailureKind::too_large,
                     "MIME parts nested more than " + std::to_string(limit) +
                         " deep (max_nesting_depth); a hostile or broken message");
        }
        pos = next;
    }
}

GObjectPtr<GMimeStream> memory_stream(std::string_view bytes) {
    return GObjectPtr<GMimeStream>(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
}

std::string serialize(GMimeObject* object) {
    GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(object, nullptr, out.get());
    GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
    return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

Envelope envelope_of(GMimeMessage* message) {
    Envelope envelope;
    envelope.subject = header_text(g_mime_message_get_subject(message));
    envelope.from = address_text(g_mime_message_get_from(message));
    envelope.to = address_text(g_mime_message_get_to(message));
    envelope.cc = address_text(g_mime_message_get_cc(message));
    envelope.date_text = header_text(g_mime_object_get_header(GMIME_OBJECT(message), "Date"));
    if (GDateTime* date = g_mime_message_get_date(message))
        envelope.date = g_date_time_to_unix(date);
    return envelope;
}

ExtractedDocument extract_mime_message(std::string_view bytes, const ExtractOptions& options,
                                       const Extractor& html) {
    init_gmime();
    check_mime_nesting(bytes, /*mbox=*/false, options);
    MessageDocument document(options, html);
    GObjectPtr<GMimeStream> stream = memory_stream(bytes);
    GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) return document.take();  // nothing readable: no blocks, recorded as empty
    document.set_envelope(envelope_of(message.get()));
    if (const char* language =
            g_mime_object_get_header(GMIME_OBJECT(message.get()), "Content-Language"))
        document.document().metadata.language = collapse_spaces(language);
    PartWalker(document).walk(g_mime_message_get_mime_part(message.get()));
    return document.take();
}

}  // namespace deskside::ingest::email
