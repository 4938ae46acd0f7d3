"""Whether an instance is valid under a JSON Schema (draft 2020-12), compiled once to plain functions.

jsonschema builds a validator object for every subschema it descends into, which makes a valid
instance cost about as much as an invalid one; compiled, the check of a valid instance is a small
part of that, and needs no jsonschema import. It answers only valid or not: on False the caller asks
jsonschema for the errors and their messages, so what is reported never changes. The semantics are
jsonschema's (its type checker, its equality that tells True from 1). A schema with a keyword not
implemented here compiles to a check that always answers False, which defers every instance to
jsonschema rather than pass one it would reject.
"""

from __future__ import annotations

import itertools
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

Validity = Callable[[Any], bool]
RegexFactory = Callable[[str], re.Pattern[str]]

# Keywords that assert nothing (errorMessage is this project's message for a failed keyword).
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "errorMessage",
    }
)
# Read by the check of `if`.
_READ_BY_OTHERS = frozenset({"then", "else"})


class UnsupportedSchemaError(Exception):
    """The schema uses a keyword (or a form of one) that is not compiled here."""


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


_TYPES: dict[str, Validity] = {
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}

_TRUE, _FALSE = object(), object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: True is not 1, recursively in lists and mappings."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def unique(items: list[Any]) -> bool:
    """jsonschema's uniqueItems: sorted neighbours compared when the items sort, else every pair."""
    try:
        ordered = sorted(_unbool(item) for item in items)
        return not any(equal(a, b) for a, b in zip(ordered, itertools.islice(ordered, 1, None), strict=False))
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in map(_unbool, items):
            if any(equal(other, item) for other in seen):
                return False
            seen.append(item)
        return True


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


def _all_of(checks: list[Validity]) -> Validity:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110 (a loop: cheaper than all() over a generator, in the hot path)
            if not one(value):
                return False
        return True

    return check


class _Compiler:
    def __init__(self, root: Any, regex: RegexFactory) -> None:
        self.root = root
        self.regex = regex
        self.refs: dict[str, Validity] = {}

    def compile(self, schema: Any, at_root: bool = False) -> Validity:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise UnsupportedSchemaError(f"schema {schema!r}")
        checks: list[Validity] = []
        # Type first: the cheapest check, and the one that fails most invalid instances.
        for keyword, value in sorted(schema.items(), key=lambda item: item[0] != "type"):
            if keyword in _ANNOTATIONS or keyword in _READ_BY_OTHERS or (keyword == "$id" and at_root):
                continue
            build = _KEYWORDS.get(keyword)
            if build is None:
                raise UnsupportedSchemaError(f"keyword {keyword!r}")
            checks.append(build(self, value, schema))
        return _all_of(checks)

    def ref(self, ref: Any, _schema: Mapping[str, Any]) -> Validity:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsupportedSchemaError(f"$ref {ref!r}")
        if ref not in self.refs:
            slot: list[Validity] = []  # filled after compiling, so a recursive $ref finds its entry
            self.refs[ref] = lambda value: slot[0](value)
            slot.append(self.compile(self._pointer(ref)))
        return self.refs[ref]

    def _pointer(self, ref: str) -> Any:
        target = self.root
        for token in filter(None, unquote(ref[1:]).split("/")):
            key = token.replace("~1", "/").replace("~0", "~")
            try:
                target = target[int(key)] if isinstance(target, list) else target[key]
            except (KeyError, IndexError, ValueError, TypeError) as error:
                raise UnsupportedSchemaError(f"$ref {ref!r} does not resolve") from error
        return target

    def pattern(self, pattern: Any) -> re.Pattern[str]:
        try:
            return self.regex(pattern)
        except (re.error, TypeError) as error:
            raise UnsupportedSchemaError(f"pattern {pattern!r}") from error


def _type(compiler: _Compiler, types: Any, _schema: Mapping[str, Any]) -> Validity:
    names = [types] if isinstance(types, str) else types
    try:
        tests = [_TYPES[name] for name in names]
    except (KeyError, TypeError) as error:
        raise UnsupportedSchemaError(f"type {types!r}") from error

    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _properties(compiler: _Compiler, properties: Any, _schema: Mapping[str, Any]) -> Validity:
    compiled = [(name, compiler.compile(sub)) for name, sub in properties.items()]

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name, sub in compiled:  # noqa: SIM110 (as in _all_of)
            if name in value and not sub(value[name]):
                return False
        return True

    return check


def _pattern_properties(compiler: _Compiler, patterns: Any, _schema: Mapping[str, Any]) -> Validity:
    compiled = [(re.compile(pattern), compiler.compile(sub)) for pattern, sub in patterns.items()]

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        return all(sub(item) for regex, sub in compiled for key, item in value.items() if regex.search(key))

    return check


def _additional_properties(compiler: _Compiler, additional: Any, schema: Mapping[str, Any]) -> Validity:
    declared = frozenset(schema.get("properties", {}))
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    if isinstance(additional, dict):
        sub = compiler.compile(additional)
    elif additional is False:
        sub = _never
    else:
        return _always

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            if key in declared or any(regex.search(key) for regex in patterns):
                continue
            if not sub(item):
                return False
        return True

    return check


def _property_names(compiler: _Compiler, names: Any, _schema: Mapping[str, Any]) -> Validity:
    sub = compiler.compile(names)
    return lambda value: not isinstance(value, dict) or all(sub(key) for key in value)


def _required(compiler: _Compiler, required: Any, _schema: Mapping[str, Any]) -> Validity:
    names = list(required)
    return lambda value: not isinstance(value, dict) or all(name in value for name in names)


def _dependent_required(compiler: _Compiler, dependent: Any, _schema: Mapping[str, Any]) -> Validity:
    pairs = [(name, list(needed)) for name, needed in dependent.items()]

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        return all(other in value for name, needed in pairs if name in value for other in needed)

    return check


def _min_properties(compiler: _Compiler, least: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not isinstance(value, dict) or len(value) >= least


def _max_properties(compiler: _Compiler, most: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not isinstance(value, dict) or len(value) <= most


def _items(compiler: _Compiler, items: Any, schema: Mapping[str, Any]) -> Validity:
    if isinstance(items, list):
        raise UnsupportedSchemaError("items as a list (draft 2019-09 and before)")
    prefix = len(schema.get("prefixItems", []))
    sub = compiler.compile(items)
    return lambda value: not isinstance(value, list) or all(sub(item) for item in value[prefix:])


def _prefix_items(compiler: _Compiler, prefix: Any, _schema: Mapping[str, Any]) -> Validity:
    subs = [compiler.compile(sub) for sub in prefix]
    return lambda value: (
        not isinstance(value, list) or all(sub(item) for sub, item in zip(subs, value, strict=False))
    )


def _contains(compiler: _Compiler, contains: Any, schema: Mapping[str, Any]) -> Validity:
    if "minContains" in schema or "maxContains" in schema:
        raise UnsupportedSchemaError("minContains / maxContains")
    sub = compiler.compile(contains)
    return lambda value: not isinstance(value, list) or any(sub(item) for item in value)


def _min_items(compiler: _Compiler, least: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not isinstance(value, list) or len(value) >= least


def _max_items(compiler: _Compiler, most: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not isinstance(value, list) or len(value) <= most


def _unique_items(compiler: _Compiler, wanted: Any, _schema: Mapping[str, Any]) -> Validity:
    if not wanted:
        return _always
    return lambda value: not isinstance(value, list) or unique(value)


def _pattern(compiler: _Compiler, pattern: Any, _schema: Mapping[str, Any]) -> Validity:
    regex = compiler.pattern(pattern)
    return lambda value: not isinstance(value, str) or regex.search(value) is not None


def _min_length(compiler: _Compiler, least: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not isinstance(value, str) or len(value) >= least


def _max_length(compiler: _Compiler, most: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not isinstance(value, str) or len(value) <= most


def _minimum(compiler: _Compiler, bound: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not _is_number(value) or bool(value >= bound)


def _maximum(compiler: _Compiler, bound: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not _is_number(value) or bool(value <= bound)


def _exclusive_minimum(compiler: _Compiler, bound: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not _is_number(value) or bool(value > bound)


def _exclusive_maximum(compiler: _Compiler, bound: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: not _is_number(value) or bool(value < bound)


def _enum(compiler: _Compiler, options: Any, _schema: Mapping[str, Any]) -> Validity:
    choices = list(options)
    return lambda value: any(equal(choice, value) for choice in choices)


def _const(compiler: _Compiler, constant: Any, _schema: Mapping[str, Any]) -> Validity:
    return lambda value: equal(value, constant)


def _all_of_keyword(compiler: _Compiler, subs: Any, _schema: Mapping[str, Any]) -> Validity:
    return _all_of([compiler.compile(sub) for sub in subs])


def _any_of(compiler: _Compiler, subs: Any, _schema: Mapping[str, Any]) -> Validity:
    compiled = [compiler.compile(sub) for sub in subs]
    return lambda value: any(sub(value) for sub in compiled)


def _one_of(compiler: _Compiler, subs: Any, _schema: Mapping[str, Any]) -> Validity:
    compiled = [compiler.compile(sub) for sub in subs]
    return lambda value: sum(1 for sub in compiled if sub(value)) == 1


def _not(compiler: _Compiler, sub: Any, _schema: Mapping[str, Any]) -> Validity:
    compiled = compiler.compile(sub)
    return lambda value: not compiled(value)


def _if(compiler: _Compiler, condition: Any, schema: Mapping[str, Any]) -> Validity:
    test = compiler.compile(condition)
    then = compiler.compile(schema.get("then", True))
    otherwise = compiler.compile(schema.get("else", True))
    return lambda value: then(value) if test(value) else otherwise(value)


_KEYWORDS: dict[str, Callable[[_Compiler, Any, Mapping[str, Any]], Validity]] = {
    "type": _type,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "propertyNames": _property_names,
    "required": _required,
    "dependentRequired": _dependent_required,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
    "items": _items,
    "prefixItems": _prefix_items,
    "contains": _contains,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "minLength": _min_length,
    "maxLength": _max_length,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "exclusiveMaximum": _exclusive_maximum,
    "enum": _enum,
    "const": _const,
    "allOf": _all_of_keyword,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
    "$ref": _Compiler.ref,
}


def compile_validity(schema: Any, regex: RegexFactory = re.compile) -> Validity:
    """A function telling whether an instance is valid under `schema`, as jsonschema's
    Draft202012Validator would (without a format checker); `regex` compiles the `pattern`s.

    A schema with anything not compiled here gives a function that answers False for everything.
    """
    try:
        return _Compiler(schema, regex).compile(schema, at_root=True)
    except (UnsupportedSchemaError, AttributeError, TypeError):  # the last two: a malformed schema
        return _never
