// The extractive answerer (no LLM configured) on real corpus files: it quotes the sentence that
// answers, cites the right document and page, says plainly when the documents do not answer,
// keeps every [n] pointing at a listed citation, streams, cancels and filters by collection.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "answer/answer_json.h"
#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "base/utf8.h"
#include "citation_filter.h"
#include "corpus_index.h"
#include "test_support.h"

namespace deskside::answer {
namespace {

GroundedAnswerer make_answerer(retriever::SearchMode mode = retriever::SearchMode::hybrid) {
    AnswerOptions options;
    options.mode = mode;
    return GroundedAnswerer(testing::answer_corpus(), vectors::EmbeddingConfig{},
                            retriever::HybridOptions{}, nullptr, options);
}

Answer ask(const std::string& question, const std::string& collection = "",
           retriever::SearchMode mode = retriever::SearchMode::hybrid) {
    AskRequest request;
    request.question = question;
    request.collection = collection;
    return make_answerer(mode).ask(request);
}

// The quoted part of a citation's text (quote offsets are code points).
std::string quote_of(const Citation& c) {
    std::size_t pos = 0, start = 0, end = c.text.size();
    for (std::int64_t i = 0; pos < c.text.size(); ++i) {
        if (i == c.quote_start) start = pos;
        if (i == c.quote_end) {
            end = pos;
            break;
        }
        utf8::decode(c.text, pos);
    }
    return c.text.substr(start, end - start);
}

const Citation* cited_from(const Answer& a, const std::string& file) {
    for (const auto& c : a.citations)
        if (c.cited && c.path.ends_with(file)) return &c;
    return nullptr;
}

std::string dump(const Answer& a) {
    return answer_json(a).dump(2);
}

TEST(ExtractiveAnswer, QuotesTheSentenceThatAnswersAndCitesItsDocument) {
    Answer a = ask("Since when is PDF.js included in Firefox?");
    ASSERT_TRUE(a.answered) << dump(a);
    EXPECT_EQ(a.answerer, "extractive");
    EXPECT_NE(a.text.find("is included in Firefox since 2012"), std::string::npos) << a.text;
    const Citation* c = cited_from(a, "pdfjs-pdfjs_wikipedia.pdf");
    ASSERT_NE(c, nullptr) << dump(a);
    EXPECT_EQ(c->page, 1);
    EXPECT_EQ(c->collection, "mozilla");
    EXPECT_EQ(c->format, "pdf");
    EXPECT_NE(a.text.find("[" + std::to_string(c->number) + "]"), std::string::npos);
    // The quote offsets point at the sentence inside the passage text.
    ASSERT_GE(c->quote_start, 0);
    EXPECT_GT(c->quote_end, c->quote_start);
    EXPECT_NE(quote_of(*c).find("included in Firefox since 2012"), std::string::npos)
        << quote_of(*c);
    // The passage's offsets are its span of the document text.
    EXPECT_EQ(c->char_end - c->char_start, static_cast<std::int64_t>(utf8::length(c->text)));
}

TEST(ExtractiveAnswer, CitesThePageOfAMultiPagePdf) {
    Answer a = ask("What can the VM do when an exit becomes hot?");
    ASSERT_TRUE(a.answered) << dump(a);
    EXPECT_NE(a.text.find("the VM can record a branch trace starting at the exit"),
              std::string::npos)
        << a.text;
    const Citation* c = cited_from(a, "pdfjs-tracemonkey.pdf");
    ASSERT_NE(c, nullptr) << dump(a);
    EXPECT_NE(quote_of(*c).find("If an exit becomes hot"), std::string::npos) << quote_of(*c);
    EXPECT_EQ(c->page, 2);
}

TEST(ExtractiveAnswer, SaysPlainlyWhenTheDocumentsDoNotAnswer) {
    for (const char* question : {"What is the notice period for terminating the office lease?",
                                 "How much holiday pay do part-time cleaners receive?"}) {
        Answer a = ask(question);
        EXPECT_FALSE(a.answered) << question << "\n" << dump(a);
        EXPECT_EQ(a.text, kExtractiveNoAnswer);
        for (const auto& c : a.citations) {
            EXPECT_FALSE(c.cited) << question;
            EXPECT_EQ(c.quote_start, -1);
        }
        EXPECT_TRUE(find_citations(a.text).empty());
    }
}

TEST(ExtractiveAnswer, EveryCitationInTheTextIsListedAndCited) {
    for (const char* question :
         {"Since when is PDF.js included in Firefox?", "Who leads the PDF.js project?",
          "What does a trace-based compiler record?", "What is Apache Tika?",
          "Which dynamic languages are popular?", "Why are nested loops difficult to optimize?"}) {
        Answer a = ask(question);
        ASSERT_TRUE(a.answered) << question << "\n" << dump(a);
        std::set<int> in_text = find_citations(a.text);
        std::set<int> cited;
        for (const auto& c : a.citations) {
            EXPECT_EQ(c.number, static_cast<int>(&c - a.citations.data()) + 1);
            if (c.cited) cited.insert(c.number);
        }
        EXPECT_EQ(in_text, cited) << question << ": " << a.text;
        EXPECT_LE(cited.size(), 3u) << question;
        EXPECT_TRUE(a.removed_citations.empty());
        // Every sentence of the answer ends with its citation.
        static const std::regex sentence_end(R"(\[\d+\][.!?](\s|$))");
        auto ends = std::distance(std::sregex_iterator(a.text.begin(), a.text.end(), sentence_end),
                                  std::sregex_iterator());
        EXPECT_GE(ends, 1) << a.text;
        EXPECT_TRUE(a.text.ends_with("].") || a.text.ends_with("]!") || a.text.ends_with("]?"))
            << a.text;
    }
}

TEST(ExtractiveAnswer, StreamsSentenceBySentence) {
    GroundedAnswerer answerer = make_answerer();
    AskRequest request;
    request.question = "Why are nested loops difficult to optimize for tracing VMs?";
    std::vector<std::string> pieces;
    Answer a = answerer.ask(request, [&](std::string_view piece) {
        pieces.emplace_back(piece);
        return true;
    });
    ASSERT_TRUE(a.answered) << dump(a);
    std::string joined;
    for (const auto& p : pieces) joined += p;
    EXPECT_EQ(joined, a.text);
    // One piece per sentence, each ending with its own citation.
    static const std::regex citation(R"(\[\d+\])");
    for (const auto& p : pieces) {
        auto count = std::distance(std::sregex_iterator(p.begin(), p.end(), citation),
                                   std::sregex_iterator());
        EXPECT_EQ(count, 1) << p;
    }
    EXPECT_GE(a.first_token_ms, a.retrieval_ms);
    EXPECT_LE(a.first_token_ms, a.total_ms);
    EXPECT_FALSE(a.cancelled);
}

TEST(ExtractiveAnswer, StopsWhenTheClientGoesAway) {
    GroundedAnswerer answerer = make_answerer();
    AskRequest request;
    request.question = "What does a trace-based compiler record?";
    Answer full = answerer.ask(request);
    ASSERT_TRUE(full.answered);
    int calls = 0;
    Answer a = answerer.ask(request, [&](std::string_view) {
        ++calls;
        return false;
    });
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(a.cancelled);
    EXPECT_TRUE(full.text.starts_with(a.text));
}

TEST(ExtractiveAnswer, TheCollectionFilterKeepsOtherDocumentsOut) {
    Answer a = ask("Since when is PDF.js included in Firefox?", "misc");
    for (const auto& c : a.citations) EXPECT_EQ(c.collection, "misc") << c.path;
    EXPECT_EQ(a.text.find("Firefox since 2012"), std::string::npos);
    Answer b = ask("Since when is PDF.js included in Firefox?", "mozilla");
    EXPECT_TRUE(b.answered);
    for (const auto& c : b.citations) EXPECT_EQ(c.collection, "mozilla") << c.path;
}

TEST(ExtractiveAnswer, KeywordAndHybridRetrievalBothFindTheAnswer) {
    for (auto mode : {retriever::SearchMode::keyword, retriever::SearchMode::hybrid}) {
        Answer a = ask("What is Apache Tika?", "", mode);
        ASSERT_TRUE(a.answered) << dump(a);
        EXPECT_NE(a.text.find("Apache Tika is a toolkit for detecting and extracting metadata"),
                  std::string::npos)
            << a.text;
    }
}

TEST(ExtractiveAnswer, BadRequestsAreUserErrors) {
    GroundedAnswerer answerer = make_answerer();
    auto code_of = [&](AskRequest request) {
        try {
            answerer.ask(request);
        } catch (const Error& e) {
            return e.code();
        }
        return ErrorCode::internal;
    };
    EXPECT_EQ(code_of({" \n", "", {}, 8}), ErrorCode::invalid_argument);
    EXPECT_EQ(code_of({"What is Tika?", "", {}, 0}), ErrorCode::invalid_argument);
    EXPECT_EQ(code_of({"What is Tika?", "", {}, 51}), ErrorCode::invalid_argument);
    EXPECT_EQ(code_of({"???", "", {}, 8}), ErrorCode::invalid_argument);
}

TEST(ExtractiveAnswer, AQuestionOfCommonWordsOnlyIsNotAnswered) {
    for (auto mode : {retriever::SearchMode::keyword, retriever::SearchMode::hybrid}) {
        Answer a = ask("What is it, and why is it there?", "", mode);
        EXPECT_FALSE(a.answered) << dump(a);
        EXPECT_EQ(a.text, kExtractiveNoAnswer);
    }
}

TEST(ExtractiveAnswer, AMissingIndexIsNotFound) {
    testing::TempDir empty;
    try {
        GroundedAnswerer(store::DataDir(empty / "none"), vectors::EmbeddingConfig{},
                         retriever::HybridOptions{}, nullptr, AnswerOptions{});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
    }
}

TEST(ExtractiveAnswer, FirstTextComesQuickly) {
    // Not a timing assertion: the figures are printed for the report (the issue asks for the
    // first answer token under 100 ms). Median of several questions, caches warm.
    GroundedAnswerer answerer = make_answerer();
    std::vector<double> retrieval, first, compose;
    for (int round = 0; round < 3; ++round)
        for (const char* question :
             {"What does a trace-based compiler record?", "What is Apache Tika?",
              "Since when is PDF.js included in Firefox?", "Why are nested loops difficult?",
              "What is the notice period for terminating the office lease?"}) {
            AskRequest request;
            request.question = question;
            Answer a = answerer.ask(request);
            retrieval.push_back(a.retrieval_ms);
            first.push_back(a.first_token_ms);
            compose.push_back(a.first_token_ms - a.retrieval_ms);
        }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf(
        "extractive answer (median of %zu): retrieval %.2f ms, first text %.2f ms "
        "(%.2f ms after retrieval)\n",
        first.size(), median(retrieval), median(first), median(compose));
    EXPECT_EQ(first.size(), 15u);
}

}  // namespace
}  // namespace deskside::answer
