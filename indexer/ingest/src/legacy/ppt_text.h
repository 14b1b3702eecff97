// The text of a PowerPoint 97-2003 presentation, slide by slide with its notes, read from the
// records of the "PowerPoint Document" stream. catppt (catdoc) only reads the slide list's
// text atoms, which PowerPoint 2007 and later leave empty (their text sits in each slide's
// drawing), so it finds nothing but master names in most files saved since; reading the
// records ourselves is a few hundred lines and gets every version.
//
// Byte layout ([MS-PPT], all little-endian): every record starts with an 8-byte header
//   u16 recVer (low 4 bits; 0xF = container) | recInstance (high 12 bits), u16 recType,
//   u32 recLen
// "Current User" stream: CurrentUserAtom { header, u32 size, u32 headerToken (0xF3D1C4DF when
//   encrypted), u32 offsetToCurrentEdit, ... }.
// At offsetToCurrentEdit: UserEditAtom (0x0FF5) { u32 lastSlideIdRef, u16 version, u8 minor,
//   u8 major, u32 offsetLastEdit (previous edit, 0 = none), u32 offsetPersistDirectory,
//   u32 docPersistIdRef, u32 persistIdSeed, u16 lastView, u16 unused,
//   [u32 encryptSessionPersistIdRef: present only when encrypted] }.
// PersistDirectoryAtom (0x1772): entries { u32 persistId:20 | cPersist:12, u32 offset[cPersist] };
//   newer edits override older ones. The persist id docPersistIdRef locates the
//   DocumentContainer (0x03E8), whose SlideListWithTextContainer (0x0FF0; instance 0 slides,
//   2 notes) lists SlidePersistAtoms (0x03F3 { u32 persistIdRef, u32 flags, s32 numberTexts,
//   u32 slideId, u32 reserved }) in presentation order, each followed by PowerPoint 97 text.
// SlideContainer (0x03EE) holds SlideAtom (0x03EF; notesIdRef at byte 16) and a drawing whose
// OfficeArt containers hold TextHeaderAtom (0x0F9F { u32 textType }), TextCharsAtom (0x0FA0,
// UTF-16LE) and TextBytesAtom (0x0FA8, one byte per UTF-16 unit); '\r' ends a paragraph and
// '\v' breaks a line. NotesContainer (0x03F0) is laid out like a slide.
//
// Pure functions over bytes; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::ingest::legacy {

struct PptText {
    std::string text;  // UTF-8, '\n' between the paragraphs of one text box
    bool title = false;
};

struct PptSlide {
    int number = 0;  // 1-based position in the presentation; 0 when the order is unknown
    std::vector<PptText> texts;
    std::vector<PptText> notes;
};

struct PptContent {
    bool encrypted = false;  // the edit records name an encryption session
    std::vector<PptSlide> slides;
    std::vector<std::string> warnings;
};

// Reads the slides of `document` (the "PowerPoint Document" stream) in the order that
// `current_user` (the "Current User" stream, may be empty) leads to. When that chain of
// records is broken, slides are read in file order (numbered 0) with a warning. Throws
// Error(bad_document) "corrupt: ..." when no slide record can be found at all, and
// "timeout: ..." past `deadline`.
PptContent read_ppt_text(std::string_view document, std::string_view current_user,
                         std::chrono::steady_clock::time_point deadline);

}  // namespace deskside::ingest::legacy
