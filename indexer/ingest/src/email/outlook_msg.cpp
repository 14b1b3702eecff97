// Outlook .msg reading: the property storages (mapi_storage.h) become a plain message value
// (OutlookMessage, nested messages included), which then feeds the document or, for an
// embedded message, is written out as an .eml attachment with GMime. See outlook_msg.h.
#include "outlook_msg.h"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "glib_handles.h"
#include "ingest/extract_failure.h"
#include "mapi_storage.h"
#include "message_document.h"
#include "mime_message.h"

namespace deskside::ingest::email {
namespace {

// MAPI property ids ([MS-OXPROPS]).
constexpr std::uint16_t kSubject = 0x0037;
constexpr std::uint16_t kClientSubmitTime = 0x0039;
constexpr std::uint16_t kSentRepresentingName = 0x0042;
constexpr std::uint16_t kSentRepresentingEmail = 0x0065;
constexpr std::uint16_t kSenderName = 0x0C1A;
constexpr std::uint16_t kSenderEmail = 0x0C1F;
constexpr std::uint16_t kRecipientType = 0x0C15;  // 1 to, 2 cc, 3 bcc
constexpr std::uint16_t kDisplayCc = 0x0E03;
constexpr std::uint16_t kDisplayTo = 0x0E04;
constexpr std::uint16_t kDeliveryTime = 0x0E06;
constexpr std::uint16_t kBody = 0x1000;
constexpr std::uint16_t kRtfCompressed = 0x1009;
constexpr std::uint16_t kBodyHtml = 0x1013;
constexpr std::uint16_t kDisplayName = 0x3001;
constexpr std::uint16_t kEmailAddress = 0x3003;
constexpr std::uint16_t kAttachData = 0x3701;
constexpr std::uint16_t kAttachFilename = 0x3704;
constexpr std::uint16_t kAttachLongFilename = 0x3707;
constexpr std::uint16_t kAttachMimeTag = 0x370E;
constexpr std::uint16_t kAttachContentId = 0x3712;
constexpr std::uint16_t kSmtpAddress = 0x39FE;
constexpr std::uint16_t kSenderSmtpAddress = 0x5D01;
constexpr std::uint16_t kSentRepresentingSmtpAddress = 0x5D02;

constexpr std::string_view kRecipientPrefix = "__recip_version1.0_#";
constexpr std::string_view kAttachmentPrefix = "__attach_version1.0_#";

struct Address {
    std::string name;
    std::string address;
};

struct OutlookMessage;

struct OutlookAttachment {
    std::string name;
    std::string bytes;                        // a stored file
    std::unique_ptr<OutlookMessage> message;  // or an embedded message
};

struct OutlookMessage {
    std::string subject;
    Address from;
    std::vector<Address> to;
    std::vector<Address> cc;
    std::string display_to;  // used when there are no recipient storages
    std::string display_cc;
    std::optional<std::int64_t> date;
    std::string plain_body;  // UTF-8
    std::string html_body;   // UTF-8 when html_is_utf8, else raw bytes in an unknown charset
    bool html_is_utf8 = true;
    bool rtf_only = false;
    std::vector<OutlookAttachment> attachments;
};

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\0'))
        text.remove_suffix(1);
    return text;
}

// Internet addresses only: Exchange stores "/O=ORG/OU=.../CN=NAME" distinguished names in the
// same properties, which mean nothing to a reader.
bool is_internet_address(std::string_view text) {
    return text.find('@') != std::string_view::npos && !text.starts_with("/");
}

std::string display(const Address& address) {
    if (address.address.empty() || address.name == address.address) return address.name;
    if (address.name.empty()) return address.address;
    return address.name + " <" + address.address + ">";
}

std::string display(const std::vector<Address>& addresses) {
    std::string out;
    for (const Address& address : addresses) {
        std::string one = display(address);
        if (one.empty()) continue;
        if (!out.empty()) out += ", ";
        out += one;
    }
    return out;
}

// Reads the property storages into OutlookMessage values, noting damage and warnings.
class OutlookReader {
  public:
    OutlookReader(MessageDocument& document, std::int64_t file_size)
        : document_(document), file_size_(file_size) {}

    bool damaged() const { return damaged_; }

    OutlookMessage read(const MapiStorage& storage, int depth) {
        OutlookMessage message;
        const std::string charset = storage.charset();
        auto text = [&](const MapiStorage& from, std::uint16_t id) {
            return std::string(trim(from.string(id, charset).value_or("")));
        };
        message.subject = text(storage, kSubject);
        // A subject may start with SOH and a prefix length ("\x01\x05RE: ...").
        if (message.subject.size() >= 2 && message.subject[0] == '\x01')
            message.subject.erase(0, 2);
        message.from.name = text(storage, kSenderName);
        if (message.from.name.empty()) message.from.name = text(storage, kSentRepresentingName);
        for (std::uint16_t id : {kSenderSmtpAddress, kSenderEmail, kSentRepresentingSmtpAddress,
                                 kSentRepresentingEmail}) {
            std::string address = text(storage, id);
            if (is_internet_address(address)) {
                message.from.address = address;
                break;
            }
        }
        read_recipients(storage, charset, message);
        message.display_to = text(storage, kDisplayTo);
        message.display_cc = text(storage, kDisplayCc);
        message.date = storage.unix_time(kClientSubmitTime);
        if (!message.date) message.date = storage.unix_time(kDeliveryTime);

        message.plain_body = storage.string(kBody, charset).value_or("");
        if (trim(message.plain_body).empty()) read_html_body(storage, message);
        read_attachments(storage, charset, depth, message);
        damaged_ = damaged_ || storage.damaged();
        return message;
    }

  private:
    void read_recipients(const MapiStorage& storage, const std::string& charset,
                         OutlookMessage& message) {
        for (GsfInfile* raw : storage.storages(kRecipientPrefix)) {
            GObjectPtr<GsfInfile> owner(raw);
            MapiStorage recipient(raw, MapiStorage::Kind::child, file_size_);
            Address address;
            address.name = trim(recipient.string(kDisplayName, charset).value_or(""));
            for (std::uint16_t id : {kSmtpAddress, kEmailAddress}) {
                std::string value(trim(recipient.string(id, charset).value_or("")));
                if (is_internet_address(value)) {
                    address.address = value;
                    break;
                }
            }
            std::uint32_t type = recipient.int32(kRecipientType).value_or(1);
            if (type == 1) message.to.push_back(std::move(address));
            if (type == 2) message.cc.push_back(std::move(address));
            damaged_ = damaged_ || recipient.damaged();
        }
    }

    static void read_html_body(const MapiStorage& storage, OutlookMessage& message) {
        if (auto html = storage.binary(kBodyHtml)) {
            // A binary HTML body is in the internet code page; without one the HTML extractor
            // reads its <meta charset> or detects.
            std::string charset = storage.charset(/*internet=*/true);
            message.html_is_utf8 = !charset.empty();
            message.html_body = charset.empty() ? std::move(*html) : decode_8bit(*html, charset);
        } else if (auto text = storage.string(kBodyHtml, storage.charset(true))) {
            message.html_body = std::move(*text);
        }
        message.rtf_only = trim(message.html_body).empty() && storage.binary(kRtfCompressed);
    }

    void read_attachments(const MapiStorage& storage, const std::string& charset, int depth,
                          OutlookMessage& message) {
        int index = 0;
        for (GsfInfile* raw : storage.storages(kAttachmentPrefix)) {
            GObjectPtr<GsfInfile> owner(raw);
            ++index;
            document_.check_deadline("the message's attachments");
            MapiStorage attachment(raw, MapiStorage::Kind::child, file_size_);
            OutlookAttachment out;
            for (std::uint16_t id : {kAttachLongFilename, kAttachFilename, kDisplayName}) {
                out.name = trim(attachment.string(id, charset).value_or(""));
                if (!out.name.empty()) break;
            }
            if (GObjectPtr<GsfInfile> object{attachment.object(kAttachData)}) {
                MapiStorage embedded(object.get(), MapiStorage::Kind::embedded_message, file_size_);
                if (!embedded.has_properties()) {
                    document_.warn("attachment \"" + out.name +
                                   "\" is an embedded OLE object; it is not extracted");
                    continue;
                }
                if (depth + 1 > document_.options().max_nesting_depth) {
                    document_.warn("messages embedded more than " +
                                   std::to_string(document_.options().max_nesting_depth) +
                                   " deep are not kept (max_nesting_depth)");
                    continue;
                }
                out.message = std::make_unique<OutlookMessage>(read(embedded, depth + 1));
                if (out.name.empty()) out.name = out.message->subject;
                if (out.name.empty()) out.name = "message";
                if (!out.name.ends_with(".eml")) out.name += ".eml";
            } else if (auto data = attachment.binary(kAttachData)) {
                // Images shown inside the HTML body (they have a content id) are not documents.
                std::string mime = attachment.string(kAttachMimeTag, charset).value_or("");
                if (mime.starts_with("image/") && attachment.string(kAttachContentId, charset))
                    continue;
                out.bytes = std::move(*data);
                if (out.name.empty()) out.name = "attachment-" + std::to_string(index);
            } else if (attachment.damaged()) {
                document_.warn("attachment \"" + out.name +
                               "\" cannot be read; the file is truncated or damaged");
                damaged_ = true;
                continue;
            } else {
                document_.warn("attachment \"" + out.name +
                               "\" is not stored in the message (a link); not kept");
                continue;
            }
            damaged_ = damaged_ || attachment.damaged();
            message.attachments.push_back(std::move(out));
        }
    }

    MessageDocument& document_;
    std::int64_t file_size_;
    bool damaged_ = false;
};

Envelope envelope_of(const OutlookMessage& message) {
    Envelope envelope;
    envelope.subject = message.subject;
    envelope.from = display(message.from);
    envelope.to = message.to.empty() ? message.display_to : display(message.to);
    envelope.cc = message.cc.empty() ? message.display_cc : display(message.cc);
    envelope.date = message.date;
    if (message.date) envelope.date_text = format_mail_date(*message.date);
    return envelope;
}

// ---- writing an embedded message as .eml --------------------------------------------------

void add_addresses(InternetAddressList* list, const std::vector<Address>& addresses) {
    for (const Address& address : addresses) {
        if (address.name.empty() && address.address.empty()) continue;
        // A name without an address (an Exchange-only sender) is written as an empty group,
        // "Name:;", the one RFC 5322 form of a bare name that parsers read back as that name.
        GObjectPtr<InternetAddress> one(
            address.address.empty()
                ? internet_address_group_new(address.name.c_str())
                : internet_address_mailbox_new(address.name.c_str(), address.address.c_str()));
        internet_address_list_add(list, one.get());
    }
}

// Display strings ("A; B") when the recipients' own storages are missing: names only.
std::vector<Address> names_only(std::string_view display_list) {
    std::vector<Address> out;
    while (!display_list.empty()) {
        std::size_t end = display_list.find(';');
        std::string_view name = trim(display_list.substr(0, end));
        if (!name.empty()) out.push_back({std::string(name), ""});
        display_list.remove_prefix(end == std::string_view::npos ? display_list.size() : end + 1);
    }
    return out;
}

void set_attachment_disposition(GMimeObject* object, const std::string& name) {
    GObjectPtr<GMimeContentDisposition> disposition(g_mime_content_disposition_new());
    g_mime_content_disposition_set_disposition(disposition.get(), "attachment");
    g_mime_content_disposition_set_parameter(disposition.get(), "filename", name.c_str());
    g_mime_object_set_content_disposition(object, disposition.get());
}

GObjectPtr<GMimeObject> attachment_part(std::string_view type, std::string_view subtype,
                                        std::string_view bytes) {
    GObjectPtr<GMimePart> part(
        g_mime_part_new_with_type(std::string(type).c_str(), std::string(subtype).c_str()));
    GObjectPtr<GMimeStream> stream = memory_stream(bytes);
    GObjectPtr<GMimeDataWrapper> content(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part.get(), content.get());
    g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
    return GObjectPtr<GMimeObject>(GMIME_OBJECT(part.release()));
}

GObjectPtr<GMimeObject> body_part(const OutlookMessage& message) {
    bool html = trim(message.plain_body).empty() && !trim(message.html_body).empty();
    // HTML bytes in an unknown charset go as they are, without a charset parameter, so the
    // reader of the .eml looks at <meta charset> or detects, as it would for the .msg.
    if (html && !message.html_is_utf8) return attachment_part("text", "html", message.html_body);
    GObjectPtr<GMimeTextPart> text(g_mime_text_part_new_with_subtype(html ? "html" : "plain"));
    g_mime_text_part_set_text(text.get(), (html ? message.html_body : message.plain_body).c_str());
    return GObjectPtr<GMimeObject>(GMIME_OBJECT(text.release()));
}

GObjectPtr<GMimeMessage> to_mime(const OutlookMessage& message) {
    GObjectPtr<GMimeMessage> mime(g_mime_message_new(TRUE));
    if (!message.subject.empty())
        g_mime_message_set_subject(mime.get(), message.subject.c_str(), "utf-8");
    add_addresses(g_mime_message_get_from(mime.get()), {message.from});
    add_addresses(g_mime_message_get_to(mime.get()),
                  message.to.empty() ? names_only(message.display_to) : message.to);
    add_addresses(g_mime_message_get_cc(mime.get()),
                  message.cc.empty() ? names_only(message.display_cc) : message.cc);
    if (message.date) {
        GDateTime* date = g_date_time_new_from_unix_utc(*message.date);
        if (date) {
            g_mime_message_set_date(mime.get(), date);
            g_date_time_unref(date);
        }
    }

    GObjectPtr<GMimeObject> body = body_part(message);
    if (message.attachments.empty()) {
        g_mime_message_set_mime_part(mime.get(), body.get());
    } else {
        GObjectPtr<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
        g_mime_multipart_add(mixed.get(), body.get());
        for (const OutlookAttachment& attachment : message.attachments) {
            if (attachment.message) {
                GObjectPtr<GMimeMessage> inner = to_mime(*attachment.message);
                GObjectPtr<GMimeMessagePart> part(
                    g_mime_message_part_new_with_message("rfc822", inner.get()));
                set_attachment_disposition(GMIME_OBJECT(part.get()), attachment.name);
                g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
                continue;
            }
            GObjectPtr<GMimeObject> part =
                attachment_part("application", "octet-stream", attachment.bytes);
            set_attachment_disposition(part.get(), attachment.name);
            g_mime_multipart_add(mixed.get(), part.get());
        }
        g_mime_message_set_mime_part(mime.get(), GMIME_OBJECT(mixed.get()));
    }
    g_mime_object_encode(GMIME_OBJECT(mime.get()), GMIME_ENCODING_CONSTRAINT_7BIT);
    return mime;
}

}  // namespace

ExtractedDocument extract_outlook_msg(std::string_view bytes, const ExtractOptions& options,
                                      const Extractor& html) {
    init_gmime();
    const auto size = static_cast<std::int64_t>(bytes.size());
    GObjectPtr<GsfInput> input(
        gsf_input_memory_new(reinterpret_cast<const guint8*>(bytes.data()), size, FALSE));
    GError* raw_error = nullptr;
    GObjectPtr<GsfInfile> ole(gsf_infile_msole_new(input.get(), &raw_error));
    GErrorPtr error(raw_error);
    if (!ole)
        fail(FailureKind::corrupt, "not a readable OLE2 compound file (" +
                                       std::string(error ? error->message : "unknown error") +
                                       "); the Outlook .msg file is damaged or truncated");
    MapiStorage root(ole.get(), MapiStorage::Kind::message, size);
    if (!root.has_properties())
        fail(FailureKind::corrupt,
             "the compound file holds no Outlook message properties (no __substg1.0_ streams); "
             "it is damaged, or not an Outlook .msg file");

    MessageDocument document(options, html);
    OutlookReader reader(document, size);
    OutlookMessage message = reader.read(root, 0);
    document.set_envelope(envelope_of(message));
    if (!trim(message.plain_body).empty())
        document.add_plain_text(message.plain_body);
    else if (!trim(message.html_body).empty())
        document.add_html(message.html_body);
    else if (message.rtf_only)
        document.warn(
            "the body is stored only as compressed RTF, which is not extracted; "
            "only the headers are searchable");
    for (OutlookAttachment& attachment : message.attachments) {
        document.check_deadline("the message's attachments");
        std::string content = attachment.message
                                  ? serialize(GMIME_OBJECT(to_mime(*attachment.message).get()))
                                  : std::move(attachment.bytes);
        if (!document.add_attachment(std::move(attachment.name), std::move(content))) break;
    }
    if (reader.damaged()) {
        if (document.document().blocks.empty())
            fail(FailureKind::corrupt,
                 "the Outlook .msg file is truncated or damaged: its property streams cannot be "
                 "read");
        document.warn(
            "some properties of the .msg could not be read; the file is truncated or "
            "damaged");
    }
    return document.take();
}

}  // namespace deskside::ingest::email
