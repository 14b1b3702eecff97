// Turns a conversation into the prompt text a chat model was trained on. Like llama.cpp's
// built-in (non-jinja) formatter: the GGUF's tokenizer.chat_template (Jinja source) is not
// executed but recognised by its markers, and a hand-written formatter of that family writes the
// prompt (llama_chat_apply_template; parity checked against ../shared/models/reference `chat`).
// The prompt carries no BOS text: tokenize it with add_special=true, parse_special=true.
//
// Families and the markers that select them, tested in this order (first match wins):
//   chatml            <|im_start|> (Qwen 2/2.5/3, QwQ, SmolLM; phi4 if <|im_sep|> too)
//   mistral-v7        [INST] or a source starting "mistral", with [SYSTEM_PROMPT] (llama.cpp
//                     never picks mistral-v7-tekken by markers; only by name)
//   mistral-v1        [INST] with "' [INST] ' + system_message" or [AVAILABLE_TOOLS], " [INST]"
//   mistral-v3-tekken  as v1 but "\"[INST]\"" (Mistral-Nemo); mistral-v3: neither
//   llama2-sys-strip  [INST] with content.strip(); llama2-sys-bos: bos_token + '[INST]';
//   llama2-sys        [INST] with <<SYS>>; llama2: other [INST]
//   phi3              <|assistant|> and <|end|>
//   falcon3 / zephyr  <|assistant|> + <|user|> + </s>  /  <|user|> + <|endoftext|>
//   gemma             <start_of_turn> (Gemma 1/2/3; system text joins the first user turn)
//   gemma4            <|turn> (Gemma 4; not in llama.cpp's built-in list, after the real template)
//   deepseek          ### Instruction: and <|EOT|> (deepseek-coder)
//   command-r         <|START_OF_TURN_TOKEN|> and <|USER_TOKEN|>
//   llama3            <|start_header_id|> and <|end_header_id|> (Llama 3.x; content trimmed)
//   deepseek2         'Assistant: ' + message['content'] + eos_token
//   deepseek3         <｜Assistant｜>, <｜User｜>, <｜end▁of▁sentence｜> (V3, R1, R1 distills)
//   llama4            <|header_start|> and <|header_end|>
//   granite           <|start_of_role|>
// A template source that is itself a family name ("chatml", "llama3", ...) selects it, as in
// llama.cpp. Fallback: a model with no template, or one none of these markers recognise, is
// formatted as chatml (what llama.cpp's tools do with no template), and is_fallback() says so;
// so are the families llama.cpp knows but we do not format (SmolVLM, GLM, Vicuna, OpenChat, ...),
// which detection still recognises so that they cannot match a later, wrong family.
//
// Immutable after construction; apply() is thread-safe. apply() throws Error(invalid_argument)
// for a role other than system, user or assistant.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gguf/gguf_file.h"
#include "llm/text_generator.h"

namespace deskside::generation {

enum class ChatFamily {
    chatml,
    phi4,
    mistral_v7,
    mistral_v7_tekken,  // by name only: llama.cpp never detects it (Mistral Small 3.x is v7)
    mistral_v1,
    mistral_v3,
    mistral_v3_tekken,
    llama2,
    llama2_sys,
    llama2_sys_bos,
    llama2_sys_strip,
    phi3,
    falcon3,
    zephyr,
    gemma,
    gemma4,
    deepseek,
    command_r,
    llama3,
    deepseek2,
    deepseek3,
    llama4,
    granite,
};

// llama.cpp's name of a family ("chatml", "mistral-v3-tekken", "llama2-sys-bos", ...).
std::string_view chat_family_name(ChatFamily family);
// The family of that name, or nullopt.
std::optional<ChatFamily> chat_family_from_name(std::string_view name);

// The family a Jinja template source belongs to, by the table above; nullopt when no marker
// matches.
std::optional<ChatFamily> detect_chat_family(std::string_view template_source);

class ChatTemplate {
  public:
    explicit ChatTemplate(ChatFamily family, bool fallback = false)
        : family_(family), fallback_(fallback) {}

    // From a template source (nullopt or empty: no template); unknown sources fall back to
    // chatml.
    static ChatTemplate from_source(std::optional<std::string_view> template_source);
    // From the model's tokenizer.chat_template.
    static ChatTemplate from_gguf(const gguf::GgufFile& file);

    ChatFamily family() const { return family_; }
    // True when the model's template was missing or unrecognised and chatml stands in.
    bool is_fallback() const { return fallback_; }

    // The prompt for `messages`; with add_assistant, ends with the opening of the assistant's
    // turn so that the model writes the reply.
    std::string apply(std::span<const llm::ChatMessage> messages, bool add_assistant = true) const;

  private:
    ChatFamily family_;
    bool fallback_;
};

}  // namespace deskside::generation
