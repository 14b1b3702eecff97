#include "upload_form.h"

#include <Poco/Exception.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>

#include <exception>
#include <fstream>
#include <random>
#include <streambuf>

#include "base/error.h"
#include "file_names.h"
#include "http/error_status.h"

namespace deskside::http {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFieldBytes = 256;

// An istream over RequestBody::read_some, so that Poco's multipart reader is held to the size
// and time limits. An HttpError raised while reading is kept and rethrown by the caller
// (iostreams would otherwise turn it into a bare failbit).
class BodyStreamBuf : public std::streambuf {
  public:
    BodyStreamBuf(RequestBody& body, std::int64_t limit) : body_(body), limit_(limit) {}

    void rethrow_if_failed() const {
        if (error_) std::rethrow_exception(error_);
    }

  protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        if (error_) return traits_type::eof();
        std::size_t got = 0;
        try {
            got = body_.read_some(buffer_, sizeof buffer_, limit_);
        } catch (...) {
            error_ = std::current_exception();
            return traits_type::eof();
        }
        if (got == 0) return traits_type::eof();
        setg(buffer_, buffer_, buffer_ + got);
        return traits_type::to_int_type(*gptr());
    }

  private:
    RequestBody& body_;
    std::int64_t limit_;
    char buffer_[65536];
    std::exception_ptr error_;
};

std::string random_name() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned long long> dist;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", dist(rd));
    return text;
}

HttpError bad_form(const std::string& message) {
    return HttpError(400, "invalid_argument", message);
}

}  // namespace

StagedUpload::~StagedUpload() {
    if (folder_.empty()) return;
    std::error_code ec;
    fs::remove_all(folder_, ec);
}

StagedUpload::StagedUpload(StagedUpload&& other) noexcept
    : files(std::move(other.files)),
      collection(std::move(other.collection)),
      folder_(std::move(other.folder_)) {
    other.folder_.clear();
}

StagedUpload& StagedUpload::operator=(StagedUpload&& other) noexcept {
    if (this != &other) {
        if (!folder_.empty()) {
            std::error_code ec;
            fs::remove_all(folder_, ec);
        }
        files = std::move(other.files);
        collection = std::move(other.collection);
        folder_ = std::move(other.folder_);
        other.folder_.clear();
    }
    return *this;
}

StagedUpload read_upload_form(RequestBody& body, std::int64_t limit, const fs::path& staging_root) {
    if (body.media_type() != "multipart/form-data")
        throw HttpError(
            415, "unsupported_media_type",
            "upload files as multipart/form-data (one or more 'file' parts and an "
            "optional 'collection' field)" +
                (body.media_type().empty() ? std::string() : ", not " + body.media_type()));
    std::string boundary = body.type_parameter("boundary");
    if (boundary.empty() || boundary.size() > 200)
        throw HttpError(415, "unsupported_media_type",
                        "multipart/form-data needs a boundary parameter of 1 to 200 characters");
    body.check_length(limit);

    std::error_code ec;
    fs::create_directories(staging_root, ec);
    if (ec)
        throw_io_error("cannot create the upload staging folder", staging_root.string(),
                       ec.value());
    fs::path folder = staging_root / random_name();
    if (!fs::create_directory(folder, ec) || ec)
        throw_io_error("cannot create the upload staging folder", folder.string(), ec.value());
    fs::permissions(folder, fs::perms::owner_all, ec);
    StagedUpload upload(folder);

    BodyStreamBuf buffer(body, limit);
    std::istream in(&buffer);
    try {
        Poco::Net::MultipartReader reader(in, boundary);
        while (reader.hasNextPart()) {
            Poco::Net::MessageHeader header;
            reader.nextPart(header);
            std::string disposition_value;
            Poco::Net::NameValueCollection parameters;
            Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""),
                                                      disposition_value, parameters);
            if (Poco::icompare(disposition_value, "form-data") != 0)
                throw bad_form("each part needs Content-Disposition: form-data");
            std::string name = parameters.get("name", "");
            std::istream& part = reader.stream();
            if (name == "file") {
                if (!parameters.has("filename")) throw bad_form("a 'file' part needs a filename");
                if (upload.files.size() >= kMaxUploadFiles)
                    throw bad_form("at most " + std::to_string(kMaxUploadFiles) +
                                   " files in one upload");
                StagedFile file;
                file.name = sanitize_file_name(parameters.get("filename"));
                file.staged = folder / std::to_string(upload.files.size());
                std::ofstream out(file.staged, std::ios::binary | std::ios::trunc);
                char chunk[65536];
                while (part.read(chunk, sizeof chunk) || part.gcount() > 0) {
                    out.write(chunk, part.gcount());
                    file.size += part.gcount();
                }
                buffer.rethrow_if_failed();
                if (!out.flush())
                    throw_io_error("cannot write the uploaded file", file.staged.string(), errno);
                upload.files.push_back(std::move(file));
            } else if (name == "collection") {
                std::string value;
                char c;
                while (part.get(c)) {
                    if (value.size() >= kMaxFieldBytes)
                        throw bad_form("the collection field is longer than " +
                                       std::to_string(kMaxFieldBytes) + " bytes");
                    value += c;
                }
                buffer.rethrow_if_failed();
                upload.collection = value;
            } else {
                throw bad_form("unknown form field '" + name +
                               "' (an upload has 'file' parts and an optional 'collection')");
            }
        }
    } catch (const Poco::Exception& e) {
        buffer.rethrow_if_failed();
        throw bad_form("malformed multipart/form-data body: " + e.displayText());
    }
    buffer.rethrow_if_failed();
    if (upload.files.empty())
        throw bad_form("no file in the upload: send one or more 'file' parts with a filename");
    return upload;
}

}  // namespace deskside::http
