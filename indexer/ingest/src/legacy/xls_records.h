// The few Excel BIFF records Deskside reads itself: from an Excel 5-2003 workbook's globals,
// FILEPASS (the workbook is encrypted) and the sheet names (BOUNDSHEET), which xls2csv does not
// print; and the cells of an Excel 2.x-4.0 worksheet saved without an OLE2 container, which
// xls2csv cannot open ("not OLE file").
//
// Byte layout (little-endian): records are { u16 type, u16 length, body[length] }.
//   BOF 0x0809 (BIFF5/8 { u16 version: 0x0500 BIFF5/7, 0x0600 BIFF8; u16 type }),
//       0x0009 / 0x0209 / 0x0409 (BIFF2 / 3 / 4 { u16 version, u16 type: 0x10 sheet,
//       0x100 BIFF4 workbook }); EOF 0x000A ends a substream.
//   FILEPASS 0x002F; CODEPAGE 0x0042 { u16 code page }.
//   BOUNDSHEET 0x0085 { u32 offset, u8 state, u8 kind (0 sheet, 1 macros, 2 chart, 6 VBA),
//       BIFF8: u8 length, u8 flags (bit 0: UTF-16LE, else one byte per char), chars;
//       BIFF5: u8 length, bytes in the code page }.
//   Cells { u16 row, u16 column, ... }: BIFF2 LABEL 0x0004 / NUMBER 0x0003 / INTEGER 0x0002 /
//       FORMULA 0x0006 / STRING 0x0007 (3 attribute bytes after the column); BIFF3-4 LABEL
//       0x0204 { u16 xf, u16 length, bytes } / NUMBER 0x0203 { u16 xf, f64 } / RK 0x027E
//       { u16 xf, u32 rk } / BOOLERR 0x0205 / FORMULA 0x0206, 0x0406 { u16 xf, 8-byte result;
//       0xFFFF in its last two bytes marks a non-number, string result in the next STRING
//       0x0207 { u16 length, bytes } }.
//
// Pure functions over bytes; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "legacy/codepage.h"

namespace deskside::ingest::legacy {

struct WorkbookGlobals {
    bool encrypted = false;
    std::vector<std::string> sheet_names;  // all sheets (BOUNDSHEET order)
    // The names of the sheets, in stream order, whose substream holds at least one cell
    // record: the sheets xls2csv prints (it skips sheets without cells, form feed included).
    std::vector<std::string> sheets_with_cells;
};

// Reads the globals substream at the start of a "Workbook" / "Book" stream and checks each
// sheet substream for cells.
WorkbookGlobals read_workbook_globals(std::string_view stream, CodepageDecoder& decoder);

// True when `bytes` start with a BIFF2-4 BOF record (a worksheet without OLE2 container).
bool is_bare_biff(std::string_view bytes);

struct BareSheet {
    std::vector<std::vector<std::string>> rows;  // cells by row, empty rows dropped
};

struct BareWorkbook {
    std::vector<BareSheet> sheets;  // one per worksheet substream
    bool truncated = false;         // the file ends inside a sheet
};

// The cells of a bare BIFF2-4 file. Numbers are written as stored (dates stay serial
// numbers: formats are not applied). Throws "timeout: ..." past `deadline`.
BareWorkbook read_bare_biff(std::string_view bytes, CodepageDecoder& decoder,
                            std::chrono::steady_clock::time_point deadline);

}  // namespace deskside::ingest::legacy
