// OpenAiClient over https against a real TLS server (Poco's SecureServerSocket with a
// certificate made for the test): it works when llm.ca_file trusts the certificate, and it is
// refused when nothing trusts it or when the certificate names another host.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "base/error.h"
#include "fake_server.h"
#include "openai_client/openai_client.h"
#include "test_certificate.h"
#include "test_support.h"

namespace deskside::openai_client {
namespace {

using deskside::testing::chunk_event;
using deskside::testing::FakeServer;
using deskside::testing::finish_events;
using deskside::testing::make_self_signed_certificate;
using deskside::testing::RecordedRequest;
using deskside::testing::Reply;
using deskside::testing::TempDir;

void serve_chat(FakeServer& server) {
    server.route("/v1/chat/completions", [](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        out.chunk(chunk_event("secure ") + chunk_event("answer"));
        out.chunk(finish_events("stop", 4, 2));
        out.end();
    });
}

OpenAiClientOptions options_for(const FakeServer& server, const std::string& ca_file) {
    OpenAiClientOptions options;
    options.server.base_url = server.base_url();
    options.server.model = "test-model";
    options.server.api_key = "sk-secret";
    options.server.ca_file = ca_file;
    options.probe_context = false;
    return options;
}

llm::GenerationRequest question() {
    llm::GenerationRequest request;
    request.messages = {{"user", "Is this private?"}};
    return request;
}

std::string error_text(OpenAiClient& client) {
    try {
        client.generate(question(), {});
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
        return e.what();
    }
    ADD_FAILURE() << "the TLS connection was accepted";
    return "";
}

TEST(OpenAiClientTls, StreamsOverHttpsWhenTheCaFileTrustsTheServer) {
    TempDir dir;
    auto cert = make_self_signed_certificate(dir.path(), "server", "gpu-box", "IP:127.0.0.1");
    FakeServer server(cert.key_file.string(), cert.cert_file.string());
    serve_chat(server);
    ASSERT_EQ(server.base_url().rfind("https://", 0), 0u);
    OpenAiClient client(options_for(server, cert.cert_file.string()));
    std::string streamed;
    auto result = client.generate(question(), [&](std::string_view piece) {
        streamed += piece;
        return true;
    });
    EXPECT_EQ(result.text, "secure answer");
    EXPECT_EQ(streamed, "secure answer");
    auto sent = server.requests_to("/v1/chat/completions");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].headers["authorization"], "Bearer sk-secret");
}

TEST(OpenAiClientTls, RefusesAServerNothingTrusts) {
    TempDir dir;
    auto cert = make_self_signed_certificate(dir.path(), "server", "gpu-box", "IP:127.0.0.1");
    FakeServer server(cert.key_file.string(), cert.cert_file.string());
    serve_chat(server);
    OpenAiClient client(options_for(server, ""));  // the system's CAs only
    std::string message = error_text(client);
    EXPECT_EQ(message.rfind("cannot reach llm.url " + server.base_url() + ": TLS failed", 0), 0u)
        << message;
    EXPECT_TRUE(server.requests().empty());  // the key never left the client
}

TEST(OpenAiClientTls, RefusesACertificateForAnotherHost) {
    TempDir dir;
    // Each trusted, none made out to 127.0.0.1: another address, a DNS name that resolves to it
    // (an address is matched against IP entries only), and the address in the CN alone.
    const std::vector<std::pair<std::string, std::string>> names = {
        {"gpu-box", "IP:127.0.0.2"}, {"localhost", "DNS:localhost"}, {"127.0.0.1", "DNS:gpu-box"}};
    for (const auto& [common_name, alt_name] : names) {
        SCOPED_TRACE(alt_name);
        auto cert = make_self_signed_certificate(dir.path(), "other", common_name, alt_name);
        FakeServer server(cert.key_file.string(), cert.cert_file.string());
        serve_chat(server);
        OpenAiClient client(options_for(server, cert.cert_file.string()));
        std::string message = error_text(client);
        EXPECT_EQ(message,
                  "cannot reach llm.url " + server.base_url() +
                      ": TLS failed: Certificate validation error: the server's certificate is "
                      "not made out to 127.0.0.1")
            << message;
        EXPECT_TRUE(server.requests().empty());
    }
}

}  // namespace
}  // namespace deskside::openai_client
