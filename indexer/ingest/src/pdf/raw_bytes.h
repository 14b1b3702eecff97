// Looks into a PDF's raw bytes for what poppler-cpp does not expose or cannot recover: the
// catalog's /Lang, a trailer whose /Root points at the wrong object, XFA forms, and PDF 2.0
// wrappers around an encrypted payload (Microsoft IRM). These scans see only uncompressed objects,
// which is where such dictionaries usually are; when they find nothing, nothing is lost.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deskside::ingest::pdf {

// The first /Lang entry that holds a well-formed BCP-47 tag ("en-US"), or "".
std::string declared_language(std::string_view bytes);

// A copy of the file for a second attempt when poppler cannot open it: every trailer /Root
// reference is pointed at the object that declares /Type /Catalog (in place: padded with
// spaces, so byte offsets stay valid), and a trailer naming the catalog is appended for files
// cut off before theirs (poppler rebuilds the cross-reference table by scanning). nullopt when
// no catalog object is found.
std::optional<std::string> repair_root(std::string_view bytes);

// Whether the file carries an XFA form (/XFA in its AcroForm): its content lives in XML data
// that poppler does not lay out, and the pages often show only a "please wait" placeholder.
bool has_xfa_form(std::string_view bytes);

// Whether the file is a wrapper whose real content is an encrypted payload (PDF 2.0
// /AFRelationship /EncryptedPayload, as Microsoft IRM writes).
bool has_encrypted_payload(std::string_view bytes);

}  // namespace deskside::ingest::pdf
