// PDF through poppler-cpp: text page by page in reading order (page_layout.h), pages without a
// text layer through Tesseract (ocr.h), metadata from the Info dictionary, embedded files as
// attachments. Files that need a user password fail as encrypted; files poppler cannot open,
// even after a second attempt with the catalog found by scanning (raw_bytes.h), fail as
// corrupt.
//
// Poppler reports problems through one process-wide callback. It is installed once, and routes
// each message to the extraction running on the calling thread, so extract() stays safe to
// call from several threads and poppler never writes to stderr.
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-embedded-file.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "pdf/ocr.h"
#include "pdf/page_layout.h"
#include "pdf/raw_bytes.h"
#include "pdf/text_cleanup.h"

namespace deskside::ingest {
namespace {

using pdf::Paragraph;
using pdf::Word;

constexpr std::size_t kSparseChars = 200;  // fewer: an image on the page may hold the text
constexpr double kInkToRead = 0.001;       // share of the page inked outside the text layer
// An OCR paragraph whose words are this much in the text layer repeats it and is dropped; or
// a little less, when its word pairs are there too (OCR misreads a word here and there).
constexpr double kDuplicateWords = 0.8;
constexpr double kDuplicateWordsAndPairs = 0.6;
constexpr std::size_t kMaxMessages = 5;    // poppler messages kept as warnings
constexpr std::size_t kMaxPagesNamed = 5;  // in the "no text layer" warning

// ---- poppler's messages ---------------------------------------------------------------------

struct PopplerMessages {
    std::vector<std::string> distinct;
    std::size_t count = 0;
};

// The collector of the extraction running on this thread (the callback has no other way to
// find it: poppler passes one closure for the whole process).
PopplerMessages*& current_messages() {
    thread_local PopplerMessages* current = nullptr;
    return current;
}

// "error (1234): Invalid xref" -> "Invalid xref (at byte 1234)".
std::string tidy_message(std::string message) {
    std::string where;
    if (message.starts_with("error (")) {
        std::size_t close = message.find("): ");
        if (close != std::string::npos) {
            where = " (at byte " + message.substr(7, close - 7) + ")";
            message.erase(0, close + 3);
        }
    } else if (message.starts_with("error: ")) {
        message.erase(0, 7);
    }
    for (std::size_t pos = message.find("<0a>"); pos != std::string::npos;
         pos = message.find("<0a>"))
        message.erase(pos, 4);
    return pdf::clean_text(message) + where;
}

void on_poppler_message(const std::string& message, void*) {
    PopplerMessages* sink = current_messages();
    if (!sink) return;
    ++sink->count;
    std::string tidy = tidy_message(message);
    if (sink->distinct.size() < 4 * kMaxMessages &&
        std::find(sink->distinct.begin(), sink->distinct.end(), tidy) == sink->distinct.end())
        sink->distinct.push_back(std::move(tidy));
}

// Routes poppler's messages on this thread to `messages` while in scope.
class MessageScope {
  public:
    explicit MessageScope(PopplerMessages& messages) : previous_(current_messages()) {
        current_messages() = &messages;
    }
    ~MessageScope() { current_messages() = previous_; }
    MessageScope(const MessageScope&) = delete;
    MessageScope& operator=(const MessageScope&) = delete;

  private:
    PopplerMessages* previous_;
};

// ---- small helpers ------------------------------------------------------------------------------

std::string to_utf8(const poppler::ustring& text) {
    if (text.empty()) return {};
    poppler::byte_array bytes = text.to_utf8();
    std::string out(bytes.begin(), bytes.end());
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
}

// Metadata strings on one line, cleaned.
std::string one_line(const std::string& text) {
    std::string out = pdf::clean_text(text);
    std::replace(out.begin(), out.end(), '\n', ' ');
    return pdf::clean_text(out);
}

void add_warning(ExtractedDocument& document, std::string warning) {
    if (std::find(document.warnings.begin(), document.warnings.end(), warning) ==
        document.warnings.end())
        document.warnings.push_back(std::move(warning));
}

std::size_t visible_chars(const std::vector<Paragraph>& paragraphs) {
    std::size_t count = 0;
    for (const Paragraph& paragraph : paragraphs)
        for (char c : paragraph.text)
            count += c != ' ' && c != '\n' && (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

// Lower-case words of `text` for comparing OCR output with the text layer; single letters
// are left out (OCR reads bullets as "e" and "o").
std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || u >= 0x80) {
            word += static_cast<char>(std::tolower(u));
        } else {
            if (word.size() > 1) words.push_back(word);
            word.clear();
        }
    }
    if (word.size() > 1) words.push_back(std::move(word));
    return words;
}

// The name of an embedded file as UTF-8: PDF file names are PDFDocEncoding or UTF-16BE.
std::string file_name(const std::string& raw) {
    std::string name;
    if (raw.size() >= 2 && raw[0] == '\xFE' && raw[1] == '\xFF') {
        for (std::size_t i = 2; i + 1 < raw.size(); i += 2) {
            char32_t unit =
                (static_cast<unsigned char>(raw[i]) << 8) | static_cast<unsigned char>(raw[i + 1]);
            if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < raw.size()) {
                char32_t low = (static_cast<unsigned char>(raw[i + 2]) << 8) |
                               static_cast<unsigned char>(raw[i + 3]);
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                i += 2;
            }
            utf8::append(name, unit);
        }
    } else if (utf8::is_valid(raw)) {
        name = raw;
    } else {
        for (unsigned char c : raw) utf8::append(name, c);
    }
    std::size_t slash = name.find_last_of("/\\");
    if (slash != std::string::npos) name.erase(0, slash + 1);
    return one_line(name);
}

std::string pages_list(const std::vector<int>& pages) {
    std::string out = pages.size() == 1 ? "page " : "pages ";
    for (std::size_t i = 0; i < pages.size() && i < kMaxPagesNamed; ++i)
        out += (i ? ", " : "") + std::to_string(pages[i]);
    if (pages.size() > kMaxPagesNamed)
        out += " and " + std::to_string(pages.size() - kMaxPagesNamed) + " more";
    return out;
}

// ---- loading ---------------------------------------------------------------------------------

using Document = std::unique_ptr<poppler::document>;

Document load(std::string_view bytes) {
    return Document(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
}

std::string first_problem(const PopplerMessages& messages) {
    return messages.distinct.empty() ? "no PDF structure found" : messages.distinct.front();
}

[[noreturn]] void fail_locked() {
    fail(FailureKind::encrypted,
         "password-protected PDF; Deskside indexes only files that open without a password");
}

// Opens the file, repairing a trailer /Root that misses the catalog. `repaired` keeps the
// patched bytes alive for as long as the document reads them.
Document open(std::string_view bytes, PopplerMessages& messages, std::string& repaired,
              ExtractedDocument& document) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
        fail(FailureKind::too_large, "PDF over 2 GiB; poppler cannot read files that large");
    Document doc = load(bytes);
    if (doc && doc->is_locked()) fail_locked();  // nothing else may be called on a locked one
    if (doc && doc->pages() > 0) return doc;
    std::string problem = first_problem(messages);
    if (std::optional<std::string> patched = pdf::repair_root(bytes)) {
        repaired = std::move(*patched);
        Document second = load(repaired);
        if (second && second->is_locked()) fail_locked();
        if (second && second->pages() > 0) {
            add_warning(document,
                        "repaired: the file is damaged or cut short (its trailer misses the "
                        "catalog); the text found may be incomplete");
            return second;
        }
    }
    if (!doc)
        fail(FailureKind::corrupt, "PDF cannot be opened (" + problem +
                                       "); the file is damaged or not a PDF, re-save or "
                                       "re-export it from the program that made it");
    fail(FailureKind::corrupt, "PDF has no readable pages (" + problem +
                                   "); the file is damaged, re-save or re-export it");
}

void read_metadata(const poppler::document& doc, std::string_view bytes, DocumentMetadata& meta) {
    meta.title = one_line(to_utf8(doc.get_title()));
    meta.author = one_line(to_utf8(doc.get_author()));
    if (std::time_t created = doc.get_creation_date_t(); created != static_cast<std::time_t>(-1))
        meta.created = static_cast<std::int64_t>(created);
    if (std::time_t modified = doc.get_modification_date_t();
        modified != static_cast<std::time_t>(-1))
        meta.modified = static_cast<std::int64_t>(modified);
    meta.language = pdf::declared_language(bytes);
}

// Microsoft IRM and other PDF 2.0 wrappers: the pages say "this file is protected", the real
// document is an encrypted embedded file.
bool is_encrypted_wrapper(const poppler::document& doc, std::string_view bytes) {
    if (!doc.has_embedded_files()) return false;
    if (pdf::has_encrypted_payload(bytes)) return true;
    for (const poppler::embedded_file* file : doc.embedded_files()) {
        std::string description = to_utf8(file->description());
        std::transform(description.begin(), description.end(), description.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (description.find("encrypted") != std::string::npos) return true;
    }
    return false;
}

void read_attachments(const poppler::document& doc, const ExtractOptions& options,
                      ExtractedDocument& document) {
    if (!doc.has_embedded_files()) return;
    std::int64_t unpacked = 0;
    for (poppler::embedded_file* file : doc.embedded_files()) {
        if (!file || !file->is_valid()) continue;
        std::string name = file_name(file->name());
        if (static_cast<int>(document.attachments.size()) >= options.max_archive_entries) {
            add_warning(document, "embedded files past the first " +
                                      std::to_string(options.max_archive_entries) + " skipped");
            return;
        }
        std::int64_t declared = file->size();
        if (declared > 0 && unpacked + declared > options.max_unpacked_bytes) {
            add_warning(document, "embedded file \"" + name + "\" skipped: over the cap of " +
                                      std::to_string(options.max_unpacked_bytes) +
                                      " unpacked bytes");
            continue;
        }
        poppler::byte_array data = file->data();
        if (unpacked + static_cast<std::int64_t>(data.size()) > options.max_unpacked_bytes) {
            add_warning(document, "embedded file \"" + name + "\" skipped: over the cap of " +
                                      std::to_string(options.max_unpacked_bytes) +
                                      " unpacked bytes");
            continue;
        }
        unpacked += static_cast<std::int64_t>(data.size());
        document.attachments.push_back({std::move(name), std::string(data.begin(), data.end())});
    }
}

// ---- pages ---------------------------------------------------------------------------------

struct PageText {
    std::vector<Word> words;
    std::vector<Paragraph> paragraphs;
};

PageText read_page(const poppler::page& page) {
    PageText out;
    std::vector<poppler::text_box> boxes = page.text_list();
    out.words.reserve(boxes.size());
    for (const poppler::text_box& box : boxes) {
        Word word;
        word.text = to_utf8(box.text());
        poppler::rectf r = box.bbox();
        word.x0 = r.left();
        word.y0 = r.top();
        word.x1 = r.right();
        word.y1 = r.bottom();
        word.rotation = box.rotation();
        word.space_after = box.has_space_after();
        out.words.push_back(std::move(word));
    }
    out.paragraphs = pdf::lay_out_words(out.words, [&page] {
        return to_utf8(page.text(poppler::rectf(), poppler::page::raw_order_layout));
    });
    return out;
}

// OCR paragraphs that the text layer does not already hold.
std::vector<Paragraph> new_paragraphs(std::vector<Paragraph> ocr,
                                      const std::vector<Paragraph>& layer) {
    std::set<std::string> known;  // words, and pairs of words as "a b"
    for (const Paragraph& paragraph : layer) {
        std::vector<std::string> words = words_of(paragraph.text);
        for (std::size_t i = 0; i < words.size(); ++i) {
            known.insert(words[i]);
            if (i > 0) known.insert(words[i - 1] + " " + words[i]);
        }
    }
    std::vector<Paragraph> out;
    for (Paragraph& paragraph : ocr) {
        std::vector<std::string> words = words_of(paragraph.text);
        std::size_t seen = 0;
        std::size_t pairs_seen = 0;
        for (std::size_t i = 0; i < words.size(); ++i) {
            seen += known.count(words[i]);
            if (i > 0) pairs_seen += known.count(words[i - 1] + " " + words[i]);
        }
        double words_known = words.empty() ? 0 : static_cast<double>(seen) / words.size();
        double pairs_known =
            words.size() < 2 ? words_known : static_cast<double>(pairs_seen) / (words.size() - 1);
        bool repeated = words_known >= kDuplicateWords ||
                        (words_known >= kDuplicateWordsAndPairs && pairs_known >= 0.5);
        if (!words.empty() && !repeated) out.push_back(std::move(paragraph));
    }
    return out;
}

class PdfExtractor final : public Extractor {
  public:
    PdfExtractor() {
        static std::once_flag installed;
        std::call_once(installed,
                       [] { poppler::set_debug_error_function(on_poppler_message, nullptr); });
    }

    std::string_view name() const override { return "pdf"; }
    bool accepts(const FileType& type) const override { return type.format == "pdf"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        ExtractedDocument document;
        document.format = "pdf";
        PopplerMessages messages;
        MessageScope scope(messages);
        std::string repaired;
        Document doc = open(file.bytes, messages, repaired, document);
        std::string_view bytes = repaired.empty() ? file.bytes : std::string_view(repaired);
        if (is_encrypted_wrapper(*doc, bytes))
            fail(FailureKind::encrypted,
                 "PDF wrapper around an encrypted payload (rights-managed, e.g. Microsoft IRM); "
                 "open it with the rights-management client and save an unprotected copy");
        read_metadata(*doc, bytes, document.metadata);
        if (pdf::has_xfa_form(bytes))
            add_warning(document,
                        "XFA form: the data filled into it is not extracted, only the "
                        "text drawn on its pages");
        read_pages(*doc, options, document);
        read_attachments(*doc, options, document);
        if (!repaired.empty() && document.blocks.empty() && document.attachments.empty())
            fail(FailureKind::corrupt,
                 "PDF is damaged or cut short and no text could be read from what is left; "
                 "re-save or re-export it from the program that made it");
        report(messages, document);
        return document;
    }

  private:
    static void read_pages(const poppler::document& doc, const ExtractOptions& options,
                           ExtractedDocument& document) {
        int pages = doc.pages();
        std::int64_t used = 0;
        std::vector<int> unread;  // pages with ink but no text, OCR off
        for (int index = 0; index < pages; ++index) {
            int number = index + 1;
            if (past_deadline(options))
                fail(FailureKind::timeout, "PDF passed the per-file time limit at page " +
                                               std::to_string(number) + " of " +
                                               std::to_string(pages));
            std::unique_ptr<poppler::page> page(doc.create_page(index));
            if (!page) {
                add_warning(document, "page " + std::to_string(number) + " could not be read");
                continue;
            }
            PageText text = read_page(*page);
            std::string location;
            if (std::string label = one_line(to_utf8(page->label()));
                !label.empty() && label != std::to_string(number))
                location = "page " + label;
            std::vector<Paragraph> ocr =
                read_images(*page, text, number, options, document, unread);
            auto add = [&](std::vector<Paragraph>& paragraphs, bool from_ocr) {
                for (Paragraph& paragraph : paragraphs) {
                    used += static_cast<std::int64_t>(paragraph.text.size());
                    if (used > options.max_output_bytes)
                        fail(FailureKind::too_large, "PDF text passes the cap of " +
                                                         std::to_string(options.max_output_bytes) +
                                                         " bytes of extracted text (at page " +
                                                         std::to_string(number) + ")");
                    Block block;
                    block.kind =
                        paragraph.heading_level ? BlockKind::heading : BlockKind::paragraph;
                    block.level = paragraph.heading_level;
                    block.text = std::move(paragraph.text);
                    block.page = number;
                    block.location = location;
                    block.ocr = from_ocr;
                    document.blocks.push_back(std::move(block));
                }
            };
            add(text.paragraphs, false);
            add(ocr, true);
        }
        if (!unread.empty())
            document.warnings.push_back(pages_list(unread) +
                                        (unread.size() == 1 ? " has" : " have") +
                                        " no text layer; OCR is off");
    }

    // OCR of a page whose text, if any, is not all there is: little or no text layer, and ink
    // elsewhere on the page.
    static std::vector<Paragraph> read_images(const poppler::page& page, const PageText& text,
                                              int number, const ExtractOptions& options,
                                              ExtractedDocument& document,
                                              std::vector<int>& unread) {
        std::size_t chars = visible_chars(text.paragraphs);
        if (chars >= kSparseChars || (!options.ocr && chars > 0)) return {};
        if (pdf::uncovered_ink(page, text.words) < kInkToRead) return {};
        if (!options.ocr) {
            unread.push_back(number);
            return {};
        }
        pdf::OcrResult result = pdf::ocr_page(page, options);
        for (std::string& warning : result.warnings) add_warning(document, std::move(warning));
        if (result.timed_out)
            fail(FailureKind::timeout,
                 "PDF passed the per-file time limit during OCR of page " + std::to_string(number));
        return new_paragraphs(std::move(result.paragraphs), text.paragraphs);
    }

    // Poppler's complaints, briefly: a file it had to repair is worth knowing about.
    static void report(const PopplerMessages& messages, ExtractedDocument& document) {
        std::size_t shown = 0;
        for (const std::string& message : messages.distinct) {
            if (message.find("Missing language pack") != std::string::npos)
                add_warning(document,
                            "some text needs poppler's CJK encoding data; install the Debian "
                            "package poppler-data and index again");
            if (shown < kMaxMessages) {
                add_warning(document, "poppler: " + message);
                ++shown;
            }
        }
        if (messages.count > shown)
            add_warning(document,
                        "poppler: " + std::to_string(messages.count - shown) + " more message(s)");
    }
};

}  // namespace

std::unique_ptr<Extractor> make_pdf_extractor() {
    return std::make_unique<PdfExtractor>();
}

}  // namespace deskside::ingest
