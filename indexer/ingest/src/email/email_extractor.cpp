// The e-mail extractor: picks the reader by what the file is. An OLE2 compound file is an
// Outlook .msg (libgsf, outlook_msg.cpp); a file detected as "application/mbox" or starting
// with an mbox "From " line is a mailbox (GMime, mbox.cpp); anything else detected as mail is
// one RFC 822 message (GMime, mime_message.cpp).
//
// Stateless after construction except for the HTML extractor it owns (itself thread-safe), so
// one instance serves every thread.
#include <memory>

#include "ingest/extractor.h"
#include "mime_message.h"
#include "outlook_msg.h"

namespace deskside::ingest {
namespace {

constexpr std::string_view kOle2Signature = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

class EmailExtractor final : public Extractor {
  public:
    EmailExtractor() : html_(make_html_extractor()) {}

    std::string_view name() const override { return "email"; }
    bool accepts(const FileType& type) const override { return type.format == "email"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        if (file.bytes.starts_with(kOle2Signature) ||
            file.type.mime == "application/vnd.ms-outlook")
            return email::extract_outlook_msg(file.bytes, options, *html_);
        if (file.type.mime == "application/mbox" || file.bytes.starts_with("From "))
            return email::extract_mbox(file.bytes, options, *html_);
        return email::extract_mime_message(file.bytes, options, *html_);
    }

  private:
    std::unique_ptr<Extractor> html_;
};

}  // namespace

std::unique_ptr<Extractor> make_email_extractor() {
    return std::make_unique<EmailExtractor>();
}

}  // namespace deskside::ingest
