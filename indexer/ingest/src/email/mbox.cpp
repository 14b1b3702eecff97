// mbox mailboxes through GMime's mbox parser (see mime_message.h). A mailbox is a container:
// each message goes to the pipeline as its own "message-N.eml" attachment (raw bytes, ">From "
// escapes undone), and the mailbox keeps one "date | from | subject" row per message so that it
// has searchable text of its own and can list what it holds. A "mailbox" of one message is
// extracted as that message.
#include <algorithm>
#include <string>
#include <vector>

#include "base/dates.h"
#include "mime_message.h"

namespace deskside::ingest::email {
namespace {

// mboxrd quoting: a body line "From ..." was written as ">From ...", and ">From" as ">>From".
// One '>' comes off each such line.
std::string unescape_from_lines(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t eol = raw.find('\n', pos);
        std::size_t next = eol == std::string_view::npos ? raw.size() : eol + 1;
        std::string_view line = raw.substr(pos, next - pos);
        std::size_t quotes = line.find_first_not_of('>');
        if (quotes != std::string_view::npos && quotes > 0 &&
            line.substr(quotes).starts_with("From "))
            line.remove_prefix(1);
        out += line;
        pos = next;
    }
    return out;
}

}  // namespace

ExtractedDocument extract_mbox(std::string_view bytes, const ExtractOptions& options,
                               const Extractor& html) {
    init_gmime();
    check_mime_nesting(bytes, /*mbox=*/true, options);
    MessageDocument document(options, html);
    GObjectPtr<GMimeStream> stream = memory_stream(bytes);
    GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MBOX);

    std::vector<std::size_t> markers;  // offset of each message's "From " line
    DocumentMetadata& meta = document.document().metadata;
    while (!g_mime_parser_eos(parser.get())) {
        document.check_deadline("the mailbox's messages");
        GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
        if (!message) break;
        gint64 marker = g_mime_parser_get_mbox_marker_offset(parser.get());
        if (marker < 0 || static_cast<std::size_t>(marker) >= bytes.size() ||
            (!markers.empty() && static_cast<std::size_t>(marker) <= markers.back()))
            break;
        markers.push_back(static_cast<std::size_t>(marker));
        Envelope envelope = envelope_of(message.get());
        std::string date =
            envelope.date ? format_utc(*envelope.date, "%Y-%m-%d %H:%M") : envelope.date_text;
        document.add_block(BlockKind::table_row,
                           date + " | " + envelope.from + " | " + envelope.subject);
        if (envelope.date) {
            meta.created = std::min(meta.created.value_or(*envelope.date), *envelope.date);
            meta.modified = std::max(meta.modified.value_or(*envelope.date), *envelope.date);
        }
    }

    auto raw_message = [&](std::size_t i) {
        std::size_t start = bytes.find('\n', markers[i]);
        start = start == std::string_view::npos ? bytes.size() : start + 1;
        std::size_t end = i + 1 < markers.size() ? markers[i + 1] : bytes.size();
        return unescape_from_lines(bytes.substr(start, end - std::min(start, end)));
    };
    // One message behind a "From " line is a saved message (Thunderbird writes .eml files so),
    // not a mailbox: it is extracted as that message.
    if (markers.size() == 1) return extract_mime_message(raw_message(0), options, html);
    for (std::size_t i = 0; i < markers.size(); ++i)
        if (!document.add_attachment("message-" + std::to_string(i + 1) + ".eml", raw_message(i)))
            break;
    return document.take();
}

}  // namespace deskside::ingest::email
