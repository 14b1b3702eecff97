// Files embedded in RTF as \object groups: the bytes of \objdata are an OLE1 object, unwrapped
// here into an attachment the pipeline extracts on its own.
//
// Byte layout (little-endian; [MS-OLEDS] 2.2):
//   ObjectHeader { u32 OLEVersion, u32 FormatID (2 = embedded; 1 = linked, no data),
//                  u32 n + ClassName[n] (ANSI, NUL included), u32 n + TopicName[n],
//                  u32 n + ItemName[n] }, u32 NativeDataSize, NativeData[size].
//   Class "Package" (a file dragged into the document): NativeData is
//     { u16 signature, Label ASCIIZ, OrgPath ASCIIZ, u16, u16 type (3 = embedded file),
//       u32 n + TempPath[n], u32 size + FileData[size],
//       optionally u32 n + TempPath UTF-16LE[n], u32 n + Label UTF-16LE[n], ... }.
//   Other classes ("Word.Document.8", "Excel.Sheet.12", "AcroExch.Document"...): NativeData
//     is an OLE2 compound file: the document itself (.doc/.xls/.ppt), or a wrapper whose
//     "Package" stream holds an OOXML file, "CONTENTS" a PDF, "\001Ole10Native" a Package.
// Pictures, equations and other objects with no document inside are not attachments.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ingest/extracted_document.h"

namespace deskside::ingest::rtf {

// The file inside one \object's data; nullopt for objects that hold no document (links,
// pictures, malformed data). `ordinal` numbers the names of attachments that have none.
std::optional<EmbeddedFile> decode_rtf_object(std::string_view class_name, std::string_view data,
                                              int ordinal);

// The file inside an OLE2 object stored on its own (an Office file's oleObject1.bin): the same
// unwrapping as an \object's native data. `class_name` may be empty when unknown.
std::optional<EmbeddedFile> decode_ole_object(std::string_view class_name,
                                              std::string_view compound, int ordinal);

}  // namespace deskside::ingest::rtf
