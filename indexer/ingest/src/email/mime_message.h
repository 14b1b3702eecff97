// RFC 822 / MIME messages through GMime 3: one message (.eml and anything detected as mail) and
// mbox mailboxes. Also the GMime helpers the Outlook reader uses to write a nested message as an
// .eml attachment.
//
// GMime is initialised once per process (init_gmime, thread-safe); after that each call works
// on its own GMime objects, so the functions here may run on several threads at once.
#pragma once

#include <gmime/gmime.h>

#include <string>
#include <string_view>

#include "glib_handles.h"
#include "ingest/extractor.h"
#include "message_document.h"

namespace deskside::ingest::email {

// Calls g_mime_init() the first time; later calls return at once. Thread-safe.
void init_gmime();

// GMime's parser recurses once per nested multipart or message part, so a file nested a few
// hundred thousand levels deep would exhaust the stack before any check of ours could act.
// This pass estimates the nesting from the raw text in one linear scan (Content-Type lines
// open a level, boundary delimiters close them) and fails too_large past
// options.max_nesting_depth. `mbox`: every "From " line starts a new message.
void check_mime_nesting(std::string_view bytes, bool mbox, const ExtractOptions& options);

// A GMime memory stream holding a copy of `bytes`.
GObjectPtr<GMimeStream> memory_stream(std::string_view bytes);
// The object (message, part) written out as MIME text.
std::string serialize(GMimeObject* object);

// The message's decoded headers.
Envelope envelope_of(GMimeMessage* message);

// One message: envelope, body text (text/plain preferred over text/html in alternatives),
// attachments and nested messages handed to the pipeline as files.
ExtractedDocument extract_mime_message(std::string_view bytes, const ExtractOptions& options,
                                       const Extractor& html);

// An mbox mailbox (mbox.cpp): every message becomes an attachment "message-N.eml" with its raw
// bytes, and the mailbox's own text is one table row per message: "date | from | subject".
// A single message after a "From " line (a saved .eml) is extracted as that message.
ExtractedDocument extract_mbox(std::string_view bytes, const ExtractOptions& options,
                               const Extractor& html);

}  // namespace deskside::ingest::email
