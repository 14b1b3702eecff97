// Builds the ExtractedDocument of one e-mail (or mailbox) the same way for the three readers
// (MIME .eml, mbox, Outlook .msg): the envelope becomes metadata plus a subject heading and a
// header paragraph, bodies become paragraphs (plain text) or the HTML extractor's blocks, and
// attachments are handed over as files for the pipeline to extract on their own.
//
// It enforces the caps as it goes: text over options.max_output_bytes fails too_large;
// attachments past options.max_unpacked_bytes bytes or max_archive_entries files are dropped
// with one warning. One builder per extraction; one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/extractor.h"

namespace deskside::ingest::email {

// The headers a reader found, decoded to UTF-8. Address fields are display strings
// ("Name <address>, ..."); empty when absent.
struct Envelope {
    std::string subject;
    std::string from;
    std::string to;
    std::string cc;
    std::string date_text;             // the date as the header paragraph shows it
    std::optional<std::int64_t> date;  // Unix seconds
};

// "Mon, 01 Jun 2009 04:28:28 +0000": how dates without a header text of their own are shown.
std::string format_mail_date(std::int64_t unix_seconds);

class MessageDocument {
  public:
    // `html` is the HTML extractor, used for HTML bodies; it must outlive the builder.
    MessageDocument(const ExtractOptions& options, const Extractor& html);

    const ExtractOptions& options() const { return options_; }

    // Metadata (title, author, dates, fields) and, first in the text, a heading with the
    // subject and a paragraph of "From: / To: / Cc: / Date:" lines, so headers are searchable.
    void set_envelope(const Envelope& envelope);

    // A block of trimmed text; empty text adds nothing. Fails too_large past the text cap.
    void add_block(BlockKind kind, std::string_view text, int level = 0);
    // A plain-text body (UTF-8): one paragraph per run of non-blank lines.
    void add_plain_text(std::string_view utf8);
    // An HTML body, through the HTML extractor: UTF-8 when the caller knew the charset,
    // otherwise raw bytes that the HTML extractor decodes (<meta charset>, detection).
    void add_html(std::string_view html);

    // Hands a file to the pipeline. Returns false (and warns once) when the attachment caps are
    // reached; later attachments are dropped too, so the kept set is a prefix.
    bool add_attachment(std::string name, std::string bytes);
    std::size_t attachment_count() const { return document_.attachments.size(); }

    void warn(std::string warning);
    // Fails timeout when options.deadline has passed; `where` says what was being read.
    void check_deadline(std::string_view where) const;

    ExtractedDocument& document() { return document_; }
    ExtractedDocument take() { return std::move(document_); }

  private:
    [[noreturn]] void fail_text_too_large() const;

    const ExtractOptions& options_;
    const Extractor& html_;
    ExtractedDocument document_;
    std::int64_t text_bytes_ = 0;
    std::int64_t attachment_bytes_ = 0;
    bool attachments_full_ = false;
};

}  // namespace deskside::ingest::email
