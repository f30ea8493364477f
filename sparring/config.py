"""The settings file: one typed model, read with tomllib, written with tomli-w.

Every key is checked when the file is read: a wrong type or an unknown key is
reported with the file, the line and the key, so `sparring` never starts on a
half-understood config. API keys never live here: an endpoint names the
environment variable (or the command) that holds its key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sparring import paths, secret
from sparring.errors import ConfigError, did_you_mean
from sparring.typed import Malformed, toml_data

#: Where a model runs, from the most private: this machine (a loopback address), the
#: writer's own network (a private address, declared so), the cloud (anything else).
Location = Literal["local", "network", "cloud"]
LOCATIONS: tuple[Location, ...] = ("local", "network", "cloud")
#: The places on the writer's own hardware: free to run, the "local" side of a comparison.
OWN_HARDWARE: tuple[Location, ...] = ("local", "network")
PROVIDERS = ("local", "ollama", "openai", "anthropic")
#: The built-in providers whose URL can be moved (OLLAMA_HOST, OPENAI_BASE_URL,
#: ANTHROPIC_BASE_URL), and what is behind it unless `[locations]` says otherwise: Ollama
#: serves models itself; an OpenAI or Anthropic URL is as often a gateway to the cloud
#: (LiteLLM and the like) as a model, so it is the cloud until the writer says it is not.
DEFAULT_LOCATIONS: dict[str, Location] = {
    "ollama": "local",
    "openai": "cloud",
    "anthropic": "cloud",
}


@dataclass(frozen=True)
class Endpoint:
    """A named OpenAI-compatible server, used as `NAME:MODEL`."""

    name: str
    base_url: str
    api_key_env: str | None = None
    api_key_command: str | None = None
    location: Location = "cloud"


@dataclass(frozen=True)
class LocalSettings:
    """The embedded llama.cpp model."""

    #: What plain `local` runs instead of SmolLM2: a path, or a name as `local:NAME` takes it.
    model_path: str | None = None
    n_ctx: int = 4096
    threads: int | None = None
    max_tokens: int = 512


#: How much a model should think: "auto" leaves it to the model and its service.
THINK_SETTINGS = ("auto", "off", "low", "medium", "high")


@dataclass(frozen=True)
class ModelSettings:
    """Settings for one model, by the name the writer uses (an alias or PROVIDER:MODEL)."""

    think: str = "auto"
    #: The languages the model handles (codes such as "en", "sv"); None: not said.
    languages: tuple[str, ...] | None = None
    #: Hold this model's list answers to exactly the count asked (see lists.py); None:
    #: the default, which is yes for a model on this machine, no for one in the cloud.
    exact_count: bool | None = None
    #: The model's context window in tokens, for a server that cannot be asked (an
    #: OpenAI-compatible one); None: asked where it can be (see Backend.prompt_room).
    context: int | None = None


@dataclass(frozen=True)
class TaskSettings:
    """Settings for one task: the model it runs on when none is named (-m)."""

    model: str | None = None


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float
    #: Input read from the service's prompt cache, and written to it; None: the input price.
    cached_input_per_million: float | None = None
    cache_write_per_million: float | None = None


@dataclass(frozen=True)
class Config:
    default_model: str = "local"
    compare: tuple[str, ...] = ()
    max_tokens: int = 1024
    #: Tokens a reasoning model may think, on top of the answer's max_tokens.
    thinking_budget: int = 4096
    temperature: float | None = None
    stall_timeout: float = 120.0
    max_context_chars: int = 400_000
    # "ask" before context first leaves the machine, refuse it ("local-only"),
    # or let it go ("allow-cloud", like --yes on every run).
    privacy: Literal["ask", "local-only", "allow-cloud"] = "ask"
    aliases: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    local: LocalSettings = field(default_factory=LocalSettings)
    pricing: dict[str, Price] = field(default_factory=dict)
    models: dict[str, ModelSettings] = field(default_factory=dict)
    #: What is behind a built-in provider's URL (see DEFAULT_LOCATIONS).
    locations: dict[str, Location] = field(default_factory=dict)
    tasks: dict[str, TaskSettings] = field(default_factory=dict)
    source: Path | None = None

    def task_model(self, task: str | None) -> str:
        """The model a task runs on when none is named: its own, else default_model."""
        settings = self.tasks.get(task or "")
        return settings.model if settings is not None and settings.model else self.default_model

    def model_settings(self, name: str) -> ModelSettings:
        """The settings for a model as named, else for what an alias stands for."""
        seen: set[str] = set()
        while name not in self.models and name in self.aliases and name not in seen:
            seen.add(name)
            name = self.aliases[name]
        return self.models.get(name, ModelSettings())


@dataclass(frozen=True)
class Privacy:
    """Where the context may go, decided once from the flags and the config.

    `local_only` refuses every model that is not on this machine before any
    connection; `allow_cloud` sends to the cloud without asking (--yes, or
    `privacy = "allow-cloud"`); neither: the writer is asked first.
    """

    local_only: bool = False
    allow_cloud: bool = False

    @classmethod
    def resolve(cls, config: Config, *, local_only: bool = False, yes: bool = False) -> Privacy:
        if local_only or config.privacy == "local-only":
            return cls(local_only=True)
        return cls(allow_cloud=yes or config.privacy == "allow-cloud")


def load(path: Path | None = None) -> Config:
    """The config at `path` (default: the user's), or the defaults if there is none."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", hint="save it as UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    try:
        data = toml_data(text)
    except Malformed as error:
        raise ConfigError(
            f"{path}: {error}", hint="fix the line named, or move the file away"
        ) from None
    return _Reader(path, text).config(data)


#: The numbers a setting may take, (section, key) -> (lowest, highest): a value outside
#: (or a NaN) would be accepted now and make every run fail later.
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("", "max_tokens"): (1, 1_000_000),
    ("", "thinking_budget"): (0, 1_000_000),
    ("", "temperature"): (0.0, 2.0),
    ("", "stall_timeout"): (0.1, 86_400.0),
    ("", "max_context_chars"): (1, 100_000_000),
    ("local", "n_ctx"): (16, 10_000_000),
    ("local", "threads"): (1, 1024),
    ("local", "max_tokens"): (1, 1_000_000),
    ("pricing", "input_per_million"): (0.0, 1_000_000.0),
    ("pricing", "output_per_million"): (0.0, 1_000_000.0),
    ("pricing", "cached_input_per_million"): (0.0, 1_000_000.0),
    ("pricing", "cache_write_per_million"): (0.0, 1_000_000.0),
}


class _Reader:
    """Turns the parsed TOML into a `Config`, naming file, line and key on any mistake."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def config(self, data: dict[str, Any]) -> Config:
        top = {
            "default_model": str,
            "compare": list,
            "max_tokens": int,
            "thinking_budget": int,
            "temperature": float,
            "stall_timeout": float,
            "max_context_chars": int,
            "privacy": str,
            "aliases": dict,
            "endpoints": dict,
            "local": dict,
            "pricing": dict,
            "models": dict,
            "locations": dict,
            "tasks": dict,
        }
        self._check_keys(data, top, section="")
        values: dict[str, Any] = {}
        for key in (
            "default_model",
            "max_tokens",
            "thinking_budget",
            "temperature",
            "stall_timeout",
        ):
            if key in data:
                values[key] = self._typed(data, key, top[key], "")
        if "max_context_chars" in data:
            values["max_context_chars"] = self._typed(data, "max_context_chars", int, "")
        if "privacy" in data:
            privacy = self._typed(data, "privacy", str, "")
            if privacy not in ("ask", "local-only", "allow-cloud"):
                self._fail("", "privacy", 'must be "ask", "local-only" or "allow-cloud"')
            values["privacy"] = privacy
        if "compare" in data:
            compare = self._typed(data, "compare", list, "")
            if not all(isinstance(item, str) for item in compare):
                self._fail("", "compare", "must be a list of model names")
            values["compare"] = tuple(compare)
        if "aliases" in data:
            aliases = self._typed(data, "aliases", dict, "")
            for name, target in aliases.items():
                if not isinstance(target, str):
                    self._fail("aliases", name, f"must be a model name, not {_kind(target)}")
            values["aliases"] = dict(aliases)
        if "endpoints" in data:
            values["endpoints"] = {
                name: self._endpoint(name, table)
                for name, table in self._typed(data, "endpoints", dict, "").items()
            }
        if "local" in data:
            values["local"] = self._local(self._typed(data, "local", dict, ""))
        if "models" in data:
            values["models"] = {
                name: self._model_settings(name, table)
                for name, table in self._typed(data, "models", dict, "").items()
            }
        if "locations" in data:
            values["locations"] = self._locations(self._typed(data, "locations", dict, ""))
        if "tasks" in data:
            values["tasks"] = {
                name: self._task_settings(name, table)
                for name, table in self._typed(data, "tasks", dict, "").items()
            }
        if "pricing" in data:
            values["pricing"] = {
                name: self._price(name, table)
                for name, table in self._typed(data, "pricing", dict, "").items()
            }
        return Config(source=self.path, **values)

    def _endpoint(self, name: str, table: Any) -> Endpoint:
        section = f"endpoints.{name}"
        if not isinstance(table, dict):
            self._fail("endpoints", name, f"must be a table, not {_kind(table)}")
        if name in PROVIDERS:
            self._fail("endpoints", name, f"'{name}' is a built-in provider; pick another name")
        fields = {"base_url": str, "api_key_env": str, "api_key_command": str, "location": str}
        self._check_keys(table, fields, section)
        if "base_url" not in table:
            raise ConfigError(
                f"{self.path}: [{section}] has no base_url",
                hint='add base_url = "http://host:port/v1"',
            )
        values = {key: self._typed(table, key, fields[key], section) for key in table}
        if values.get("location", "cloud") not in LOCATIONS:
            self._fail(section, "location", 'must be "local", "network" or "cloud"')
        if values.get("api_key_env"):
            # Its value is a key from now on, to be redacted wherever it would show.
            secret.watch_variable(values["api_key_env"])
        return Endpoint(name=name, **values)

    def _locations(self, table: dict[str, Any]) -> dict[str, Location]:
        locations: dict[str, Location] = {}
        for provider, location in table.items():
            if provider not in DEFAULT_LOCATIONS:
                self._fail(
                    "locations",
                    provider,
                    f"is not a built-in provider with a URL ({', '.join(DEFAULT_LOCATIONS)}); "
                    "an endpoint says its own location",
                )
            if location not in LOCATIONS:
                self._fail("locations", provider, 'must be "local", "network" or "cloud"')
            locations[provider] = location
        return locations

    def _local(self, table: dict[str, Any]) -> LocalSettings:
        fields = {"model_path": str, "n_ctx": int, "threads": int, "max_tokens": int}
        self._check_keys(table, fields, "local")
        return LocalSettings(
            **{key: self._typed(table, key, fields[key], "local") for key in table}
        )

    def _model_settings(self, name: str, table: Any) -> ModelSettings:
        section = f'models."{name}"'
        if not isinstance(table, dict):
            self._fail("models", name, f"must be a table, not {_kind(table)}")
        fields = {"think": str, "languages": list, "exact_count": bool, "context": int}
        self._check_keys(table, fields, section)
        think = self._typed(table, "think", str, section) if "think" in table else "auto"
        if think not in THINK_SETTINGS:
            self._fail(section, "think", f"must be one of {', '.join(THINK_SETTINGS)}")
        languages = None
        if "languages" in table:
            listed = self._typed(table, "languages", list, section)
            if not all(isinstance(code, str) and code for code in listed):
                self._fail(section, "languages", 'must be a list of language codes, e.g. ["en"]')
            languages = tuple(code.lower() for code in listed)
        exact = self._typed(table, "exact_count", bool, section) if "exact_count" in table else None
        context = self._typed(table, "context", int, section) if "context" in table else None
        if context is not None and context < 256:
            self._fail(section, "context", "must be a context window in tokens, such as 8192")
        return ModelSettings(think=think, languages=languages, exact_count=exact, context=context)

    def _task_settings(self, name: str, table: Any) -> TaskSettings:
        section = f"tasks.{name}"
        if not isinstance(table, dict):
            self._fail("tasks", name, f"must be a table, not {_kind(table)}")
        self._check_keys(table, {"model": str}, section)
        model = self._typed(table, "model", str, section) if "model" in table else None
        return TaskSettings(model=model)

    def _price(self, name: str, table: Any) -> Price:
        section = f"pricing.{name}"
        if not isinstance(table, dict):
            self._fail("pricing", name, f"must be a table, not {_kind(table)}")
        fields = {
            "input_per_million": float,
            "output_per_million": float,
            "cached_input_per_million": float,
            "cache_write_per_million": float,
        }
        self._check_keys(table, fields, section)
        for key in ("input_per_million", "output_per_million"):
            if key not in table:
                raise ConfigError(f"{self.path}: [{section}] has no {key}")
        return Price(**{key: self._typed(table, key, float, section) for key in table})

    def _check_keys(self, table: dict[str, Any], known: Mapping[str, type], section: str) -> None:
        for key in table:
            if key not in known:
                where = f"[{section}]" if section else "the top level"
                raise ConfigError(
                    f"{self._where(section, key)}: unknown key '{key}' in {where}",
                    hint=did_you_mean(key, list(known)) or f"known keys: {', '.join(known)}",
                )

    def _typed(self, table: dict[str, Any], key: str, wanted: type, section: str) -> Any:
        value = table[key]
        if wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and wanted is not bool:
            self._fail(section, key, f"must be {_NAMES[wanted]}, not a boolean")
        if not isinstance(value, wanted):
            self._fail(section, key, f"must be {_NAMES[wanted]}, not {_kind(value)}")
        bounds = RANGES.get((section.split(".")[0], key))
        if bounds is not None and not bounds[0] <= value <= bounds[1]:  # NaN is in no range
            low, high = (f"{bound:g}" for bound in bounds)
            self._fail(section, key, f"must be from {low} to {high}, not {value}")
        return value

    def _fail(self, section: str, key: str, problem: str) -> None:
        dotted = f"{section}.{key}" if section else key
        raise ConfigError(
            f"{self._where(section, key)}: '{dotted}' {problem}",
            hint="fix the value, or run `sparring config init --force` for a fresh file",
        )

    def _where(self, section: str, key: str) -> str:
        line = self._line_of(section, key)
        return f"{self.path}, line {line}" if line else str(self.path)

    def _line_of(self, section: str, key: str) -> int | None:
        """The line that sets `key` in `[section]`, found by reading the text again."""
        current = ""
        key_pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
        for number, line in enumerate(self.lines, start=1):
            found = header.match(line)
            if found:
                current = found.group(1).replace('"', "").replace("'", "")
                if current == f"{section}.{key}" if section else current == key:
                    return number
                continue
            if current == section and key_pattern.match(line):
                return number
            if section.startswith(current + ".") or (not current and section):
                # `local.n_ctx = 1` or `[local] n_ctx` both count.
                dotted = section[len(current) + 1 :] if current else section
                if re.match(rf"^\s*{re.escape(dotted)}\.{re.escape(key)}\s*=", line):
                    return number
        return None


_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a table",
    bool: "true or false",
}


def _kind(value: Any) -> str:
    for kind, name in _NAMES.items():
        if isinstance(value, bool):
            return "a boolean"
        if isinstance(value, kind):
            return name
    return type(value).__name__


def starter_config() -> dict[str, Any]:
    """What `sparring config init` writes: working defaults and examples to edit."""
    return {
        "default_model": "local",
        "compare": ["small", "flagship"],
        "aliases": {
            "small": "local",
            "flagship": "anthropic:claude-opus-4-1",
        },
        "local": {"n_ctx": LocalSettings.n_ctx, "max_tokens": LocalSettings.max_tokens},
        "endpoints": {
            "groq": {
                "base_url": "https://api.groq.com/openai/v1",
                "api_key_env": "GROQ_API_KEY",
                "location": "cloud",
            },
        },
    }


def write_starter(path: Path | None = None, *, force: bool = False) -> Path:
    import tomli_w

    from sparring.files import write_private_atomically

    path = path or paths.config_file()
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists", hint="edit it, or pass --force to replace it")
    write_private_atomically(path, tomli_w.dumps(starter_config()))
    return path
