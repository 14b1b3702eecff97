#include "test_certificate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace deskside::testing {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

void add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    check(ext != nullptr, "extension");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

}  // namespace

TestCertificate make_self_signed_certificate(const std::filesystem::path& dir,
                                             const std::string& stem,
                                             const std::string& common_name,
                                             const std::string& alt_name) {
    Key key(EVP_EC_gen("P-256"));
    check(key != nullptr, "key");
    Cert cert(X509_new());
    check(cert != nullptr, "certificate");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_subject_alt_name, alt_name);
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign");

    TestCertificate out{dir / (stem + ".key"), dir / (stem + ".pem")};
    std::unique_ptr<std::FILE, FileCloser> key_out(std::fopen(out.key_file.c_str(), "wb"));
    check(key_out && PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                          nullptr) == 1,
          "write key");
    std::unique_ptr<std::FILE, FileCloser> cert_out(std::fopen(out.cert_file.c_str(), "wb"));
    check(cert_out && PEM_write_X509(cert_out.get(), cert.get()) == 1, "write certificate");
    return out;
}

}  // namespace deskside::testing
