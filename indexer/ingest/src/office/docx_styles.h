// WordprocessingML paragraph styles and list numbering, as far as text extraction needs them:
// which styles are headings (by the style's English name "heading 1".."heading 6" or "Title",
// or by its outline level, since style ids are localised: "berschrift1" in a German Word), and
// how list items are labelled ("• " for bullets, "1.", "a)" or "iv." for numbered levels).
//
// Built once per document from word/styles.xml and word/numbering.xml; then used by one thread.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/extractor.h"
#include "office/xml_reader.h"

namespace deskside::ingest::office {

inline int parse_int(std::string_view text, int fallback = 0) {
    int value = fallback;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() ? value : fallback;
}

inline std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Heading level (1..6) a style name or id implies, 0 for none.
inline int heading_level_of_name(std::string_view name) {
    std::string low = lower_ascii(name);
    std::erase(low, ' ');
    if (low == "title") return 1;
    if (low.size() == 8 && low.starts_with("heading") && low[7] >= '1' && low[7] <= '9')
        return std::min(low[7] - '0', 6);
    return 0;
}

class DocxStyles {
  public:
    struct Style {
        std::string based_on;
        int heading = 0;  // from the name or outline level; 0 = none
        int num_id = -1;  // list numbering the style applies; -1 = none
        int num_level = 0;
    };

    DocxStyles() = default;
    DocxStyles(std::string_view xml, const ExtractOptions& options) {
        XmlReader reader(xml, "word/styles.xml", options);
        std::string id;
        bool paragraph_style = false;
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event != XmlReader::Event::start) continue;
            std::string_view name = reader.name();
            if (name == "style") {
                paragraph_style = reader.attribute("type").value_or("paragraph") == "paragraph";
                id = reader.attribute("styleId").value_or("");
                if (paragraph_style) styles_[id].heading = heading_level_of_name(id);
            } else if (!paragraph_style || id.empty()) {
                continue;
            } else if (name == "name") {
                if (int level = heading_level_of_name(reader.attribute("val").value_or("")))
                    styles_[id].heading = level;
            } else if (name == "basedOn") {
                styles_[id].based_on = reader.attribute("val").value_or("");
            } else if (name == "outlineLvl") {
                int level = parse_int(reader.attribute("val").value_or(""), 9);
                if (level < 9 && styles_[id].heading == 0) styles_[id].heading = level + 1;
            } else if (name == "numId") {
                styles_[id].num_id = parse_int(reader.attribute("val").value_or(""), -1);
            } else if (name == "ilvl") {
                styles_[id].num_level = parse_int(reader.attribute("val").value_or(""), 0);
            } else if (name == "rPr" || name == "tblPr" || name == "tcPr" || name == "trPr" ||
                       name == "tblStylePr") {
                reader.skip_element();
            }
        }
    }

    // The style with inherited heading level and numbering (basedOn chain, loops cut).
    Style resolve(std::string_view id) const {
        Style out;
        bool heading_set = false, numbering_set = false;
        std::string current(id);
        for (int hops = 0; hops < 16 && !current.empty(); ++hops) {
            auto it = styles_.find(current);
            if (it == styles_.end()) {
                if (!heading_set) out.heading = heading_level_of_name(current);
                break;
            }
            if (!heading_set && it->second.heading) {
                out.heading = it->second.heading;
                heading_set = true;
            }
            if (!numbering_set && it->second.num_id >= 0) {
                out.num_id = it->second.num_id;
                out.num_level = it->second.num_level;
                numbering_set = true;
            }
            current = it->second.based_on;
        }
        return out;
    }

  private:
    std::map<std::string, Style, std::less<>> styles_;
};

// List labels from word/numbering.xml. Counters run per list instance (w:num), restart
// deeper levels when a shallower one advances, and honour w:start and w:startOverride.
class DocxNumbering {
  public:
    DocxNumbering() = default;
    DocxNumbering(std::string_view xml, const ExtractOptions& options) {
        XmlReader reader(xml, "word/numbering.xml", options);
        int abstract_id = -1, level = -1, num_id = -1;
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event != XmlReader::Event::start) continue;
            std::string_view name = reader.name();
            auto val = [&] { return reader.attribute("val").value_or(""); };
            if (name == "abstractNum") {
                abstract_id = parse_int(reader.attribute("abstractNumId").value_or(""), -1);
                num_id = -1;
                level = -1;
            } else if (name == "num") {
                num_id = parse_int(reader.attribute("numId").value_or(""), -1);
                abstract_id = -1;
                level = -1;
            } else if (name == "lvl" || name == "lvlOverride") {
                level = parse_int(reader.attribute("ilvl").value_or(""), -1);
                if (level < 0 || level >= kLevels) level = -1;
            } else if (name == "abstractNumId" && num_id >= 0) {
                instances_[num_id].abstract_id = parse_int(val(), -1);
            } else if (name == "startOverride" && num_id >= 0 && level >= 0) {
                instances_[num_id].start_override[level] = parse_int(val(), 1);
            } else if (abstract_id >= 0 && level >= 0) {
                Level& lvl = abstracts_[abstract_id][level];
                if (name == "start") lvl.start = parse_int(val(), 1);
                if (name == "numFmt") lvl.format = val();
                if (name == "lvlText") lvl.text = val();
            }
            if (name == "rPr" || name == "pPr") reader.skip_element();
        }
    }

    // The label for the next item of list `num_id` at `level` ("1. ", "• "), advancing the
    // counters; empty when the list is unknown or unnumbered.
    std::string next_label(int num_id, int level) {
        auto instance = instances_.find(num_id);
        if (instance == instances_.end() || level < 0 || level >= kLevels) return "";
        auto abstract = abstracts_.find(instance->second.abstract_id);
        if (abstract == abstracts_.end()) return "";
        const std::array<Level, kLevels>& levels = abstract->second;
        Instance& state = instance->second;
        auto start_of = [&](int l) {
            return state.start_override[l] ? *state.start_override[l] : levels[l].start;
        };
        state.counter[level] = state.started[level] ? state.counter[level] + 1 : start_of(level);
        state.started[level] = true;
        for (int deeper = level + 1; deeper < kLevels; ++deeper) state.started[deeper] = false;
        const Level& lvl = levels[level];
        if (lvl.format == "none") return "";
        if (lvl.format == "bullet") return "\u2022 ";
        std::string label;
        for (std::size_t i = 0; i < lvl.text.size(); ++i) {
            char c = lvl.text[i];
            if (c == '%' && i + 1 < lvl.text.size() && lvl.text[i + 1] >= '1' &&
                lvl.text[i + 1] <= '9') {
                int l = lvl.text[++i] - '1';
                int value = state.started[l] ? state.counter[l] : start_of(l);
                label += format_number(value, levels[l].format);
            } else {
                label += c;
            }
        }
        return label.empty() ? "" : label + " ";
    }

  private:
    static constexpr int kLevels = 9;
    struct Level {
        int start = 1;
        std::string format = "decimal";
        std::string text;
    };
    struct Instance {
        int abstract_id = -1;
        std::array<std::optional<int>, kLevels> start_override{};
        std::array<int, kLevels> counter{};
        std::array<bool, kLevels> started{};
    };

    static std::string roman(int value) {
        static constexpr std::pair<int, const char*> kDigits[] = {
            {1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"},
            {40, "xl"},  {10, "x"},   {9, "ix"},  {5, "v"},    {4, "iv"},  {1, "i"}};
        std::string out;
        for (auto [amount, digits] : kDigits)
            while (value >= amount && out.size() < 32) {
                out += digits;
                value -= amount;
            }
        return out;
    }

    static std::string format_number(int value, std::string_view format) {
        if (value < 0) value = 0;
        if ((format == "lowerLetter" || format == "upperLetter") && value > 0) {
            // Word repeats the letter: a..z, aa..zz, ...
            char letter = static_cast<char>('a' + (value - 1) % 26);
            std::string out(static_cast<std::size_t>(std::min(1 + (value - 1) / 26, 8)), letter);
            if (format == "upperLetter")
                for (char& c : out) c = static_cast<char>(std::toupper(c));
            return out;
        }
        if ((format == "lowerRoman" || format == "upperRoman") && value > 0 && value < 4000) {
            std::string out = roman(value);
            if (format == "upperRoman")
                for (char& c : out) c = static_cast<char>(std::toupper(c));
            return out;
        }
        if (format == "decimalZero" && value < 10) return "0" + std::to_string(value);
        return std::to_string(value);
    }

    std::map<int, std::array<Level, kLevels>> abstracts_;
    std::map<int, Instance> instances_;
};

}  // namespace deskside::ingest::office
