// Plain text becomes one paragraph block per run of non-blank lines. CSV/TSV becomes one
// table_row block per record: the delimiter is the candidate that splits the first records into
// the same number (> 1) of fields most often, so ';'-separated European exports and ':'-separated
// text also read as tables.
#include <array>
#include <string>
#include <vector>

#include "base/error.h"
#include "ingest/extractor.h"
#include "ingest/text_decoding.h"

namespace deskside::ingest {
namespace {

constexpr std::size_t kSniffRecords = 50;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\v' || c == '\r';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

// Adds blocks while the output stays under the cap; records one warning when it does not.
class BlockSink {
  public:
    BlockSink(ExtractedDocument& document, std::int64_t max_bytes)
        : document_(document), max_bytes_(max_bytes) {}

    bool full() const { return full_; }

    void add(BlockKind kind, std::string_view text) {
        text = trim(text);
        if (text.empty() || full_) return;
        if (used_ + static_cast<std::int64_t>(text.size()) > max_bytes_) {
            full_ = true;
            document_.warnings.push_back("text truncated at " + std::to_string(max_bytes_) +
                                         " bytes (max_output_bytes)");
            return;
        }
        used_ += static_cast<std::int64_t>(text.size());
        Block block;
        block.kind = kind;
        block.text = std::string(text);
        document_.blocks.push_back(std::move(block));
    }

  private:
    ExtractedDocument& document_;
    std::int64_t max_bytes_;
    std::int64_t used_ = 0;
    bool full_ = false;
};

void split_paragraphs(std::string_view text, BlockSink& sink) {
    std::string paragraph;
    auto flush = [&] {
        sink.add(BlockKind::paragraph, paragraph);
        paragraph.clear();
    };
    while (!text.empty() && !sink.full()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
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

// RFC 4180 records: quoted fields may hold the delimiter, newlines and doubled quotes.
class CsvReader {
  public:
    CsvReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

    // Next record into `fields`; false at the end of the input.
    bool next(std::vector<std::string>& fields) {
        fields.clear();
        if (pos_ >= text_.size()) return false;
        std::string field;
        bool quoted = false, was_quoted = false;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (quoted) {
                if (c != '"')
                    field += c;
                else if (pos_ < text_.size() && text_[pos_] == '"')
                    field += '"', ++pos_;
                else
                    quoted = false;
            } else if (c == '"' && !was_quoted && trim(field).empty()) {
                quoted = was_quoted = true;
                field.clear();
            } else if (c == delimiter_) {
                fields.push_back(std::move(field));
                field.clear();
                was_quoted = false;
            } else if (c == '\n') {
                break;
            } else {
                field += c;
            }
        }
        fields.push_back(std::move(field));
        return true;
    }

  private:
    std::string_view text_;
    char delimiter_;
    std::size_t pos_ = 0;
};

char detect_delimiter(std::string_view text) {
    static constexpr std::array<char, 5> kCandidates = {',', '\t', ';', '|', ':'};
    char best = ',';
    std::size_t best_score = 0;
    for (char candidate : kCandidates) {
        CsvReader reader(text, candidate);
        std::vector<std::string> fields;
        std::vector<std::size_t> counts;
        while (counts.size() < kSniffRecords && reader.next(fields))
            if (fields.size() > 1 || !trim(fields[0]).empty()) counts.push_back(fields.size());
        // The most frequent field count above one, and how many records have it.
        std::size_t score = 0;
        for (std::size_t count : counts) {
            if (count < 2) continue;
            std::size_t same = 0;
            for (std::size_t other : counts) same += other == count;
            score = std::max(score, same);
        }
        if (score > best_score) best = candidate, best_score = score;
    }
    return best;
}

void split_rows(std::string_view text, BlockSink& sink) {
    CsvReader reader(text, detect_delimiter(text));
    std::vector<std::string> fields;
    while (!sink.full() && reader.next(fields)) {
        std::vector<std::string_view> cells;
        for (const std::string& field : fields) cells.push_back(trim(field));
        while (!cells.empty() && cells.back().empty()) cells.pop_back();
        std::size_t first = 0;
        while (first < cells.size() && cells[first].empty()) ++first;
        std::string row;
        for (std::size_t i = first; i < cells.size(); ++i) {
            if (i > first) row += " | ";
            for (char c : cells[i]) row += (c == '\n' || c == '\t') ? ' ' : c;
        }
        sink.add(BlockKind::table_row, row);
    }
}

class PlainTextExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "plain_text"; }

    bool accepts(const FileType& type) const override {
        return type.format == "text" || type.format == "csv";
    }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        DecodedText decoded = decode_text(file.bytes);
        ExtractedDocument document;
        document.format = file.type.format == "csv" ? "csv" : "text";
        document.metadata.encoding = decoded.encoding;
        BlockSink sink(document, options.max_output_bytes);
        if (document.format == "csv")
            split_rows(decoded.utf8, sink);
        else
            split_paragraphs(decoded.utf8, sink);
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_plain_text_extractor() {
    return std::make_unique<PlainTextExtractor>();
}

}  // namespace deskside::ingest
