// The LSA model file: a fixed header, four arrays and a trailing checksum (layout in
// lsa/lsa_file.h). Sizes from the header are checked against the byte count before any array is
// read, and the content invariants are checked after, by the same function encode_model uses.
#include "lsa/lsa_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/utf8.h"

namespace deskside::lsa {

static_assert(std::endian::native == std::endian::little, "the model file is little-endian");

namespace {

constexpr char kMagic[8] = {'D', 'S', 'K', 'L', 'S', 'A', '\0', '\0'};
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kChecksumBytes = 8;

[[noreturn]] void fail(std::string_view name, const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, std::string(name) + ": " + problem);
}

// The invariants a model must keep, whether it comes from a fit or from a file.
void validate(const LsaModelData& m, std::string_view name) {
    if (m.dimension < 1 || m.dimension > kMaxDimension) {
        fail(name, "LSA dimension " + std::to_string(m.dimension) + " is outside 1.." +
                       std::to_string(kMaxDimension));
    }
    if (m.terms.empty() || m.terms.size() > kMaxTerms) {
        fail(name, "LSA term count " + std::to_string(m.terms.size()) + " is outside 1.." +
                       std::to_string(kMaxTerms));
    }
    if ((m.flags & ~kFlagStem) != 0) fail(name, "unknown LSA flags " + std::to_string(m.flags));
    const std::size_t k = static_cast<std::size_t>(m.dimension);
    const std::size_t n = m.terms.size();
    if (m.singular_values.size() != k || m.idf.size() != n || m.projection.size() != n * k) {
        fail(name, "LSA array sizes disagree with dimension and term count");
    }
    if (!std::isfinite(m.sigma_exponent)) fail(name, "sigma exponent is not finite");
    for (std::size_t i = 0; i < k; ++i) {
        const float s = m.singular_values[i];
        if (!std::isfinite(s) || s <= 0 || (i > 0 && s > m.singular_values[i - 1])) {
            fail(name, "singular value " + std::to_string(i) + " is not positive and descending");
        }
    }
    for (std::size_t t = 0; t < n; ++t) {
        if (!std::isfinite(m.idf[t]) || m.idf[t] <= 0) {
            fail(name, "idf of term " + std::to_string(t) + " is not a positive number");
        }
        const std::string& term = m.terms[t];
        if (term.empty() || term.size() > std::numeric_limits<std::uint16_t>::max()) {
            fail(name, "term " + std::to_string(t) + " has a bad length");
        }
        if (!utf8::is_valid(term)) fail(name, "term " + std::to_string(t) + " is not UTF-8");
        if (t > 0 && !(m.terms[t - 1] < term)) {
            fail(name, "terms are not strictly ascending at term " + std::to_string(t) + " ('" +
                           term + "')");
        }
    }
    for (std::size_t i = 0; i < m.projection.size(); ++i) {
        if (!std::isfinite(m.projection[i])) {
            fail(name, "projection value " + std::to_string(i) + " is not finite");
        }
    }
}

class Writer {
  public:
    explicit Writer(std::string& out) : out_(out) {}
    template <typename T>
    void put(T value) {
        char bytes[sizeof(T)];
        std::memcpy(bytes, &value, sizeof(T));
        out_.append(bytes, sizeof(T));
    }
    void put_floats(const std::vector<float>& values) {
        out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    }
    void put_bytes(std::string_view bytes) { out_.append(bytes); }

  private:
    std::string& out_;
};

// A cursor over bytes whose total size has already been checked against the header.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    template <typename T>
    T get() {
        T value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }
    std::vector<float> get_floats(std::size_t count) {
        std::vector<float> values(count);
        std::memcpy(values.data(), bytes_.data() + pos_, count * sizeof(float));
        pos_ += count * sizeof(float);
        return values;
    }
    std::string_view get_bytes(std::size_t count) {
        std::string_view out = bytes_.substr(pos_, count);
        pos_ += count;
        return out;
    }
    std::size_t position() const { return pos_; }

  private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

// Closes a POSIX file descriptor on scope exit.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Closes now and reports close()'s errno (0 on success): a failed close can lose data.
    int close() {
        int err = ::close(fd_) == 0 ? 0 : errno;
        fd_ = -1;
        return err;
    }

  private:
    int fd_;
};

}  // namespace

std::string encode_model(const LsaModelData& m) {
    validate(m, "LSA model");
    std::uint64_t term_bytes = 0;
    for (const std::string& term : m.terms) term_bytes += 2 + term.size();
    const std::size_t n = m.terms.size();
    std::string out;
    out.reserve(kHeaderBytes + 4 * (m.singular_values.size() + n + m.projection.size()) +
                term_bytes + kChecksumBytes);
    Writer w(out);
    w.put_bytes(std::string_view(kMagic, sizeof(kMagic)));
    w.put<std::uint32_t>(kModelFileVersion);
    w.put<std::uint32_t>(m.flags);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(m.dimension));
    w.put<std::uint32_t>(static_cast<std::uint32_t>(n));
    w.put<std::uint64_t>(m.passages);
    w.put<std::uint64_t>(m.seed);
    w.put<std::uint32_t>(m.min_df);
    w.put<std::uint32_t>(m.power_iterations);
    w.put<float>(m.sigma_exponent);
    w.put<std::uint32_t>(0);
    w.put<std::uint64_t>(term_bytes);
    w.put_floats(m.singular_values);
    w.put_floats(m.idf);
    for (const std::string& term : m.terms) {
        w.put<std::uint16_t>(static_cast<std::uint16_t>(term.size()));
        w.put_bytes(term);
    }
    w.put_floats(m.projection);
    w.put<std::uint64_t>(XXH3_64bits(out.data(), out.size()));
    return out;
}

LsaModelData decode_model(std::string_view bytes, std::string_view name) {
    if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
        fail(name, "not an LSA model file (bad magic)");
    }
    if (bytes.size() < kHeaderBytes + kChecksumBytes) {
        fail(name,
             "truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the LSA header");
    }
    Reader r(bytes);
    r.get_bytes(sizeof(kMagic));
    const auto version = r.get<std::uint32_t>();
    if (version != kModelFileVersion) {
        throw Error(ErrorCode::unsupported, std::string(name) + ": LSA model file version " +
                                                std::to_string(version) + " (this build reads " +
                                                std::to_string(kModelFileVersion) + ")");
    }
    LsaModelData m;
    m.flags = r.get<std::uint32_t>();
    const auto k = r.get<std::uint32_t>();
    const auto n = r.get<std::uint32_t>();
    m.passages = r.get<std::uint64_t>();
    m.seed = r.get<std::uint64_t>();
    m.min_df = r.get<std::uint32_t>();
    m.power_iterations = r.get<std::uint32_t>();
    m.sigma_exponent = r.get<float>();
    if (r.get<std::uint32_t>() != 0) fail(name, "reserved header field is not zero");
    const auto term_bytes = r.get<std::uint64_t>();
    if (k < 1 || k > static_cast<std::uint32_t>(kMaxDimension)) {
        fail(name, "LSA dimension " + std::to_string(k) + " is outside 1.." +
                       std::to_string(kMaxDimension));
    }
    if (n < 1 || n > kMaxTerms) {
        fail(name,
             "LSA term count " + std::to_string(n) + " is outside 1.." + std::to_string(kMaxTerms));
    }
    // k, n and term_bytes are bounded here, so the sum cannot overflow.
    const std::uint64_t max_term_bytes = std::uint64_t{n} * (2 + 65535);
    if (term_bytes < 3ull * n || term_bytes > max_term_bytes) {
        fail(name, "term block size " + std::to_string(term_bytes) + " is impossible for " +
                       std::to_string(n) + " terms");
    }
    const std::uint64_t expected =
        kHeaderBytes + 4ull * k + 4ull * n + term_bytes + 4ull * n * k + kChecksumBytes;
    if (bytes.size() < expected) {
        fail(name, "truncated: the header announces " + std::to_string(expected) +
                       " bytes, the file has " + std::to_string(bytes.size()));
    }
    if (bytes.size() > expected) {
        fail(name, "trailing data: the header announces " + std::to_string(expected) +
                       " bytes, the file has " + std::to_string(bytes.size()));
    }
    std::uint64_t stored;
    std::memcpy(&stored, bytes.data() + expected - kChecksumBytes, sizeof(stored));
    if (stored != XXH3_64bits(bytes.data(), expected - kChecksumBytes)) {
        fail(name, "checksum mismatch (the LSA model file is corrupt)");
    }
    m.dimension = static_cast<int>(k);
    m.singular_values = r.get_floats(k);
    m.idf = r.get_floats(n);
    const std::size_t terms_end = r.position() + term_bytes;
    m.terms.reserve(n);
    for (std::uint32_t t = 0; t < n; ++t) {
        if (r.position() + 2 > terms_end)
            fail(name, "term block ends inside term " + std::to_string(t));
        const auto length = r.get<std::uint16_t>();
        if (r.position() + length > terms_end) {
            fail(name, "term block ends inside term " + std::to_string(t));
        }
        m.terms.emplace_back(r.get_bytes(length));
    }
    if (r.position() != terms_end) fail(name, "term block has bytes after the last term");
    m.projection = r.get_floats(std::size_t{n} * k);
    validate(m, name);
    return m;
}

LsaModelData read_model_file(const std::filesystem::path& path) {
    const std::string name = path.string();
    Fd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            throw Error(ErrorCode::not_found, name + ": no such LSA model file");
        }
        throw_io_error("cannot open LSA model file", name, err);
    }
    std::string bytes;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_io_error("cannot read LSA model file", name, errno);
        }
        if (got == 0) break;
        bytes.append(buffer, static_cast<std::size_t>(got));
    }
    return decode_model(bytes, name);
}

void write_model_file(const std::filesystem::path& path, const LsaModelData& model) {
    const std::string bytes = encode_model(model);
    const std::string name = path.string();
    const std::string temp = name + ".tmp";
    {
        Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (fd.get() < 0) throw_io_error("cannot create LSA model file", temp, errno);
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t put = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
            if (put < 0) {
                if (errno == EINTR) continue;
                const int err = errno;
                ::unlink(temp.c_str());
                throw_io_error("cannot write LSA model file", temp, err);
            }
            done += static_cast<std::size_t>(put);
        }
        int err = ::fsync(fd.get()) == 0 ? 0 : errno;
        if (const int close_err = fd.close(); err == 0) err = close_err;
        if (err != 0) {
            ::unlink(temp.c_str());
            throw_io_error("cannot write LSA model file", temp, err);
        }
    }
    if (::rename(temp.c_str(), name.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        throw_io_error("cannot rename LSA model file into place", name, err);
    }
}

std::string model_digest(std::string_view encoded) {
    const XXH128_hash_t h = XXH3_128bits(encoded.data(), encoded.size());
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(32);
    for (std::uint64_t part : {h.high64, h.low64}) {
        for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(part >> shift) & 0xF];
    }
    return out;
}

}  // namespace deskside::lsa
