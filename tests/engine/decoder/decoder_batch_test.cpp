// The batched forward pass: several sequences in one pass give the logits each gets alone,
// all-positions logits agree with last-position ones, long prompts split into micro-batches,
// fork/truncate reuse a cache, and bad batches are refused without touching any sequence.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "decoder/decoder_model.h"
#include "decoder_reference.h"

namespace deskside::decoder {
namespace {

using testing::argmax;
using testing::models_dir;

DecoderOptions options(int sequences = 4, int context = 1024) {
    DecoderOptions o;
    o.context = context;
    o.max_sequences = sequences;
    o.threads = 2;
    return o;
}

float max_abs(std::span<const float> v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::fabs(x));
    return m;
}

float max_diff(std::span<const float> a, std::span<const float> b) {
    float m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

std::vector<std::int32_t> ids(int n, int n_vocab, std::uint32_t seed) {
    std::vector<std::int32_t> v(static_cast<std::size_t>(n));
    for (auto& id : v) {
        seed = seed * 1664525u + 1013904223u;
        id = static_cast<std::int32_t>(3 + (seed >> 8) % static_cast<std::uint32_t>(n_vocab - 3));
    }
    return v;
}

// Logits of `prompt` then of each of `steps`, one sequence alone.
std::vector<std::vector<float>> alone(DecoderModel& model, const std::vector<std::int32_t>& prompt,
                                      const std::vector<std::int32_t>& steps) {
    Sequence s = model.new_sequence();
    const SequenceBatch b{&s, prompt, false};
    Logits l = model.forward(std::span(&b, 1));
    std::vector<std::vector<float>> out{{l.last(0).begin(), l.last(0).end()}};
    for (std::int32_t t : steps) {
        const SequenceBatch step{&s, std::span(&t, 1), false};
        model.forward(std::span(&step, 1), l);
        out.emplace_back(l.last(0).begin(), l.last(0).end());
    }
    return out;
}

// Relative tolerance of batched vs alone: float rounding, amplified by the 8-bit rounding of
// activations where the weights are quantised (a float-level change can move a value across a
// rounding step). Measured: 1.4e-4 (F32), 3.5e-4 (F16), 8.2e-3 (Q8_0), 1.7e-2 (Q4_K_M).
struct BatchCase {
    const char* path;
    float tolerance;
};

class DecoderBatch : public ::testing::TestWithParam<BatchCase> {};

TEST_P(DecoderBatch, SequencesTogetherMatchSequencesAlone) {
    DecoderModel model = DecoderModel::open(models_dir() / GetParam().path, options());
    const int v = model.config().n_vocab;
    // Prompts of different lengths (one long enough for the GEMM paths), 5 decode steps each.
    const std::vector<std::vector<std::int32_t>> prompts = {ids(3, v, 1), ids(40, v, 2),
                                                            ids(1, v, 3), ids(17, v, 4)};
    const std::vector<std::vector<std::int32_t>> steps = {ids(5, v, 11), ids(5, v, 12),
                                                          ids(5, v, 13), ids(5, v, 14)};
    std::vector<std::vector<std::vector<float>>> expected;
    for (std::size_t i = 0; i < prompts.size(); ++i)
        expected.push_back(alone(model, prompts[i], steps[i]));

    std::vector<Sequence> seqs;
    std::vector<SequenceBatch> batch;
    for (std::size_t i = 0; i < prompts.size(); ++i) seqs.push_back(model.new_sequence());
    for (std::size_t i = 0; i < prompts.size(); ++i) batch.push_back({&seqs[i], prompts[i], false});
    Logits l = model.forward(batch);
    float worst = 0;
    for (std::size_t step = 0; step <= 5; ++step) {
        ASSERT_EQ(l.entries(), prompts.size());
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            const auto& want = expected[i][step];
            const float d = max_diff(l.last(i), want);
            worst = std::max(worst, d / max_abs(want));
            EXPECT_LE(d, GetParam().tolerance * max_abs(want))
                << "sequence " << i << " step " << step;
        }
        if (step == 5) break;
        for (std::size_t i = 0; i < prompts.size(); ++i)
            batch[i] = {&seqs[i], std::span(&steps[i][step], 1), false};
        model.forward(batch, l);
    }
    for (std::size_t i = 0; i < prompts.size(); ++i)
        EXPECT_EQ(seqs[i].length(), static_cast<int>(prompts[i].size() + 5));
    std::printf("[ measure  ] %s: batched vs alone, max |diff| / max|logit| = %.3g\n",
                GetParam().path, worst);
}

TEST_P(DecoderBatch, AllLogitsAgreeWithLastLogits) {
    DecoderModel model = DecoderModel::open(models_dir() / GetParam().path, options());
    const auto prompt = ids(24, model.config().n_vocab, 5);
    Sequence a = model.new_sequence();
    const SequenceBatch all{&a, prompt, true};
    Logits la = model.forward(std::span(&all, 1));
    ASSERT_EQ(la.rows(0), 24);
    Sequence b = model.new_sequence();
    const SequenceBatch last{&b, prompt, false};
    Logits lb = model.forward(std::span(&last, 1));
    ASSERT_EQ(lb.rows(0), 1);
    // All rows take the GEMM path for the output, the last row alone the row path.
    EXPECT_LE(max_diff(la.last(0), lb.last(0)), 1e-4f * max_abs(lb.last(0)));
    // Row 9 equals the last row of the first 10 tokens run alone.
    Sequence c = model.new_sequence();
    const SequenceBatch ten{&c, std::span(prompt).first(10), false};
    Logits lc = model.forward(std::span(&ten, 1));
    EXPECT_LE(max_diff(la.row(0, 9), lc.last(0)), GetParam().tolerance * max_abs(lc.last(0)));
}

INSTANTIATE_TEST_SUITE_P(
    Models, DecoderBatch,
    ::testing::Values(BatchCase{"stories260K.gguf", 5e-4f},
                      BatchCase{"derived/stories260K-F16.gguf", 1e-3f},
                      BatchCase{"synthetic/tiny-qwen2-synthetic-Q8_0.gguf", 2e-2f},
                      BatchCase{"synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf", 3e-2f}),
    [](const auto& info) {
        std::string s = std::filesystem::path(info.param.path).stem().string();
        for (char& c : s)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return s;
    });

TEST(DecoderSequences, LongPromptSplitsIntoMicroBatches) {
    DecoderModel model = DecoderModel::open(models_dir() / "stories260K.gguf", options(2, 2048));
    const auto prompt = ids(700, 512, 9);  // more than one 512-token micro-batch
    Sequence a = model.new_sequence();
    const SequenceBatch whole{&a, prompt, false};
    Logits la = model.forward(std::span(&whole, 1));
    Sequence b = model.new_sequence();
    const SequenceBatch first{&b, std::span(prompt).first(300), false};
    model.forward(std::span(&first, 1));
    const SequenceBatch rest{&b, std::span(prompt).subspan(300), false};
    Logits lb = model.forward(std::span(&rest, 1));
    EXPECT_EQ(a.length(), 700);
    EXPECT_EQ(b.length(), 700);
    EXPECT_LE(max_diff(la.last(0), lb.last(0)), 1e-4f * max_abs(lb.last(0)));
}

TEST(DecoderSequences, ForkAndTruncateReuseTheCache) {
    DecoderModel model = DecoderModel::open(models_dir() / "stories260K.gguf", options());
    const std::vector<std::int32_t> prompt = {1, 403, 407, 261, 378, 403, 271};
    const std::vector<std::int32_t> more = {300, 301};
    const auto want = alone(model, prompt, more);

    Sequence base = model.new_sequence();
    const SequenceBatch b{&base, prompt, false};
    model.forward(std::span(&b, 1));
    Sequence copy = model.fork(base);
    EXPECT_EQ(copy.length(), 7);
    const SequenceBatch c{&copy, more, true};
    Logits lc = model.forward(std::span(&c, 1));
    EXPECT_LE(max_diff(lc.row(0, 1), want[2]), 1e-5f * max_abs(want[2]));

    // Undo the last prompt token and feed it again: the same logits.
    base.truncate(6);
    EXPECT_EQ(base.length(), 6);
    const SequenceBatch again{&base, std::span(&prompt[6], 1), false};
    Logits la = model.forward(std::span(&again, 1));
    EXPECT_LE(max_diff(la.last(0), want[0]), 1e-5f * max_abs(want[0]));
    EXPECT_THROW(base.truncate(8), Error);
    base.clear();
    EXPECT_EQ(base.length(), 0);
}

TEST(DecoderSequences, F32CacheAgreesWithF16Cache) {
    DecoderOptions o = options();
    o.kv_type = KvType::f32;
    DecoderModel f32 = DecoderModel::open(models_dir() / "stories260K.gguf", o);
    DecoderModel f16 = DecoderModel::open(models_dir() / "stories260K.gguf", options());
    const std::vector<std::int32_t> prompt = {1, 403, 407, 261, 378, 403, 271, 261};
    const auto a = alone(f32, prompt, {300, 301});
    const auto b = alone(f16, prompt, {300, 301});
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_LE(max_diff(a[i], b[i]), 5e-3f * max_abs(a[i]));
        EXPECT_EQ(argmax(a[i]), argmax(b[i]));
    }
}

TEST(DecoderSequences, BadBatchesAreRefusedAndChangeNothing) {
    DecoderModel model = DecoderModel::open(models_dir() / "stories260K.gguf", options(2, 16));
    Sequence s = model.new_sequence();
    const std::vector<std::int32_t> ok = {1, 2, 3};
    const SequenceBatch first{&s, ok, false};
    model.forward(std::span(&first, 1));
    ASSERT_EQ(s.length(), 3);

    auto refused = [&](std::vector<SequenceBatch> batch, const char* what) {
        try {
            model.forward(batch);
            ADD_FAILURE() << "accepted: " << what;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
        EXPECT_EQ(s.length(), 3);
    };
    const std::vector<std::int32_t> bad_id = {5, 512};
    const std::vector<std::int32_t> too_many(14, 7);
    const std::vector<std::int32_t> none;
    refused({}, "empty");
    refused({{&s, bad_id, false}}, "outside the vocabulary");
    refused({{&s, too_many, false}}, "exceed its context of 16");
    refused({{&s, none, false}}, "no tokens");
    refused({{&s, ok, false}, {&s, ok, false}}, "twice");
    refused({{nullptr, ok, false}}, "no sequence");

    DecoderModel other = DecoderModel::open(models_dir() / "stories260K.gguf", options(1, 16));
    Sequence foreign = other.new_sequence();
    refused({{&s, ok, false}, {&foreign, ok, false}}, "another model");
}

TEST(DecoderSequences, SequenceSlotsAreLimited) {
    DecoderModel model = DecoderModel::open(models_dir() / "stories260K.gguf", options(2, 16));
    Sequence a = model.new_sequence();
    {
        Sequence b = model.new_sequence();
        try {
            model.new_sequence();
            FAIL() << "a third sequence";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::busy);
        }
    }
    EXPECT_NO_THROW(model.new_sequence());  // b's slot came back
}

}  // namespace
}  // namespace deskside::decoder

namespace deskside::decoder {
namespace {

// Whole forward passes with every kernel build this CPU runs against the portable build.
TEST(DecoderKernelBuilds, WholeModelAgreesWithScalar) {
    struct Case {
        const char* path;
        float tolerance;  // of max|logit|; quantised weights amplify float-level differences
    };
    for (const Case& c :
         {Case{"stories260K.gguf", 5e-4f}, Case{"derived/stories260K-F16.gguf", 1e-3f},
          Case{"synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf", 3e-2f}}) {
        SCOPED_TRACE(c.path);
        DecoderOptions o = options(1, 256);
        o.kernels = KernelChoice::scalar;
        DecoderModel reference = DecoderModel::open(models_dir() / c.path, o);
        EXPECT_EQ(reference.kernel_name(), "scalar");
        const auto prompt = ids(20, reference.config().n_vocab, 21);
        const auto steps = ids(3, reference.config().n_vocab, 22);
        const auto want = alone(reference, prompt, steps);
        for (KernelChoice k : {KernelChoice::avx2, KernelChoice::avx512, KernelChoice::neon}) {
            o.kernels = k;
            try {
                DecoderModel model = DecoderModel::open(models_dir() / c.path, o);
                const auto got = alone(model, prompt, steps);
                for (std::size_t i = 0; i < got.size(); ++i)
                    EXPECT_LE(max_diff(got[i], want[i]), c.tolerance * max_abs(want[i]))
                        << model.kernel_name() << " step " << i;
            } catch (const Error& e) {
                EXPECT_EQ(e.code(), ErrorCode::unsupported) << e.what();  // not on this CPU
            }
        }
    }
}

}  // namespace
}  // namespace deskside::decoder
