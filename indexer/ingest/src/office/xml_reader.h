// A streaming (pull) XML reader over one part of an office package, on libxml2's
// xmlTextReader. Safe for hostile input: no network, no external DTD, entities are never
// substituted (billion laughs cannot expand), nesting deeper than options.max_nesting_depth
// fails, and the deadline is checked as it reads.
//
// Owns its libxml2 reader; the XML bytes are borrowed and must outlive it. One thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/extractor.h"

namespace deskside::ingest::office {

class XmlReader {
  public:
    enum class Event { start, end, text, eof };

    // `part` names the part in messages ("word/document.xml").
    XmlReader(std::string_view xml, std::string part, const ExtractOptions& options);
    ~XmlReader();
    XmlReader(const XmlReader&) = delete;
    XmlReader& operator=(const XmlReader&) = delete;

    // The next event. An empty element (<a/>) yields start then end. Comments, processing
    // instructions and the DTD are skipped; text is character data, CDATA or whitespace inside
    // an element. Malformed XML fails corrupt with the part name and line.
    Event next();

    // For start/end: the element's local name ("p" for <w:p>) and namespace URI.
    std::string_view name() const { return name_; }
    std::string_view namespace_uri() const { return namespace_; }
    // For start: an attribute's value by local name (first match in any namespace), or by
    // local name and namespace URI.
    std::optional<std::string> attribute(std::string_view local_name) const;
    std::optional<std::string> attribute(std::string_view local_name,
                                         std::string_view namespace_uri) const;
    // For text: the characters (UTF-8).
    std::string_view text() const { return text_; }
    // Depth of the current element (the root is 1).
    int depth() const { return depth_; }

    // Skips to the end of the element just started (for start events; no-op otherwise).
    void skip_element();

  private:
    struct Handle;
    std::unique_ptr<Handle> handle_;
    std::string part_;
    const ExtractOptions& options_;
    std::string name_, namespace_, text_;
    int depth_ = 0;
    bool pending_end_ = false;  // an empty element's synthesized end
    long events_ = 0;
};

}  // namespace deskside::ingest::office
