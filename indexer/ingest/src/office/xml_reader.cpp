#include "office/xml_reader.h"

#include <libxml/xmlreader.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "ingest/extract_failure.h"

namespace deskside::ingest::office {
namespace {

constexpr long kDeadlineCheckEvery = 4096;

std::string_view view(const xmlChar* text) {
    return text ? std::string_view(reinterpret_cast<const char*>(text)) : std::string_view();
}

const xmlChar* as_xml(const std::string& text) {
    return reinterpret_cast<const xmlChar*>(text.c_str());
}

}  // namespace

struct XmlReader::Handle {
    xmlTextReaderPtr reader = nullptr;
    std::string first_error;  // libxml2's message for the first error, for the failure reason
    int error_line = 0;
    bool positioned = false;  // the reader stands on a node not yet reported (after skip)
    ~Handle() {
        if (reader) xmlFreeTextReader(reader);
    }

    static void on_error(void* self, const char* message, xmlParserSeverities severity,
                         xmlTextReaderLocatorPtr locator) {
        auto* handle = static_cast<Handle*>(self);
        if (severity != XML_PARSER_SEVERITY_ERROR || !handle->first_error.empty()) return;
        handle->first_error = message ? message : "";
        while (!handle->first_error.empty() &&
               (handle->first_error.back() == '\n' || handle->first_error.back() == ' '))
            handle->first_error.pop_back();
        handle->error_line = locator ? xmlTextReaderLocatorLineNumber(locator) : 0;
    }
};

XmlReader::XmlReader(std::string_view xml, std::string part, const ExtractOptions& options)
    : handle_(std::make_unique<Handle>()), part_(std::move(part)), options_(options) {
    // libxml2's global tables must be set up once before threads parse concurrently.
    static std::once_flag initialised;
    std::call_once(initialised, [] { xmlInitParser(); });
    // No XML_PARSE_NOENT (entities stay references, never expanded into text), no DTD loading,
    // no network, no XML_PARSE_HUGE (keeps libxml2's own depth and amplification limits).
    handle_->reader = xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), part_.c_str(),
                                         nullptr, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (!handle_->reader) throw std::bad_alloc();
    xmlTextReaderSetErrorHandler(handle_->reader, &Handle::on_error, handle_.get());
}

XmlReader::~XmlReader() = default;

XmlReader::Event XmlReader::next() {
    if (pending_end_) {
        pending_end_ = false;
        return Event::end;
    }
    for (;;) {
        int status = 1;
        if (handle_->positioned)
            handle_->positioned = false;
        else
            status = xmlTextReaderRead(handle_->reader);
        if (status == 0) return Event::eof;
        if (status < 0) {
            std::string reason =
                handle_->first_error.empty() ? "malformed XML" : handle_->first_error;
            std::string where = handle_->error_line > 0
                                    ? " at line " + std::to_string(handle_->error_line)
                                    : std::string();
            FailureKind kind = reason.find("ntity") != std::string::npos ||
                                       reason.find("xcessive depth") != std::string::npos
                                   ? FailureKind::too_large
                                   : FailureKind::corrupt;
            fail(kind, part_ + where + ": " + reason);
        }
        if (++events_ % kDeadlineCheckEvery == 0 && past_deadline(options_))
            fail(FailureKind::timeout,
                 "reading " + part_ + " took longer than the per-file time limit");

        xmlTextReaderPtr reader = handle_->reader;
        switch (xmlTextReaderNodeType(reader)) {
            case XML_READER_TYPE_ELEMENT: {
                depth_ = xmlTextReaderDepth(reader) + 1;
                if (depth_ > options_.max_nesting_depth)
                    fail(FailureKind::too_large, part_ + ": elements nested deeper than " +
                                                     std::to_string(options_.max_nesting_depth));
                name_ = view(xmlTextReaderConstLocalName(reader));
                namespace_ = view(xmlTextReaderConstNamespaceUri(reader));
                pending_end_ = xmlTextReaderIsEmptyElement(reader) == 1;
                return Event::start;
            }
            case XML_READER_TYPE_END_ELEMENT:
                depth_ = xmlTextReaderDepth(reader) + 1;
                name_ = view(xmlTextReaderConstLocalName(reader));
                namespace_ = view(xmlTextReaderConstNamespaceUri(reader));
                return Event::end;
            case XML_READER_TYPE_TEXT:
            case XML_READER_TYPE_CDATA:
            case XML_READER_TYPE_WHITESPACE:
            case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
                text_ = view(xmlTextReaderConstValue(reader));
                return Event::text;
            default:
                break;  // comments, processing instructions, DTD, entity references
        }
    }
}

std::optional<std::string> XmlReader::attribute(std::string_view local_name) const {
    xmlTextReaderPtr reader = handle_->reader;
    std::optional<std::string> value;
    if (xmlTextReaderMoveToFirstAttribute(reader) != 1) return value;
    do {
        if (view(xmlTextReaderConstLocalName(reader)) == local_name) {
            value = std::string(view(xmlTextReaderConstValue(reader)));
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(reader) == 1);
    xmlTextReaderMoveToElement(reader);
    return value;
}

std::optional<std::string> XmlReader::attribute(std::string_view local_name,
                                                std::string_view namespace_uri) const {
    std::string name(local_name), uri(namespace_uri);
    xmlChar* value = xmlTextReaderGetAttributeNs(handle_->reader, as_xml(name), as_xml(uri));
    if (!value) return std::nullopt;
    std::string out(view(value));
    xmlFree(value);
    return out;
}

void XmlReader::skip_element() {
    if (pending_end_) {  // an empty element: nothing inside, and its end is consumed too
        pending_end_ = false;
        return;
    }
    if (xmlTextReaderNodeType(handle_->reader) != XML_READER_TYPE_ELEMENT) return;
    int status = xmlTextReaderNext(handle_->reader);
    if (status == 1) handle_->positioned = true;
    if (status < 0)
        fail(FailureKind::corrupt, part_ + ": " +
                                       (handle_->first_error.empty() ? std::string("malformed XML")
                                                                     : handle_->first_error));
}

}  // namespace deskside::ingest::office
