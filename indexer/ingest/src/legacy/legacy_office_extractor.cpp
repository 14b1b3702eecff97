// Word 97-2003 (.doc), Excel 5-2003 (.xls) and PowerPoint 97-2003 (.ppt) files. The text
// comes from well-kept converters found on PATH at run time — antiword (catdoc for Word 6/95
// and files antiword refuses) and xls2csv — run as child processes (converter_process.h), so
// a converter crash costs one file. PowerPoint is read from its records directly (ppt_text.h:
// catppt misses the text of files saved by PowerPoint 2007 and later), with catppt as the
// fallback for files whose records make no sense. Before any converter runs, libgsf opens the
// OLE2 container to refuse encrypted files with the right reason and to read the summary
// metadata and Excel sheet names. Excel 2-4 worksheets, which have no OLE2 container and
// which xls2csv cannot open, are read from their BIFF records (xls_records.h).
//
// The extractor is const and thread-safe; each call spawns its own converter processes.
#include "legacy/legacy_office_extractor.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "legacy/block_writer.h"
#include "legacy/codepage.h"
#include "legacy/converter_output.h"
#include "legacy/converter_process.h"
#include "legacy/ole_file.h"
#include "legacy/ppt_text.h"
#include "legacy/xls_records.h"

namespace deskside::ingest {
namespace legacy {
namespace {

constexpr std::int64_t kMaxCurrentUser = 64 * 1024;
constexpr std::chrono::seconds kConverterTimeLimit{30};  // per run, within the deadline
constexpr std::uint16_t kWordEncrypted = 0x0100;         // FIB flags bit fEncrypted

std::uint16_t u16(std::string_view s, std::size_t at) {
    if (at + 2 > s.size()) return 0;
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                      static_cast<unsigned char>(s[at + 1]) << 8);
}

[[noreturn]] void fail_encrypted(std::string_view what) {
    fail(FailureKind::encrypted, "password-protected " + std::string(what) +
                                     "; Deskside indexes only files that open without a "
                                     "password (save a copy without one)");
}

// One converter program and how to tell the admin to install it.
struct Converter {
    const char* program;
    const char* package;
};
constexpr Converter kAntiword{"antiword", "antiword"};
constexpr Converter kCatdoc{"catdoc", "catdoc"};
constexpr Converter kXls2csv{"xls2csv", "catdoc"};
constexpr Converter kCatppt{"catppt", "catdoc"};

std::string install_hint(const Converter& converter, std::string_view format) {
    std::string hint =
        "install " + std::string(converter.package) + " (apt install " + converter.package + ")";
    if (std::string_view(converter.program) != converter.package)
        hint += ", which provides " + std::string(converter.program) + ",";
    return hint + " to index ." + std::string(format) + " files";
}

class LegacyOfficeExtractor final : public Extractor {
  public:
    explicit LegacyOfficeExtractor(std::string search_path)
        : search_path_(std::move(search_path)) {}

    std::string_view name() const override { return "legacy-office"; }
    bool accepts(const FileType& type) const override {
        return type.format == "doc" || type.format == "xls" || type.format == "ppt";
    }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        ExtractedDocument document;
        document.format = file.type.format;
        if (file.bytes.empty()) fail(FailureKind::empty, "zero-byte file");
        if (file.type.format == "xls" && is_bare_biff(file.bytes)) {
            read_bare_excel(file.bytes, options, document);
            return document;
        }
        std::optional<OleFile> ole = OleFile::open(file.bytes);
        if (!ole)
            fail(FailureKind::corrupt, "not a readable OLE2 compound file, as ." +
                                           file.type.format +
                                           " files are; the file is damaged or misnamed");
        document.metadata = ole->summary();
        if (file.type.format == "doc") {
            read_word(*ole, file, options, document);
        } else if (file.type.format == "xls") {
            read_excel(*ole, file, options, document);
        } else {
            read_powerpoint(*ole, file, options, document);
        }
        return document;
    }

  private:
    // Runs `converter` on the file; nullopt when it is not installed.
    std::optional<ConverterResult> run(const Converter& converter, std::vector<std::string> args,
                                       const SourceFile& file,
                                       const ExtractOptions& options) const {
        std::optional<std::filesystem::path> program =
            find_program(converter.program, search_path_);
        if (!program) return std::nullopt;
        ConverterRequest request;
        request.args = std::move(args);
        request.input = file.bytes;
        request.max_output_bytes = options.max_output_bytes;
        request.deadline = options.deadline;
        request.time_limit = kConverterTimeLimit;
        ConverterResult result = run_converter(*program, request);
        if (result.timed_out)
            fail(FailureKind::timeout,
                 std::string(converter.program) +
                     (past_deadline(options)
                          ? " did not finish before the deadline"
                          : " ran past its " + std::to_string(kConverterTimeLimit.count()) +
                                " s limit on this file"));
        if (result.output_truncated)
            fail(FailureKind::too_large, std::string(converter.program) + " printed more than " +
                                             std::to_string(options.max_output_bytes) +
                                             " bytes (max_output_bytes); split the document "
                                             "or raise the limit");
        result.out = repair_utf8(result.out);
        return result;
    }

    static std::string failure_of(const Converter& converter, const ConverterResult& result) {
        std::string reason = converter.program;
        if (result.signal != 0)
            reason += " died with signal " + std::to_string(result.signal);
        else
            reason += " failed (exit status " + std::to_string(result.exit_status) + ")";
        std::string message = result.first_message();
        return message.empty() ? reason : reason + ": " + message;
    }

    void read_word(const OleFile& ole, const SourceFile& file, const ExtractOptions& options,
                   ExtractedDocument& document) const {
        bool too_long = false;
        std::optional<std::string> stream =
            ole.read("WordDocument", options.max_unpacked_bytes, &too_long);
        if (too_long)
            fail(FailureKind::too_large, "Word text stream larger than max_unpacked_bytes");
        if (!stream || stream->size() < 12)
            fail(FailureKind::corrupt,
                 "no WordDocument stream: the file is truncated or not a "
                 "Word 6-2003 document");
        // Word 97-2003 (0xA5EC) and Word 6/95 (0xA5DC) file information blocks keep the
        // encryption flag at the same place; anything else is left to the converters to judge.
        std::uint16_t ident = u16(*stream, 0);
        if ((ident == 0xA5EC || ident == 0xA5DC) && (u16(*stream, 0x0A) & kWordEncrypted))
            fail_encrypted("Word document");

        // antiword renders tables and notes better; catdoc reads Word 6/95 and the small
        // files antiword turns away ("text stream too small").
        std::vector<std::string> failures;
        std::optional<ConverterResult> result =
            run(kAntiword, {"-m", "UTF-8.txt", "-w", "0"}, file, options);
        if (result && result->ok()) {
            add_blocks(result->out, options, document);
            return;
        }
        if (result) failures.push_back(failure_of(kAntiword, *result));
        std::optional<ConverterResult> fallback =
            run(kCatdoc, {"-w", "-d", "utf-8"}, file, options);
        if (!result && !fallback) fail(FailureKind::unsupported, install_hint(kAntiword, "doc"));
        if (fallback && fallback->ok()) {
            if (!result) document.warnings.push_back("antiword is not installed; read with catdoc");
            add_blocks(fallback->out, options, document);
            return;
        }
        if (fallback)
            failures.push_back(failure_of(kCatdoc, *fallback));
        else
            failures.push_back(
                "catdoc, which reads Word 6/95 files antiword refuses, is not "
                "installed (apt install catdoc)");
        std::string reason;
        for (const std::string& failure : failures)
            reason += (reason.empty() ? "" : "; ") + failure;
        fail(FailureKind::corrupt, reason);
    }

    static void add_blocks(std::string_view text, const ExtractOptions& options,
                           ExtractedDocument& document) {
        BlockWriter writer(options.max_output_bytes, "Word document");
        add_word_text(text, writer, document.blocks);
    }

    void read_excel(const OleFile& ole, const SourceFile& file, const ExtractOptions& options,
                    ExtractedDocument& document) const {
        std::optional<std::string> stream = ole.read("Workbook", options.max_unpacked_bytes);
        if (!stream) stream = ole.read("Book", options.max_unpacked_bytes);
        if (!stream)
            fail(FailureKind::corrupt,
                 "no Workbook stream: the file is truncated or not an Excel 5-2003 workbook");
        CodepageDecoder decoder;
        WorkbookGlobals globals = read_workbook_globals(*stream, decoder);
        if (globals.encrypted) fail_encrypted("Excel workbook");

        std::optional<ConverterResult> result = run(kXls2csv, {"-d", "utf-8"}, file, options);
        if (!result) fail(FailureKind::unsupported, install_hint(kXls2csv, "xls"));
        if (!result->ok() || (result->out.empty() && !result->err.empty()))
            fail(FailureKind::corrupt, failure_of(kXls2csv, *result));
        std::vector<CsvSheet> sheets = parse_sheets_csv(result->out);

        // xls2csv prints the sheets that have cells, in stream order, without their names;
        // pair them with the names when the counts agree, else number them.
        const std::vector<std::string>& names = globals.sheets_with_cells;
        if (names.size() != sheets.size())
            document.warnings.push_back("sheet names unknown: xls2csv printed " +
                                        std::to_string(sheets.size()) +
                                        " sheets, the workbook "
                                        "has " +
                                        std::to_string(names.size()) + " with cells");
        BlockWriter writer(options.max_output_bytes, "Excel workbook");
        for (std::size_t i = 0; i < sheets.size(); ++i) {
            std::string location = names.size() == sheets.size() && !names[i].empty()
                                       ? names[i]
                                       : "Sheet " + std::to_string(i + 1);
            for (const std::vector<std::string>& row : sheets[i])
                writer.add(document.blocks, BlockKind::table_row, join_cells(row), 0, 0, location);
        }
    }

    static void read_bare_excel(std::string_view bytes, const ExtractOptions& options,
                                ExtractedDocument& document) {
        CodepageDecoder decoder;
        BareWorkbook workbook = read_bare_biff(bytes, decoder, options.deadline);
        const std::vector<BareSheet>& sheets = workbook.sheets;
        if (workbook.truncated)
            document.warnings.push_back("truncated: the worksheet ends without its EOF record");
        if (sheets.empty())
            fail(FailureKind::unsupported,
                 "an Excel 2-4 file without worksheets (a macro sheet, chart or workspace); "
                 "save it as .xlsx to index it");
        BlockWriter writer(options.max_output_bytes, "Excel worksheet");
        for (std::size_t i = 0; i < sheets.size(); ++i)
            for (const std::vector<std::string>& row : sheets[i].rows)
                writer.add(document.blocks, BlockKind::table_row, join_cells(row), 0, 0,
                           "Sheet " + std::to_string(i + 1));
    }

    void read_powerpoint(const OleFile& ole, const SourceFile& file, const ExtractOptions& options,
                         ExtractedDocument& document) const {
        if (ole.has("EncryptedSummary")) fail_encrypted("PowerPoint presentation");
        bool too_long = false;
        std::optional<std::string> stream =
            ole.read("PowerPoint Document", options.max_unpacked_bytes, &too_long);
        if (too_long)
            fail(FailureKind::too_large, "PowerPoint stream larger than max_unpacked_bytes");
        if (!stream)
            fail(FailureKind::corrupt,
                 "no PowerPoint Document stream: the file is truncated or not a PowerPoint "
                 "97-2003 presentation");
        std::string current_user = ole.read("Current User", kMaxCurrentUser).value_or("");
        PptContent content;
        try {
            content = read_ppt_text(*stream, current_user, options.deadline);
        } catch (const Error& error) {
            if (failure_kind_of(error.what()) != FailureKind::corrupt) throw;
            if (!read_with_catppt(file, options, document)) throw;
            return;
        }
        if (content.encrypted) fail_encrypted("PowerPoint presentation");
        document.warnings = std::move(content.warnings);
        BlockWriter writer(options.max_output_bytes, "PowerPoint presentation");
        for (const PptSlide& slide : content.slides) {
            std::string number = std::to_string(slide.number);
            std::string where = slide.number > 0 ? "slide " + number : "";
            std::string notes_where = slide.number > 0 ? "notes, slide " + number : "notes";
            for (const PptText& text : slide.texts)
                writer.add(document.blocks, text.title ? BlockKind::heading : BlockKind::paragraph,
                           text.text, 1, slide.number, where);
            for (const PptText& text : slide.notes)
                writer.add(document.blocks, BlockKind::paragraph, text.text, 0, slide.number,
                           notes_where);
        }
    }

    // catppt for files whose records we cannot follow; false when it is not installed or
    // fails too. Its pages mix masters and old copies of slides, so they get no numbers.
    bool read_with_catppt(const SourceFile& file, const ExtractOptions& options,
                          ExtractedDocument& document) const {
        std::optional<ConverterResult> result = run(kCatppt, {"-d", "utf-8"}, file, options);
        if (!result || !result->ok()) return false;
        BlockWriter writer(options.max_output_bytes, "PowerPoint presentation");
        std::string_view text = result->out;
        while (!text.empty()) {
            std::size_t end = text.find('\f');
            writer.add(document.blocks, BlockKind::paragraph, text.substr(0, end));
            text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        }
        document.warnings.push_back("PowerPoint records unreadable; text read with catppt");
        return true;
    }

    std::string search_path_;  // empty: $PATH
};

}  // namespace

std::unique_ptr<Extractor> make_legacy_office_extractor(std::string converter_search_path) {
    return std::make_unique<LegacyOfficeExtractor>(std::move(converter_search_path));
}

}  // namespace legacy

std::unique_ptr<Extractor> make_legacy_office_extractor() {
    return legacy::make_legacy_office_extractor("");
}

}  // namespace deskside::ingest
