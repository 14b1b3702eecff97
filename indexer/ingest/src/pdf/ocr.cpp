// Rendering and Tesseract OCR of PDF pages (see ocr.h). Tesseract prints to stderr through its
// "debug_file" parameter, a process-wide setting, so it is pointed at /dev/null once, before the
// first engine is made.
#include "pdf/ocr.h"

#include <dlfcn.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "base/utf8.h"
#include "pdf/text_cleanup.h"

namespace deskside::ingest::pdf {
namespace {

constexpr double kMaxOcrPixels = 40e6;  // ~ A3 at 300 dpi; bigger pages get a lower dpi
constexpr int kMinOcrDpi = 50;
constexpr int kMaxOcrDpi = 600;
constexpr double kProbeDpi = 30;          // for uncovered_ink: fast, yet shows a line of text
constexpr int kInkLevel = 200;            // grey levels below this (of 255) are ink
constexpr float kMinWordConfidence = 50;  // below this Tesseract mostly reads noise and lines
constexpr std::size_t kMaxEnginesPerThread = 4;

struct TesseractDeleter {
    void operator()(tesseract::TessBaseAPI* api) const {
        api->End();
        delete api;
    }
};
using Tesseract = std::unique_ptr<tesseract::TessBaseAPI, TesseractDeleter>;

struct Engine {
    Tesseract api;  // null when none of the languages could be loaded
    std::vector<std::string> warnings;
};

std::string debian_package(const std::string& language) {
    std::string name = "tesseract-ocr-";
    for (char c : language)
        name += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

// The language codes of "eng+deu"; codes that are no Tesseract language name (a path, say)
// are left out with a warning.
std::vector<std::string> split_languages(const std::string& languages,
                                         std::vector<std::string>& warnings) {
    std::vector<std::string> out;
    std::stringstream in(languages);
    for (std::string code; std::getline(in, code, '+');) {
        bool valid = !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
        if (!valid)
            warnings.push_back("OCR language code \"" + code + "\" is not valid; ignored");
        else if (std::find(out.begin(), out.end(), code) == out.end())
            out.push_back(code);
    }
    return out;
}

std::string join_languages(const std::vector<std::string>& codes) {
    std::string out;
    for (const std::string& code : codes) out += (out.empty() ? "" : "+") + code;
    return out;
}

Engine make_engine(const std::string& languages) {
    static std::once_flag quiet;
    std::call_once(quiet, [] {
        tesseract::TessBaseAPI api;
        api.SetVariable("debug_file", "/dev/null");
    });
    Engine engine;
    std::vector<std::string> wanted = split_languages(languages, engine.warnings);
    if (wanted.empty()) {
        engine.warnings.push_back("OCR skipped: no valid Tesseract language code in \"" +
                                  languages + "\"");
        return engine;
    }
    Tesseract api(new tesseract::TessBaseAPI());
    int status = api->Init(nullptr, join_languages(wanted).c_str(), tesseract::OEM_LSTM_ONLY);
    std::vector<std::string> available;
    api->GetAvailableLanguagesAsVector(&available);
    std::vector<std::string> usable;
    for (const std::string& code : wanted) {
        if (std::find(available.begin(), available.end(), code) != available.end()) {
            usable.push_back(code);
        } else {
            engine.warnings.push_back("OCR language '" + code +
                                      "' is not installed; install the Debian package " +
                                      debian_package(code));
        }
    }
    if (status != 0 && !usable.empty() && usable.size() < wanted.size())
        status = api->Init(nullptr, join_languages(usable).c_str(), tesseract::OEM_LSTM_ONLY);
    if (status != 0 || usable.empty()) {
        engine.warnings.push_back("OCR skipped: Tesseract could not load language data for \"" +
                                  languages + "\"");
        return engine;
    }
    api->SetPageSegMode(tesseract::PSM_AUTO);
    engine.api = std::move(api);
    return engine;
}

// Debian's Tesseract is built with OpenMP, whose default thread team oversubscribes the cores
// the pipeline's own workers already use (and spins while waiting): 30 s of wall time for a
// page that takes 4 s on one thread. OMP_THREAD_LIMIT only works when set before the process
// starts (the extraction worker gets it); in-process callers get one OpenMP thread per calling
// thread here. Looked up at run time so that a Tesseract without OpenMP needs nothing.
void limit_openmp_to_this_thread() {
    thread_local bool limited = false;
    if (limited) return;
    limited = true;
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads")))
        set(1);
}

// This thread's engine for `languages`, made on first use.
Engine& engine_for(const std::string& languages) {
    limit_openmp_to_this_thread();
    thread_local std::map<std::string, Engine> engines;
    if (auto it = engines.find(languages); it != engines.end()) return it->second;
    if (engines.size() >= kMaxEnginesPerThread) engines.clear();
    return engines.emplace(languages, make_engine(languages)).first->second;
}

poppler::image render(const poppler::page& page, double dpi) {
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    renderer.set_render_hints(poppler::page_renderer::antialiasing |
                              poppler::page_renderer::text_antialiasing);
    return renderer.render_page(&page, dpi, dpi);
}

int letters(std::string_view word) {
    int count = 0;
    for (std::size_t pos = 0; pos < word.size();) {
        char32_t cp = utf8::decode(word, pos);
        count += (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || cp >= 0xC0;
    }
    return count;
}

// Tesseract's words, in paragraphs, without the ones it is unsure of.
std::vector<Paragraph> read_paragraphs(tesseract::TessBaseAPI& api) {
    std::vector<Paragraph> paragraphs;
    std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
    if (!it) return paragraphs;
    std::vector<std::string> lines;
    int words = 0;
    int wordlike = 0;  // with two letters or more: what is left of drawings has few
    auto flush = [&] {
        std::string clean = clean_text(join_lines(lines));
        if (!clean.empty() && wordlike * 2 >= words) paragraphs.push_back({std::move(clean), 0});
        lines.clear();
        words = wordlike = 0;
    };
    do {
        if (it->Empty(tesseract::RIL_WORD)) continue;
        if (it->IsAtBeginningOf(tesseract::RIL_PARA)) flush();
        bool new_line = lines.empty() || it->IsAtBeginningOf(tesseract::RIL_TEXTLINE);
        std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
        if (!word || it->Confidence(tesseract::RIL_WORD) < kMinWordConfidence) continue;
        if (new_line || lines.back().empty()) {
            if (new_line) lines.emplace_back();
        } else {
            lines.back() += ' ';
        }
        lines.back() += word.get();
        ++words;
        wordlike += letters(word.get()) >= 2;
    } while (it->Next(tesseract::RIL_WORD));
    flush();
    return paragraphs;
}

}  // namespace

double uncovered_ink(const poppler::page& page, const std::vector<Word>& words) {
    poppler::image image = render(page, kProbeDpi);
    if (!image.is_valid() || image.format() != poppler::image::format_gray8) return 0;
    int width = image.width();
    int height = image.height();
    if (width <= 0 || height <= 0) return 0;
    std::vector<char> covered(static_cast<std::size_t>(width) * height, 0);
    double scale = kProbeDpi / 72.0;
    for (const Word& word : words) {
        int x0 = std::clamp(static_cast<int>(std::floor(word.x0 * scale)) - 1, 0, width);
        int x1 = std::clamp(static_cast<int>(std::ceil(word.x1 * scale)) + 1, 0, width);
        int y0 = std::clamp(static_cast<int>(std::floor(word.y0 * scale)) - 1, 0, height);
        int y1 = std::clamp(static_cast<int>(std::ceil(word.y1 * scale)) + 1, 0, height);
        for (int y = y0; y < y1; ++y)
            std::fill_n(covered.begin() + static_cast<std::ptrdiff_t>(y) * width + x0,
                        std::max(0, x1 - x0), 1);
    }
    std::size_t ink = 0;
    const char* data = image.const_data();
    for (int y = 0; y < height; ++y) {
        const auto* row = reinterpret_cast<const unsigned char*>(data) +
                          static_cast<std::ptrdiff_t>(y) * image.bytes_per_row();
        for (int x = 0; x < width; ++x)
            ink += row[x] < kInkLevel && !covered[static_cast<std::size_t>(y) * width + x];
    }
    return static_cast<double>(ink) / (static_cast<double>(width) * height);
}

OcrResult ocr_page(const poppler::page& page, const ExtractOptions& options) {
    OcrResult result;
    Engine& engine = engine_for(options.ocr_languages);
    result.warnings = engine.warnings;
    if (!engine.api) return result;

    poppler::rectf box = page.page_rect();
    double area = std::max(box.width() * box.height(), 1.0);  // square points
    int dpi = std::clamp(options.ocr_dpi > 0 ? options.ocr_dpi : 300, kMinOcrDpi, kMaxOcrDpi);
    int fitting = static_cast<int>(72.0 * std::sqrt(kMaxOcrPixels / area));
    if (fitting < dpi) {
        dpi = std::max(fitting, 1);
        result.warnings.push_back("a page too large for OCR at " + std::to_string(options.ocr_dpi) +
                                  " dpi was read at " + std::to_string(dpi) + " dpi");
    }
    poppler::image image = render(page, dpi);
    if (!image.is_valid() || image.format() != poppler::image::format_gray8) {
        result.warnings.push_back("OCR skipped: the page could not be rendered");
        return result;
    }

    tesseract::TessBaseAPI& api = *engine.api;
    api.SetImage(reinterpret_cast<const unsigned char*>(image.const_data()), image.width(),
                 image.height(), 1, image.bytes_per_row());
    api.SetSourceResolution(dpi);
    tesseract::ETEXT_DESC monitor;
    if (options.deadline != std::chrono::steady_clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        options.deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            api.Clear();
            result.timed_out = true;
            return result;
        }
        monitor.set_deadline_msecs(static_cast<std::int32_t>(std::min<long long>(left, INT_MAX)));
    }
    int status = api.Recognize(&monitor);
    if (monitor.deadline_exceeded()) {
        result.timed_out = true;
    } else if (status == 0) {
        result.paragraphs = read_paragraphs(api);
    } else {
        result.warnings.push_back("OCR failed on a page (Tesseract could not recognise it)");
    }
    api.Clear();
    return result;
}

}  // namespace deskside::ingest::pdf
