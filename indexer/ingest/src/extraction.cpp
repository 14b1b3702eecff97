#include "ingest/extraction.h"

#include <new>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest/file_type.h"

namespace deskside::ingest {

std::string content_hash(std::string_view bytes);  // pipeline.h; declared here to avoid a cycle

namespace {

// A name safe inside an item path: no '/', no control characters, not too long.
std::string sanitized(std::string_view name) {
    std::string out;
    for (char c : name) {
        unsigned char u = static_cast<unsigned char>(c);
        out += (c == '/' || c == '\\' || u < 0x20) ? '_' : c;
    }
    if (out.size() > 120) out.resize(120);  // may cut a UTF-8 sequence; the path is bytes
    return out.empty() ? "attachment" : out;
}

std::string reason_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return e.what();
    } catch (const std::bad_alloc&) {
        return "too large: out of memory while extracting";
    } catch (const std::exception& e) {
        return std::string("corrupt: extraction failed: ") + e.what();
    }
    return "corrupt: extraction failed";
}

struct TreeWalk {
    const ExtractorRegistry& registry;
    const ExtractOptions& options;
    const TreeLimits& limits;
    std::vector<ExtractedItem> items;

    // Extracts `bytes` into a new item; then its attachments, if it succeeded.
    void visit(const std::filesystem::path& path, std::string_view bytes, std::string inner_path,
               std::string name, int depth) {
        std::size_t index = items.size();
        items.push_back({});
        ExtractedItem& item = items[index];
        item.inner_path = std::move(inner_path);
        item.name = std::move(name);
        item.size = static_cast<std::int64_t>(bytes.size());
        item.content_hash = content_hash(bytes);
        item.type = detect_file_type(path, bytes.substr(0, 65536));
        std::vector<EmbeddedFile> attachments;
        try {
            ExtractedDocument document = extract_one(registry, path, bytes, item.type, options);
            attachments = std::move(document.attachments);
            document.attachments.clear();
            items[index].document = std::move(document);
        } catch (...) {
            items[index].failure = reason_of(std::current_exception());
            return;
        }
        if (attachments.empty()) return;
        if (items[index].document->format == "ole" && attachments.size() == 1 &&
            !attachments.front().bytes.empty()) {
            // An OLE object is only the wrapper of the file it holds: that file takes its place.
            std::string inner = std::move(items[index].inner_path);
            items.pop_back();
            EmbeddedFile& wrapped = attachments.front();
            std::string content = std::move(wrapped.bytes);
            visit(sanitized(wrapped.name), content, std::move(inner), wrapped.name, depth);
            return;
        }
        if (items[index].document->blocks.empty()) {
            // A container with no text of its own (an RTF holding only embedded files, a
            // message whose body is an attachment) is still a document: it lists what it holds,
            // so that it can be found and its attachments have somewhere to belong.
            std::string listing = "Attached files:";
            for (const EmbeddedFile& attachment : attachments)
                listing += (listing.back() == ':' ? " " : ", ") +
                           (attachment.name.empty() ? std::string("(unnamed)") : attachment.name);
            Block block;
            block.text = std::move(listing);
            items[index].document->blocks.push_back(std::move(block));
        }
        if (depth >= limits.max_depth) {
            items[index].document->warnings.push_back(
                std::to_string(attachments.size()) +
                " attachment(s) not indexed: nested deeper than " +
                std::to_string(limits.max_depth) + " levels");
            return;
        }
        int ordinal = 0;
        for (EmbeddedFile& attachment : attachments) {
            ++ordinal;
            if (static_cast<int>(items.size()) >= limits.max_items) {
                items[index].document->warnings.push_back(
                    "attachments past the first " + std::to_string(limits.max_items) +
                    " documents of this file were not indexed");
                return;
            }
            std::string child_name = sanitized(attachment.name);
            std::string child_inner = items[index].inner_path;
            if (!child_inner.empty()) child_inner += "//";
            child_inner += std::to_string(ordinal) + "-" + child_name;
            std::string content = std::move(attachment.bytes);
            if (content.empty()) continue;  // nothing to say about an empty attachment
            visit(child_name, content, std::move(child_inner), attachment.name, depth + 1);
        }
    }
};

}  // namespace

ExtractedDocument extract_one(const ExtractorRegistry& registry, const std::filesystem::path& path,
                              std::string_view bytes, const FileType& type,
                              const ExtractOptions& options) {
    if (bytes.empty()) fail(FailureKind::empty, "zero-byte file: nothing to index");
    const Extractor* extractor = registry.find(type);
    if (!extractor)
        fail(FailureKind::unsupported,
             "no extractor for " + type.format + " (" + type.mime + ") in this build");
    return extractor->extract(SourceFile{path, bytes, type}, options);
}

std::vector<ExtractedItem> extract_tree(const ExtractorRegistry& registry,
                                        const std::filesystem::path& path, std::string_view bytes,
                                        const ExtractOptions& options, const TreeLimits& limits) {
    TreeWalk walk{registry, options, limits, {}};
    walk.visit(path, bytes, "", "", 0);
    return std::move(walk.items);
}

}  // namespace deskside::ingest
