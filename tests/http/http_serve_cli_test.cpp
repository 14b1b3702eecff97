// `deskside serve` itself: the real binary over an index made by `deskside index`, answering
// an upload (indexed through extraction worker processes, as the command line indexes) and a
// search, then stopping cleanly on SIGTERM.
#include <Poco/Net/ServerSocket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "http_test_support.h"
#include "process.h"

extern char** environ;

namespace deskside {
namespace {

using namespace testing;

std::uint16_t free_port() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

TEST(DesksideServe, ServesUploadsAndSearchesAndStopsOnSigterm) {
    std::signal(SIGPIPE, SIG_IGN);
    TempDir tmp;
    fs::create_directories(tmp / "docs");
    fs::copy_file(corpus_dir() / "txt" / "tika-testTXT.txt", tmp / "docs" / "tika-testTXT.txt");
    std::string data = (tmp / "data").string();
    auto indexed = run_deskside({"index", (tmp / "docs").string(), "--data", data, "--quiet"});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.err;

    std::uint16_t port = free_port();
    std::string listen = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {DESKSIDE_BINARY, "serve", "--data", data, "--listen", listen};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);

    bool up = eventually(
        [&] {
            try {
                return get(port, "/api/health").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        std::chrono::seconds(20));
    if (up) {
        Reply uploaded =
            upload(port, Multipart()
                             .field("collection", "inbox")
                             .file("notes.txt", "The serval inventory is complete.\n"));
        EXPECT_EQ(uploaded.status, 201) << uploaded.body;
        EXPECT_EQ(uploaded.json()["documents"][0]["status"], "indexed") << uploaded.body;
        Reply found = get(port, "/api/search?q=serval");
        ASSERT_EQ(found.status, 200) << found.body;
        auto body = found.json();
        ASSERT_EQ(body["results"].size(), 1u) << found.body;
        EXPECT_EQ(body["results"][0]["collection"], "inbox");
        EXPECT_TRUE(fs::exists(tmp / "data" / "uploads" / "inbox" / "notes.txt"));
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(up) << "deskside serve did not answer on " << listen;
    EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace deskside
