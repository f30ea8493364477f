"""Local stand-ins for the Ollama, OpenAI (and OpenAI-compatible) and Anthropic APIs.

The backends are tested through the real SDKs (`ollama`, `openai`,
`anthropic`), so these servers speak the services' wire protocols: the same
paths, status codes, error bodies and streaming framing (NDJSON for Ollama,
server-sent events for the other two), and they apply the services' own
rules (parameters refused, thinking, output limits, context limits). Each
rule names its source in a comment: the service's code where it is public
(ollama/ollama, ggml-org/llama.cpp, vllm-project/vllm, the SDKs), otherwise
issue reports that quote the real response. Each server runs on 127.0.0.1
on a free port, in daemon threads; every wait is bounded.

    with FakeOllama() as server:
        server.script(Reply(cut_after=2))
        client = ollama.AsyncClient(host=server.url)

Modules: `reply` (Reply, the token counting), `base` (HTTP, recording, the
reply FIFOs, streaming), `ollama` with `ollama_models` and `ollama_wire`,
`openai` with `openai_rules`, `anthropic` with `anthropic_rules`.

Scripting: `server.script(*replies, path=None)` queues `Reply` objects for the
chat path (or `path`, e.g. "/api/show"), first in first out; an empty queue
answers `Reply()`. Every server records `requests` and `chat_requests`
(`RecordedRequest`: method, path, query, lower-cased headers, JSON body) and
keeps its own bugs in `errors`. `server.prompt_tokens(body)` is what the
server counts for a recorded request's prompt.

Tokens (`reply`): text counts one token per started four characters
(`count_tokens`); a prompt counts each message's text plus MESSAGE_OVERHEAD
(4) tokens (`prompt_tokens`); an answer counts one token per delta, thinking
included. Output limits apply to those delta-tokens, thinking first.

`Reply` fields, all protocols:
  chunks, thinking           the answer's deltas; thinking deltas come first
                             when the model thinks (see each server)
  status, retry_after        an error status (the API's own body), Retry-After
  error_message, error_type  override the error body's message and type
  echo_headers               request headers (e.g. "authorization",
                             "x-api-key") repeated in the error message, as
                             some gateways do
  redirect_to                answer 307 with this Location instead
  cut_after, cut_mode        FIN ("close") or RST ("reset") after N deltas
  omit_final                 end the body properly without the final marker
  stall_after, stall_seconds a pause after N deltas
  delay                      seconds between deltas (the model's pace)
  error_event_after          the protocol's in-stream error after N deltas
  malformed_after            a frame that is not JSON
  wrong_type_after           a well-formed frame whose text is the number 42
  keepalive_after, keepalive_every
                             from N deltas on only keep-alives (OpenAI
                             ": keep-alive" comments, Anthropic ping events;
                             Ollama sends none), until the client leaves
  split_frames               each frame in three TCP sends
  input_tokens               the prompt count to report (None: counted)
  cached_tokens, cache_write_tokens
                             OpenAI cached_tokens; Anthropic cache read and
                             creation tokens (reported with cache_control)
  stop_reason                done_reason / finish_reason / stop_reason (e.g.
                             Anthropic "refusal", "model_context_window_exceeded")

FakeOllama(models, cloud_models, pullable, *, default_context=4096,
load_seconds=0.0): /api/chat, /api/show, /api/ps, /api/tags, /api/pull,
/api/version. Models are described by `OllamaModel` (family, capabilities,
context_length, think_levels_only; KNOWN_MODELS has qwen3:4b (thinks),
llama3.2:1b (does not), gpt-oss:20b/120b (levels only)).
  think          bool or "low"/"medium"/"high"/"max"; anything else 400; true
                 to a model without the capability 400; unset on a thinking
                 model means true; gpt-oss ignores true/false (thinks at
                 "medium") and maps "max" to "high". Thinking streams as
                 message.thinking chunks (content "") before the content.
  num_predict    bounds thinking + content; reached, done_reason "length"
  num_ctx        the context (default `default_context`), capped at the
                 model's context_length; a change reloads the model
  long prompts   cut silently: earlier messages dropped, then num_keep (4)
                 tokens plus the tail kept; prompt_eval_count is the cut size
                 (a deepseek2 model, or shift: false, answers 400 instead)
  loading        the first chat of a model, and each reload, waits
                 `load_seconds` before answering and reports load_duration;
                 `messages: []` only loads (done_reason "load"), taking
                 its scripted replies from script(..., path=LOAD_SCRIPT);
                 with keep_alive 0 it unloads ("unload")
  timings        durations are measured: load_duration from the request to
                 the model loaded, prompt_eval_duration from there to the
                 first delta, eval_duration from the first delta to the last
                 (so (eval_count - 1) / eval_duration is the pace sent)
  format         accepted and recorded
  /api/show      capabilities, model_info["<family>.context_length"],
                 details; scriptable with script(..., path="/api/show")
  records        `chats` (OllamaChat: num_ctx asked, context, think asked,
                 thinking done, load "cold"/"reload", prompt fit, num_predict,
                 format, done_reason), `loads`, `reloads`, `loaded`

FakeOpenAI(models, *, flavor="openai"|"llama.cpp"|"vllm", reasoning=None,
context_length=None, reasoning_efforts=None): /v1/chat/completions, /v1/models.
  openai         reasoning models (gpt-5*, o1*, o3*, o4*): max_tokens 400
                 unsupported_parameter; temperature other than 1 400
                 unsupported_value; reasoning_effort outside the model's list
                 400; max_completion_tokens bounds hidden reasoning + text
                 (spent on reasoning: content "", finish_reason "length");
                 hidden reasoning takes delay per token before the first
                 chunk; usage has completion_tokens_details.reasoning_tokens
                 and prompt_tokens_details.cached_tokens; a prompt over the
                 context is 400 context_length_exceeded
  llama.cpp      reasoning in delta.reasoning_content; a prompt of n_ctx
                 tokens or more is 400 exceed_context_size_error; output
                 stops ("length") when the context is full
  vllm           reasoning in delta.reasoning; vLLM's context errors
  reasoning      override where thinking goes: "hidden", "reasoning_content",
                 "reasoning", "think_tags" (<think>...</think> in content;
                 tags split across chunks by scripting them in `chunks`)
  chat_template_kwargs.enable_thinking false, or reasoning_effort "none"
  (openai), turn thinking off.

FakeAnthropic(models, *, context_window=200000): /v1/messages, /v1/models.
  thinking       {type: "enabled", budget_tokens} or {type: "adaptive"}: a
                 thinking block (thinking_delta events, signature_delta)
                 before the text block; thinking counts toward max_tokens;
                 display "omitted" streams no thinking text; budget < 1024
                 or >= max_tokens 400
  max_tokens     reached, stop_reason "max_tokens"
  temperature    claude-opus-4-7 and later: "`temperature` is deprecated for
                 this model."; sonnet-4-5/haiku-4-5 generation: temperature
                 with top_p 400; with thinking, only 1
  context        a prompt over context_window 400 "prompt is too long"
  cache          cache_read_input_tokens / cache_creation_input_tokens from
                 the reply, when the request uses cache_control
"""

from __future__ import annotations

from .anthropic import FakeAnthropic
from .base import Exchange, FakeServer, RecordedRequest, closed_port
from .ollama import LOAD_SCRIPT, OLLAMA_CLOUD_HOST, PULL_TOTAL, FakeOllama
from .ollama_models import KNOWN_MODELS, OllamaChat, OllamaModel
from .openai import FakeOpenAI
from .reply import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    MAX_WAIT_SECONDS,
    MESSAGE_OVERHEAD,
    Reply,
    count_tokens,
    prompt_tokens,
)

__all__ = [
    "DEFAULT_CHUNKS",
    "DEFAULT_TEXT",
    "KNOWN_MODELS",
    "LOAD_SCRIPT",
    "MAX_WAIT_SECONDS",
    "MESSAGE_OVERHEAD",
    "OLLAMA_CLOUD_HOST",
    "PULL_TOTAL",
    "Exchange",
    "FakeAnthropic",
    "FakeOllama",
    "FakeOpenAI",
    "FakeServer",
    "OllamaChat",
    "OllamaModel",
    "RecordedRequest",
    "Reply",
    "closed_port",
    "count_tokens",
    "prompt_tokens",
]
