// /api/documents: a document with its passages, its original bytes, multipart uploads that
// are indexed at once (with hostile file names), and deletion from every index.
#include <set>

#include "http_test_support.h"
#include "store/catalog.h"

namespace deskside {
namespace {

using namespace testing;

class DocumentsTest : public ServerFixture {
  protected:
    void SetUp() override {
        index_corpus({"pdf/tika-testPDF.pdf", "txt/tika-testTXT.txt", "html/tika-testHTML.html",
                      "email/tika-testRFC822_multipart_attachments.eml"},
                     "default", tmp_ / "docs");
        start_server([](http::ServerOptions& options) { options.max_upload_bytes = 256 << 10; });
    }

    // The id of the indexed document whose path ends with `name`.
    std::int64_t id_of(const std::string& name) {
        store::Catalog catalog(data_dir().catalog_path(), store::Catalog::Mode::read_only);
        for (const auto& [id, path] : catalog.document_paths())
            if (path.size() >= name.size() &&
                path.compare(path.size() - name.size(), name.size(), name) == 0)
                return id;
        ADD_FAILURE() << "no document " << name;
        return 0;
    }

    std::set<std::string> search_names(const std::string& query) {
        Reply reply = get(port(), "/api/search?q=" + query);
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::set<std::string> out;
        auto body = reply.json();
        for (const auto& hit : body["results"])
            out.insert(fs::path(hit["path"].get<std::string>()).filename().string());
        return out;
    }

    fs::path uploads() const { return data_dir().root() / "uploads"; }
};

TEST_F(DocumentsTest, ADocumentComesWithItsMetadataAndPassages) {
    std::int64_t id = id_of("/tika-testPDF.pdf");
    Reply reply = get(port(), "/api/documents/" + std::to_string(id));
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto doc = reply.json();
    EXPECT_EQ(doc["id"], id);
    EXPECT_EQ(doc["type"], "pdf");
    EXPECT_EQ(doc["collection"], "default");
    EXPECT_EQ(doc["size"], fs::file_size(tmp_ / "docs" / "tika-testPDF.pdf"));
    EXPECT_TRUE(doc["container"].is_null());
    EXPECT_EQ(doc["file_url"], "/api/documents/" + std::to_string(id) + "/file");
    ASSERT_FALSE(doc["passages"].empty());
    std::string all;
    std::int64_t previous_end = -1;
    for (const auto& passage : doc["passages"]) {
        EXPECT_EQ(passage["page"], 1);
        EXPECT_GE(passage["char_start"].get<std::int64_t>(), 0);
        EXPECT_GT(passage["char_end"].get<std::int64_t>(), previous_end);
        previous_end = passage["char_end"];
        all += passage["text"].get<std::string>();
    }
    EXPECT_NE(all.find("newly accepted projects"), std::string::npos);

    // Search hits and the document agree on the passage.
    auto hit = get(port(), "/api/search?q=%22newly+accepted+projects%22").json()["results"][0];
    EXPECT_EQ(hit["document_id"], id);
    bool found = false;
    for (const auto& passage : doc["passages"])
        if (passage["id"] == hit["passage_id"]) {
            found = true;
            EXPECT_EQ(passage["char_start"], hit["char_start"]);
        }
    EXPECT_TRUE(found);

    EXPECT_EQ(get(port(), "/api/documents/999999").status, 404);
    EXPECT_EQ(get(port(), "/api/documents/999999").error_code(), "not_found");
    EXPECT_EQ(get(port(), "/api/documents/abc").status, 400);
    EXPECT_EQ(get(port(), "/api/documents/-3").status, 400);
    EXPECT_EQ(get(port(), "/api/documents/1", "PUT").status, 405);
}

TEST_F(DocumentsTest, TheFileIsTheOriginalBytesWithItsType) {
    struct Case {
        std::string name, type, disposition;
    };
    for (const Case& c : {Case{"tika-testPDF.pdf", "application/pdf", "inline"},
                          Case{"tika-testTXT.txt", "text/plain", "inline"},
                          Case{"tika-testHTML.html", "text/html", "attachment"}}) {
        std::int64_t id = id_of("/" + c.name);
        Reply reply = get(port(), "/api/documents/" + std::to_string(id) + "/file");
        ASSERT_EQ(reply.status, 200) << c.name << ": " << reply.body;
        EXPECT_EQ(reply.body, read_file(tmp_ / "docs" / c.name)) << c.name;
        EXPECT_EQ(reply.content_type.substr(0, c.type.size()), c.type) << reply.content_type;
        std::string disposition = reply.header("Content-Disposition");
        EXPECT_EQ(disposition.rfind(c.disposition + "; filename=\"" + c.name + "\"", 0), 0u)
            << disposition;
        EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff");
    }
    // An attachment has no file of its own: 404 pointing at its e-mail.
    store::Catalog catalog(data_dir().catalog_path(), store::Catalog::Mode::read_only);
    std::int64_t attachment = 0;
    for (const auto& [id, path] : catalog.document_paths())
        if (path.find("//") != std::string::npos) attachment = id;
    ASSERT_GT(attachment, 0);
    Reply inside = get(port(), "/api/documents/" + std::to_string(attachment) + "/file");
    EXPECT_EQ(inside.status, 404) << inside.body;
    std::int64_t mail = id_of("/tika-testRFC822_multipart_attachments.eml");
    EXPECT_EQ(inside.json()["error"]["container_id"], mail);
    Reply meta = get(port(), "/api/documents/" + std::to_string(attachment));
    EXPECT_EQ(meta.json()["container_id"], mail);
    EXPECT_TRUE(meta.json()["file_url"].is_null());

    // A file gone from disk is not found, not an error.
    fs::remove(tmp_ / "docs" / "tika-testTXT.txt");
    EXPECT_EQ(get(port(), "/api/documents/" + std::to_string(id_of("/tika-testTXT.txt")) + "/file")
                  .status,
              404);
}

TEST_F(DocumentsTest, AnUploadIsIndexedAtOnceAndSearchable) {
    std::string corrupt = read_file(corpus_dir() / "malformed" / "tika-testWORD_truncated.docx");
    Multipart form;
    form.field("collection", "inbox")
        .file("minutes.txt", "Minutes: the quokkaberry budget was approved on Tuesday.\n")
        .file("broken.docx", corrupt);
    Reply reply = upload(port(), form);
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto documents = reply.json()["documents"];
    ASSERT_EQ(documents.size(), 2u) << reply.body;
    EXPECT_EQ(documents[0]["status"], "indexed");
    ASSERT_TRUE(documents[0]["id"].is_number_integer());
    EXPECT_EQ(documents[0]["name"], "minutes.txt");
    EXPECT_EQ(documents[1]["status"], "failed");
    EXPECT_TRUE(documents[1]["id"].is_null());
    EXPECT_EQ(documents[1]["reason"].get<std::string>().rfind("corrupt", 0), 0u)
        << documents[1]["reason"];

    // Saved under uploads/<collection>/; the failed file is not kept.
    EXPECT_EQ(read_file(uploads() / "inbox" / "minutes.txt"),
              "Minutes: the quokkaberry budget was approved on Tuesday.\n");
    EXPECT_FALSE(fs::exists(uploads() / "inbox" / "broken.docx"));
    EXPECT_EQ(search_names("quokkaberry"), std::set<std::string>{"minutes.txt"});
    auto hit = get(port(), "/api/search?q=quokkaberry").json()["results"][0];
    EXPECT_EQ(hit["collection"], "inbox");
    EXPECT_EQ(hit["document_id"], documents[0]["id"]);

    Reply collections = get(port(), "/api/collections");
    ASSERT_EQ(collections.status, 200);
    bool seen = false;
    auto listed = collections.json();
    for (const auto& c : listed["collections"])
        if (c["name"] == "inbox") {
            seen = true;
            EXPECT_EQ(c["documents"], 1);
            EXPECT_TRUE(c["uploads"].get<bool>());
        }
    EXPECT_TRUE(seen) << collections.body;
    // Staging leftovers are cleaned up.
    EXPECT_TRUE(fs::is_empty(uploads() / ".incoming"));
}

TEST_F(DocumentsTest, MarkupInADocumentStaysText) {
    std::string text = "<script>alert('ocelotine')</script> <b>bold</b> ocelotine & co\n";
    Reply reply = upload(port(), Multipart().file("<img src=x onerror=alert(1)>.txt", text));
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto document = reply.json()["documents"][0];
    EXPECT_EQ(fs::path(document["path"].get<std::string>()).filename(),
              "_img src=x onerror=alert(1)_.txt");
    Reply found = get(port(), "/api/search?q=ocelotine");
    ASSERT_EQ(found.status, 200);
    EXPECT_EQ(found.content_type, "application/json; charset=utf-8");
    auto hit = found.json()["results"][0];
    // Its content makes it HTML: the script is not text of the document.
    EXPECT_EQ(hit["type"], "html");
    EXPECT_EQ(hit["snippet"], "bold ocelotine & co");
    // HTML is never shown inline from the service's origin: it is downloaded.
    Reply file =
        get(port(), "/api/documents/" + std::to_string(document["id"].get<int>()) + "/file");
    EXPECT_EQ(file.body, text);
    EXPECT_EQ(file.content_type.rfind("text/html", 0), 0u) << file.content_type;
    EXPECT_EQ(file.header("Content-Disposition").rfind("attachment; ", 0), 0u);
    EXPECT_EQ(file.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(DocumentsTest, UploadNamesCannotEscapeOrOverwrite) {
    Multipart form;
    form.file("../../escape.txt", "escape one\n")
        .file("..\\..\\windows.txt", "escape two\n")
        .file("/etc/passwd", "escape three\n")
        .file(".hidden", "hidden dot file\n")
        .file("same.txt", "first same\n")
        .file("same.txt", "second same\n")
        .file("..", "dots only\n");
    Reply reply = upload(port(), form);
    ASSERT_EQ(reply.status, 201) << reply.body;
    std::set<std::string> names;
    auto uploaded = reply.json();
    for (const auto& document : uploaded["documents"]) {
        fs::path path = document["path"].get<std::string>();
        EXPECT_EQ(path.parent_path(), uploads() / "default") << path;
        names.insert(path.filename().string());
        EXPECT_EQ(document["status"], "indexed") << document.dump();
    }
    EXPECT_EQ(names, (std::set<std::string>{"escape.txt", "windows.txt", "passwd", "hidden",
                                            "same.txt", "same-2.txt", "upload"}));
    EXPECT_FALSE(fs::exists(tmp_ / "escape.txt"));
    EXPECT_FALSE(fs::exists(data_dir().root() / "escape.txt"));
    EXPECT_EQ(read_file(uploads() / "default" / "same.txt"), "first same\n");
    EXPECT_EQ(read_file(uploads() / "default" / "same-2.txt"), "second same\n");

    // A later upload of the same name does not replace it either.
    Reply again = upload(port(), Multipart().file("same.txt", "third same\n"));
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(fs::path(again.json()["documents"][0]["path"].get<std::string>()).filename(),
              "same-3.txt");
    EXPECT_EQ(read_file(uploads() / "default" / "same.txt"), "first same\n");
}

TEST_F(DocumentsTest, BadUploadsAreRefusedAndTheServerGoesOn) {
    Multipart good;
    good.file("note.txt", "a note\n");
    RequestSpec spec;
    spec.method = "POST";
    spec.target = "/api/documents";
    spec.body = good.body();

    spec.content_type = "application/json";
    EXPECT_EQ(fetch(port(), spec).status, 415);
    spec.content_type = "multipart/form-data";  // no boundary
    EXPECT_EQ(fetch(port(), spec).status, 415);

    Reply no_file = upload(port(), Multipart().field("collection", "inbox"));
    EXPECT_EQ(no_file.status, 400) << no_file.body;
    Reply unknown = upload(port(), Multipart().file("a.txt", "a\n").field("owner", "me"));
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.body.find("owner"), std::string::npos) << unknown.body;
    for (const char* name : {"../up", "has space", "a:b", ".hidden", ""}) {
        Reply bad = upload(port(), Multipart().file("a.txt", "a\n").field("collection", name));
        EXPECT_EQ(bad.status, 400) << name << ": " << bad.body;
    }
    EXPECT_FALSE(fs::exists(uploads() / "up"));
    EXPECT_FALSE(fs::exists(data_dir().root() / "up"));

    RequestSpec malformed = spec;
    malformed.content_type = good.content_type();
    malformed.body = "--deskside-test-boundary-7MA4YWxkTrZu0gW\r\nno headers end";
    EXPECT_EQ(fetch(port(), malformed).status, 400);

    // Over serve.max_upload_mb (256 KiB here): refused from the declared length...
    Reply large = upload(port(), Multipart().file("big.txt", std::string(300 << 10, 'x')));
    EXPECT_EQ(large.status, 413) << large.body;
    EXPECT_EQ(large.error_code(), "payload_too_large");
    // ...and while reading a chunked body that has no declared length.
    RequestSpec chunked = spec;
    Multipart big;
    big.file("big.txt", std::string(300 << 10, 'y'));
    chunked.body = big.body();
    chunked.content_type = big.content_type();
    chunked.chunked = true;
    EXPECT_EQ(fetch(port(), chunked).status, 413);

    EXPECT_EQ(get(port(), "/api/health").status, 200);
    EXPECT_TRUE(search_names("note").empty());
    EXPECT_FALSE(fs::exists(uploads() / "default" / "big.txt"));
}

TEST_F(DocumentsTest, DeleteRemovesADocumentFromEverySearch) {
    Reply uploaded = upload(port(), Multipart().file("memo.txt", "The wombatine memo.\n"));
    ASSERT_EQ(uploaded.status, 201) << uploaded.body;
    std::int64_t id = uploaded.json()["documents"][0]["id"];
    ASSERT_EQ(search_names("wombatine"), std::set<std::string>{"memo.txt"});

    Reply deleted = get(port(), "/api/documents/" + std::to_string(id), "DELETE");
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    auto result = deleted.json()["deleted"];
    EXPECT_TRUE(result["uploaded"].get<bool>());
    EXPECT_TRUE(result["file_deleted"].get<bool>());
    EXPECT_TRUE(search_names("wombatine").empty());
    EXPECT_FALSE(fs::exists(uploads() / "default" / "memo.txt"));
    EXPECT_EQ(get(port(), "/api/documents/" + std::to_string(id)).status, 404);
    EXPECT_EQ(get(port(), "/api/documents/" + std::to_string(id), "DELETE").status, 404);

    // A file from an indexed folder leaves the index but stays on disk; with it go its
    // attachments.
    std::int64_t mail = id_of("/tika-testRFC822_multipart_attachments.eml");
    std::int64_t attachment = 0;
    {
        store::Catalog catalog(data_dir().catalog_path(), store::Catalog::Mode::read_only);
        for (const auto& [doc, path] : catalog.document_paths())
            if (path.find("//") != std::string::npos) attachment = doc;
    }
    Reply inside = get(port(), "/api/documents/" + std::to_string(attachment), "DELETE");
    EXPECT_EQ(inside.status, 400) << inside.body;  // delete the e-mail instead
    Reply mail_deleted = get(port(), "/api/documents/" + std::to_string(mail), "DELETE");
    ASSERT_EQ(mail_deleted.status, 200) << mail_deleted.body;
    EXPECT_GE(mail_deleted.json()["deleted"]["removed_documents"].get<int>(), 3);
    EXPECT_FALSE(mail_deleted.json()["deleted"]["file_deleted"].get<bool>());
    EXPECT_TRUE(fs::exists(tmp_ / "docs" / "tika-testRFC822_multipart_attachments.eml"));
    EXPECT_EQ(get(port(), "/api/documents/" + std::to_string(attachment)).status, 404);

    auto status = get(port(), "/api/status?check=1").json();
    EXPECT_TRUE(status["check"]["consistent"].get<bool>()) << status.dump(2);
}

}  // namespace
}  // namespace deskside
