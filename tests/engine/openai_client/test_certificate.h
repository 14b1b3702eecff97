// A self-signed certificate made for one test (OpenSSL, EC P-256, valid for a day), so the
// https path can be tested against a real TLS server without any file checked in.
// Test-only; throws std::runtime_error when OpenSSL fails.
#pragma once

#include <filesystem>
#include <string>

namespace deskside::testing {

struct TestCertificate {
    std::filesystem::path key_file;   // PEM private key
    std::filesystem::path cert_file;  // PEM certificate: also the CA file that trusts it
};

// Writes <dir>/<stem>.key and <dir>/<stem>.pem for a certificate with the subject CN
// `common_name` and the subjectAltName `alt_name` in OpenSSL's notation ("IP:127.0.0.1",
// "DNS:localhost").
TestCertificate make_self_signed_certificate(const std::filesystem::path& dir,
                                             const std::string& stem,
                                             const std::string& common_name,
                                             const std::string& alt_name);

}  // namespace deskside::testing
