// Outlook .msg files (OLE2 compound files of MAPI properties, [MS-OXMSG]) through libgsf.
//
// The message's envelope and body (plain text preferred, else the HTML body through the HTML
// extractor; a body kept only as compressed RTF is not read) make the document's text. Stored
// attachments are handed to the pipeline as files. An embedded message (an attachment that is
// itself a message) is written out as an RFC 822 .eml file, with its own attachments as MIME
// parts, so the pipeline extracts it like any mail and keeps what belongs to which message.
//
// Thread-safe: every call works on its own libgsf and GMime objects.
#pragma once

#include <string_view>

#include "ingest/extractor.h"

namespace deskside::ingest::email {

// Fails corrupt when the bytes are not a readable compound file or hold no MAPI properties.
ExtractedDocument extract_outlook_msg(std::string_view bytes, const ExtractOptions& options,
                                      const Extractor& html);

}  // namespace deskside::ingest::email
