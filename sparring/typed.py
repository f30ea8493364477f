"""Data from a file, checked at the door against the dataclass it becomes.

A session file, the sessions index or a prompt file is data that anyone (or
anything) may have written: a hand edit, a newer sparring, a broken disk. What
is read is turned into typed objects here, or refused with one line naming the
field by its path (`turns[0].replies[1].ttft must be a number, not a string`),
so nothing further on meets a number where it expected text.

`build(cls, data)` checks every field of the dataclass `cls` against its
annotation: str, int, float (finite), bool, a Literal's values, `X | None`,
lists, dicts with string keys, and nested dataclasses. A field without a
default must be there; keys the dataclass does not know are left alone (a
newer sparring may write more). `toml_data` parses TOML, turning a syntax error
or a nesting too deep to parse (a 100,000-deep array) into the same one line.
"""

from __future__ import annotations

import dataclasses
import math
import types
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


class Malformed(ValueError):
    """Data that is not what it should be; `str()` is one line naming the field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}" if path else problem)
        self.path = path


def toml_data(text: str) -> dict[str, Any]:
    """`text` parsed as TOML; raises Malformed for anything tomllib cannot take."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Malformed("", f"not valid TOML ({error})") from None
    except RecursionError:
        raise Malformed("", "not valid TOML (nested too deeply to read)") from None


def build(cls: type[T], data: object, path: str = "") -> T:
    """An instance of the dataclass `cls` from `data`, every field checked."""
    try:
        built: T = _checker(cls)(data)
    except _Wrong as wrong:
        where = path + "".join(reversed(wrong.path))
        raise Malformed(where.lstrip("."), wrong.problem) from None
    return built


def check(hint: Any, value: object, path: str = "") -> Any:
    """`value` if it fits the annotation `hint` (an int becomes a float where one is due)."""
    try:
        return _checker(hint)(value)
    except _Wrong as wrong:
        where = path + "".join(reversed(wrong.path))
        raise Malformed(where.lstrip("."), wrong.problem) from None


# The checks are compiled once per annotation into closures, so that reading the sessions
# index (ten thousand entries, some fifty fields each) stays a matter of milliseconds.
Checker = Callable[[object], Any]


class _Wrong(Exception):
    """A value that does not fit; `path` is filled in, innermost first, as it unwinds."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []


_checkers: dict[Any, Checker] = {}


def _checker(hint: Any) -> Checker:
    checker = _checkers.get(hint)
    if checker is None:
        checker = _checkers[hint] = _compile(hint)
    return checker


def _compile(hint: Any) -> Checker:
    origin = get_origin(hint)
    if hint is Any:
        return lambda value: value
    if origin is Union or origin is types.UnionType:
        return _union(hint)
    if origin is Literal:
        return _literal(hint)
    if origin is list:
        return _list(hint)
    if origin is dict:
        return _dict(hint)
    if origin is tuple:
        return _tuple(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _dataclass(hint)
    if hint in (str, int, float, bool):
        return _scalar(hint)
    raise TypeError(f"typed does not know the annotation {hint!r}")


def _scalar(hint: type) -> Checker:
    wanted = f"must be {describe(hint)}"

    def check_str(value: object) -> Any:
        if type(value) is str:
            return value
        raise _Wrong(f"{wanted}, not {kind(value)}")

    def check_int(value: object) -> Any:
        if type(value) is int:
            return value
        raise _Wrong(f"{wanted}, not {kind(value)}")

    def check_bool(value: object) -> Any:
        if type(value) is bool:
            return value
        raise _Wrong(f"{wanted}, not {kind(value)}")

    def check_float(value: object) -> Any:
        if type(value) is float or type(value) is int:
            if not math.isfinite(value):
                raise _Wrong(f"must be a finite number, not {value}")
            return float(value)
        raise _Wrong(f"{wanted}, not {kind(value)}")

    return {str: check_str, int: check_int, bool: check_bool, float: check_float}[hint]


def _union(hint: Any) -> Checker:
    options = [_checker(option) for option in get_args(hint) if option is not type(None)]
    wanted = f"must be {describe(hint)}"
    if len(options) == 1 and type(None) in get_args(hint):
        (option,) = options

        def check_optional(value: object) -> Any:
            # TOML has no null; JSON (the index) writes an absent figure as one.
            return None if value is None else option(value)

        return check_optional

    def check_union(value: object) -> Any:
        for option in options:
            try:
                return option(value)
            except _Wrong:
                continue
        raise _Wrong(f"{wanted}, not {kind(value)}")

    return check_union


def _literal(hint: Any) -> Checker:
    allowed = frozenset(get_args(hint))
    said = ", ".join(f'"{choice}"' for choice in get_args(hint))

    def check_literal(value: object) -> Any:
        if type(value) is str and value in allowed:
            return value
        raise _Wrong(f"must be one of {said}, not {kind(value)}")

    return check_literal


def _list(hint: Any) -> Checker:
    (item_hint,) = get_args(hint)
    item = _checker(item_hint)

    def check_list(value: object) -> Any:
        if type(value) is not list:
            raise _Wrong(f"must be a list, not {kind(value)}")
        return check_list_of(item, value)

    return check_list


def check_list_of(item: Checker, value: list[Any]) -> list[Any]:
    checked = []
    for index, element in enumerate(value):
        try:
            checked.append(item(element))
        except _Wrong as wrong:
            wrong.path.append(f"[{index}]")
            raise
    return checked


def _tuple(hint: Any) -> Checker:
    """A tuple, as TOML and JSON write one: a list (of a fixed length, or of any)."""
    arguments = get_args(hint)
    any_length = len(arguments) == 2 and arguments[1] is Ellipsis
    items = [_checker(argument) for argument in (arguments[:1] if any_length else arguments)]

    def check_tuple(value: object) -> Any:
        if type(value) is not list:
            raise _Wrong(f"must be a list, not {kind(value)}")
        if any_length:
            return tuple(check_list_of(items[0], value))
        if len(value) != len(items):
            raise _Wrong(f"must be a list of {len(items)}, not of {len(value)}")
        checked = []
        for index, (item, element) in enumerate(zip(items, value, strict=True)):
            try:
                checked.append(item(element))
            except _Wrong as wrong:
                wrong.path.append(f"[{index}]")
                raise
        return tuple(checked)

    return check_tuple


def _dict(hint: Any) -> Checker:
    _, value_hint = get_args(hint)
    item = _checker(value_hint)

    def check_dict(value: object) -> Any:
        if type(value) is not dict:
            raise _Wrong(f"must be a table, not {kind(value)}")
        checked = {}
        for key, element in value.items():
            try:
                checked[str(key)] = item(element)
            except _Wrong as wrong:
                wrong.path.append(f".{key}")
                raise
        return checked

    return check_dict


def _dataclass(cls: type) -> Checker:
    hints = get_type_hints(cls)
    fields = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        required = (
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        )
        hint = hints[field.name]
        fields.append((field.name, _exact_types(hint), _checker(hint), required))

    def check_dataclass(value: object) -> Any:
        if type(value) is not dict:
            raise _Wrong(f"must be a table, not {kind(value)}")
        values = {}
        for name, exact, check_field, required in fields:
            if name in value:
                field_value = value[name]
                # The common case, a value of exactly the type asked for, without a call.
                if type(field_value) in exact and (
                    type(field_value) is not float or field_value - field_value == 0
                ):
                    values[name] = field_value
                    continue
                try:
                    values[name] = check_field(field_value)
                except _Wrong as wrong:
                    wrong.path.append(f".{name}")
                    raise
            elif required:
                missing = _Wrong("is missing")
                missing.path.append(f".{name}")
                raise missing
        return cls(**values)

    return check_dataclass


def _exact_types(hint: Any) -> frozenset[type]:
    """The types whose values fit `hint` as they are (a finite float aside)."""
    if hint in (str, int, float, bool):
        return frozenset({hint})
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        options = get_args(hint)
        if all(option in (str, int, float, bool, type(None)) for option in options):
            return frozenset(options)
    if origin is Literal:
        return frozenset()
    return frozenset()


def describe(hint: Any) -> str:
    """What a value of the annotation `hint` is, as a message says it."""
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        options = [describe(option) for option in get_args(hint) if option is not type(None)]
        return " or ".join(options)
    if origin is list or origin is tuple:
        return "a list"
    if origin is dict or dataclasses.is_dataclass(hint):
        return "a table"
    return _NAMES.get(hint, str(hint))


_NAMES: dict[Any, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
}


def kind(value: object) -> str:
    """What a value is, as a message says it, with a glimpse of it."""
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:19] + "…"
        return f'the text "{shown}"'
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__
