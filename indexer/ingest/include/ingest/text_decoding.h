// Turns the bytes of a text file of unknown encoding into UTF-8: byte-order marks first,
// then UTF-16/32 without BOM (by the pattern of zero bytes), then a declared charset if the
// caller knows one (HTML <meta charset>), then statistical detection (uchardet), converting
// with iconv. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace deskside::ingest {

struct DecodedText {
    std::string utf8;      // valid UTF-8, BOM removed, "\r\n" and "\r" turned into "\n"
    std::string encoding;  // what the bytes were read as, e.g. "UTF-8", "UTF-16LE", "WINDOWS-1252"
};

// `declared` is a charset named by the document itself ("" if none); it is used only when the
// bytes are not valid in a Unicode encoding already evident from the bytes.
// Throws Error(bad_document) when the bytes are not text (e.g. binary with NUL bytes in no
// UTF-16/32 pattern) or cannot be converted; the message says which.
DecodedText decode_text(std::string_view bytes, std::string_view declared = "");

// True if the bytes look like text rather than binary data (used by type detection).
bool looks_like_text(std::string_view head);

}  // namespace deskside::ingest
