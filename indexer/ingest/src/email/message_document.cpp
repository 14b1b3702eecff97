// Shared document building for the e-mail readers: see message_document.h.
#include "message_document.h"

#include <algorithm>
#include <utility>

#include "base/dates.h"
#include "base/error.h"
#include "base/utf8.h"
#include "ingest/extract_failure.h"

namespace deskside::ingest::email {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Mailers pad with no-break and typographic spaces (U+00A0, U+2000..U+200B, U+3000...) too.
bool is_unicode_space(char32_t cp) {
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

std::string_view trim(std::string_view text) {
    while (!text.empty()) {
        std::size_t next = 0;
        if (is_space(text.front()))
            next = 1;
        else if (std::size_t pos = 0; is_unicode_space(utf8::decode(text, pos)))
            next = pos;
        if (next == 0) break;
        text.remove_prefix(next);
    }
    while (!text.empty()) {
        std::size_t start = text.size() - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t pos = start;
        char32_t cp = utf8::decode(text, pos);
        if (!(cp < 0x80 && is_space(static_cast<char>(cp))) && !is_unicode_space(cp)) break;
        text.remove_suffix(text.size() - start);
    }
    return text;
}

// Caps are set in bytes but read better in MB once they are that large.
std::string size_text(std::int64_t bytes) {
    if (bytes >= (1 << 20)) return std::to_string(bytes >> 20) + " MB";
    return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string format_mail_date(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%a, %d %b %Y %H:%M:%S +0000");
}

MessageDocument::MessageDocument(const ExtractOptions& options, const Extractor& html)
    : options_(options), html_(html) {
    document_.format = "email";
}

void MessageDocument::set_envelope(const Envelope& envelope) {
    DocumentMetadata& meta = document_.metadata;
    meta.title = std::string(trim(envelope.subject));
    meta.author = std::string(trim(envelope.from));
    meta.created = envelope.date;
    meta.modified = envelope.date;
    std::string header_lines;
    auto field = [&](const char* key, const char* label, std::string_view value) {
        value = trim(value);
        if (value.empty()) return;
        if (key) meta.fields.emplace_back(key, std::string(value));
        if (!header_lines.empty()) header_lines += '\n';
        header_lines += label;
        header_lines += value;
    };
    field("from", "From: ", envelope.from);
    field("to", "To: ", envelope.to);
    field("cc", "Cc: ", envelope.cc);
    field(nullptr, "Date: ", envelope.date_text);
    add_block(BlockKind::heading, envelope.subject, 1);
    add_block(BlockKind::paragraph, header_lines);
}

void MessageDocument::add_block(BlockKind kind, std::string_view text, int level) {
    text = trim(text);
    if (text.empty()) return;
    text_bytes_ += static_cast<std::int64_t>(text.size());
    if (text_bytes_ > options_.max_output_bytes) fail_text_too_large();
    Block block;
    block.kind = kind;
    block.level = kind == BlockKind::heading ? level : 0;
    block.text = std::string(text);
    document_.blocks.push_back(std::move(block));
}

void MessageDocument::add_plain_text(std::string_view utf8) {
    std::string paragraph;
    auto flush = [&] {
        add_block(BlockKind::paragraph, paragraph);
        paragraph.clear();
    };
    while (!utf8.empty()) {
        std::size_t eol = utf8.find('\n');
        std::string_view line = utf8.substr(0, eol);
        utf8.remove_prefix(eol == std::string_view::npos ? utf8.size() : eol + 1);
        while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
        if (trim(line).empty()) {
            flush();
            continue;
        }
        if (!paragraph.empty()) paragraph += '\n';
        paragraph += line;
    }
    flush();
}

void MessageDocument::add_html(std::string_view html) {
    ExtractOptions html_options = options_;
    html_options.max_output_bytes =
        std::max<std::int64_t>(0, options_.max_output_bytes - text_bytes_);
    FileType type{"html", "text/html"};
    ExtractedDocument page;
    try {
        page = html_.extract(SourceFile{"body.html", html, type}, html_options);
    } catch (const Error& error) {
        // An undecodable body (binary posing as HTML) costs the body, not the message; running
        // out of time costs the message.
        if (error.code() != ErrorCode::bad_document ||
            failure_kind_of(error.what()) == FailureKind::timeout)
            throw;
        warn(std::string("HTML body skipped: ") + error.what());
        return;
    }
    for (const std::string& warning : page.warnings) {
        // The HTML extractor truncates at its cap; for a message the cap is a failure.
        if (warning.find("max_output_bytes") != std::string::npos) fail_text_too_large();
        warn("HTML body: " + warning);
    }
    for (const Block& block : page.blocks) add_block(block.kind, block.text, block.level);
}

bool MessageDocument::add_attachment(std::string name, std::string bytes) {
    if (attachments_full_) return false;
    const auto size = static_cast<std::int64_t>(bytes.size());
    std::string cap;
    if (static_cast<std::int64_t>(document_.attachments.size()) >= options_.max_archive_entries)
        cap = std::to_string(options_.max_archive_entries) + " files (max_archive_entries)";
    else if (attachment_bytes_ + size > options_.max_unpacked_bytes)
        cap = size_text(options_.max_unpacked_bytes) + " (max_unpacked_bytes)";
    if (!cap.empty()) {
        attachments_full_ = true;
        warn("attachments from \"" + name + "\" on are not kept: over " + cap);
        return false;
    }
    attachment_bytes_ += size;
    document_.attachments.push_back(EmbeddedFile{std::move(name), std::move(bytes)});
    return true;
}

void MessageDocument::fail_text_too_large() const {
    fail(FailureKind::too_large, "the message text is over " +
                                     size_text(options_.max_output_bytes) +
                                     " (max_output_bytes); a text bomb, or a mailbox too large "
                                     "to index as one file");
}

void MessageDocument::warn(std::string warning) {
    document_.warnings.push_back(std::move(warning));
}

void MessageDocument::check_deadline(std::string_view where) const {
    if (past_deadline(options_))
        fail(FailureKind::timeout,
             "reading " + std::string(where) + " took longer than the per-file time limit");
}

}  // namespace deskside::ingest::email
