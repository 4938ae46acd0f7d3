"""monitoring.schema_validity answers valid / invalid exactly as jsonschema does, on the project's
schemas with real and mutated instances, and on a schema that uses every keyword it compiles."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from monitoring.grafana_checks import dashboard_schema
from monitoring.inventory import validate
from monitoring.inventory.loader import load_documents
from monitoring.rule_packs import RULES_DIR, SCHEMA_PATH
from monitoring.schema_validity import compile_validity, equal, unique

REPO = Path(__file__).resolve().parents[1]

EVERY_KEYWORD: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.test/every-keyword.json",
    "type": "object",
    "required": ["a"],
    "minProperties": 1,
    "maxProperties": 5,
    "dependentRequired": {"b": ["c"]},
    "propertyNames": {"pattern": "^[a-e]$"},
    "properties": {
        "a": {"type": ["integer", "null"], "minimum": 0, "maximum": 5, "exclusiveMaximum": 5},
        "b": {"enum": [1, True, "x", [1], {"k": 1}]},
        "c": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "uniqueItems": True,
            "prefixItems": [{"type": "string"}],
            "items": {"type": "number", "exclusiveMinimum": 0},
        },
        "d": {"$ref": "#/$defs/tree"},
    },
    "patternProperties": {"^e$": {"const": False}},
    "additionalProperties": False,
    "allOf": [{"not": {"properties": {"a": {"const": 3}}, "required": ["a"]}}],
    "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
    "oneOf": [{"properties": {"a": {"type": "null"}}}, {"properties": {"a": {"type": "integer"}}}],
    "if": {"properties": {"a": {"const": 0}}},
    "then": {"required": ["b"]},
    "else": {"not": {"required": ["e"]}},
    "$defs": {
        "tree": {
            "type": "object",
            "description": "recursive: a name and child trees",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 3},
                "children": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/tree"},
                    "contains": {"type": "object"},
                },
            },
            "additionalProperties": {"type": "boolean"},
        }
    },
}

# One or two keywords each, so random values reach every keyword's own check.
SMALL_SCHEMAS: list[Any] = [
    True,
    False,
    {"type": "integer"},
    {"type": ["number", "null"]},
    {"type": "boolean"},
    {"type": "array"},
    {"type": "object"},
    {"type": "string"},
    {"minimum": 1, "maximum": 5},
    {"exclusiveMinimum": 0, "exclusiveMaximum": 5},
    {"enum": [1, True, "x", [1], {"k": 1}, None]},
    {"const": [False, {"a": 1}]},
    {"const": 1},
    {"minLength": 1, "maxLength": 2},
    {"pattern": "^a+$"},
    {"minItems": 1, "maxItems": 2},
    {"uniqueItems": True},
    {"uniqueItems": False},
    {"items": {"type": "integer"}},
    {"items": False, "prefixItems": [{"type": "string"}, True]},
    {"prefixItems": [{"type": "string"}], "items": {"type": "boolean"}},
    {"contains": {"type": "string"}},
    {"required": ["a", "b"]},
    {"minProperties": 1, "maxProperties": 2},
    {"dependentRequired": {"a": ["b"]}},
    {"propertyNames": {"enum": ["a", "b"]}},
    {"properties": {"a": {"type": "integer"}, "b": False}},
    {"patternProperties": {"^[ab]$": {"type": "string"}}},
    {"properties": {"a": True}, "patternProperties": {"^c": True}, "additionalProperties": False},
    {"properties": {"a": True}, "additionalProperties": {"type": "array"}},
    {"additionalProperties": True},
    {"allOf": [{"type": "integer"}, {"minimum": 2}]},
    {"anyOf": [{"type": "string"}, {"minimum": 3}]},
    {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
    {"not": {"type": "object"}},
    {"if": {"type": "integer"}, "then": {"minimum": 2}, "else": {"type": "string"}},
    {"if": {"type": "integer"}, "then": {"minimum": 2}},
    {"then": {"type": "string"}},
    {"$ref": "#/$defs/list", "$defs": {"list": {"type": "array", "items": {"$ref": "#/$defs/list"}}}},
    {"description": "annotations only", "default": 1, "examples": [2], "errorMessage": "x"},
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 6)
    | st.sampled_from([0.0, 1.0, 2.5, -1.5, 5.0])
    | st.text(alphabet="abcex\n", max_size=4),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "b", "c", "d", "e", "f", "name", "children", "k"]), children, max_size=5
        )
    ),
    max_leaves=12,
)


ATOMS: list[Any] = [None, True, False, 0, 1, 2, 5, 6, -1, 1.0, 2.5, 5.0, "", "a", "aa", "x", "aa\n"]
KEYS = ["a", "b", "c"]
CORPUS: list[Any] = [
    *ATOMS,
    [],
    {},
    [[]],
    [[[]], []],
    *([atom] for atom in ATOMS),
    *([one, two] for one in ATOMS for two in ATOMS),
    *({key: atom} for key in KEYS for atom in ATOMS),
    *({"a": one, "b": two} for one in ATOMS[:9] for two in ATOMS[9:]),
    {"a": 1, "b": 2, "c": 3},
    {"a": [], "cc": "a", "d": True},
]


@pytest.mark.parametrize("schema", SMALL_SCHEMAS, ids=lambda schema: json.dumps(schema)[:40])
def test_each_keyword_agrees_with_jsonschema(schema: Any) -> None:
    check, validator = compile_validity(schema), Draft202012Validator(schema)
    disagreements = [value for value in CORPUS if check(value) != validator.is_valid(value)]
    assert disagreements == []


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_every_keyword_agrees_with_jsonschema(value: Any) -> None:
    assert compile_validity(EVERY_KEYWORD)(value) == Draft202012Validator(EVERY_KEYWORD).is_valid(value)


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), json_values, min_size=1, max_size=5))
@settings(max_examples=200, deadline=None)
def test_every_keyword_agrees_on_objects(value: dict[str, Any]) -> None:
    assert compile_validity(EVERY_KEYWORD)(value) == Draft202012Validator(EVERY_KEYWORD).is_valid(value)


def test_the_every_keyword_schema_has_valid_and_invalid_instances() -> None:
    check = compile_validity(EVERY_KEYWORD)
    assert check({"a": 1, "d": {"name": "n", "children": [{"name": "m"}], "leaf": True}})
    assert not check({"a": 1, "d": {"children": [{"name": "toolong"}]}})
    assert not check({"a": 0})  # then: b required
    assert check({"a": 0, "b": True, "c": ["s", 1.5]})
    assert not check({"a": 0, "b": True, "c": ["s", 1.5, 1.5]})  # not unique


def test_true_is_not_one() -> None:
    assert not equal(True, 1) and equal(1, 1.0) and equal([1, {"a": False}], (1, {"a": False}))
    assert unique([1, True]) and not unique([1, 1.0]) and unique([{"a": 1}, {"a": True}])
    assert compile_validity({"const": 1})(1.0) and not compile_validity({"const": 1})(True)
    assert compile_validity({"enum": [False]})(False) and not compile_validity({"enum": [False]})(0)


def test_an_unsupported_keyword_defers_every_instance_to_jsonschema() -> None:
    for schema in (
        {"type": "object", "unevaluatedProperties": False},
        {"properties": {"a": {"$id": "other", "type": "string"}}},
        {"$ref": "https://example.test/elsewhere.json"},
        {"$ref": "#/$defs/missing"},
        {"items": [{"type": "string"}]},
        {"type": "decimal"},
        {"contains": {"type": "string"}, "minContains": 2},
    ):
        assert not compile_validity(schema)({})
        assert not compile_validity(schema)(["a", "b"])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(value)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return copied


@cache
def _boards() -> list[dict[str, Any]]:
    folder = REPO / "generated" / "grafana" / "dashboards"
    return [json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*/*.json"))[:6]]


@cache
def _services() -> list[dict[str, Any]]:
    documents = load_documents(REPO / "inventory")
    return [s for doc in documents for s in doc.data.get("services", []) if isinstance(s, dict)]


mutations = st.sampled_from(
    [None, True, 0, -1, 41, 2.5, "", "x", "$bad name", [], {}, ["generated"], {"x": 1}]
)


def test_generated_boards_are_valid_both_ways() -> None:
    check = compile_validity(dashboard_schema())
    validator = Draft202012Validator(dashboard_schema())
    assert _boards()
    assert all(check(board) and validator.is_valid(board) for board in _boards())


@given(st.data(), mutations)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_boards_agree_with_jsonschema(data: st.DataObject, new: Any) -> None:
    board = data.draw(st.sampled_from(_boards()))
    path = data.draw(st.sampled_from(_paths(board)))
    mutated = _replaced(board, path, new)
    expected = Draft202012Validator(dashboard_schema()).is_valid(mutated)
    assert compile_validity(dashboard_schema())(mutated) == expected


@given(st.data(), mutations | st.sampled_from(["host:3306\n", "db.example.com:3306", "a" * 70]))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_services_agree_with_the_strict_validator(data: st.DataObject, new: Any) -> None:
    """The inventory's per-kind schemas, with the strict `$` of validate.strict_pattern."""
    service = data.draw(st.sampled_from(_services()))
    schema = validate._schemas()[1][service["kind"]]
    path = data.draw(st.sampled_from(_paths(service)))
    mutated = _replaced(service, path, new)
    expected = validate.strict_validator(schema).is_valid(mutated)
    assert validate.strict_validity(schema)(mutated) == expected


def test_strict_patterns_reject_a_final_newline() -> None:
    schema = {"type": "string", "pattern": "^[a-z]+:[0-9]{1,5}$"}
    assert compile_validity(schema)("host:3306\n")  # Python's `$`, as jsonschema's own pattern
    assert not validate.strict_validity(schema)("host:3306\n")
    assert validate.strict_validity(schema)("host:3306")


def test_rule_packs_are_valid_both_ways() -> None:
    import yaml

    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    inlined = validate.inline_refs({k: v for k, v in schema.items() if k != "$defs"}, schema["$defs"])
    packs = [yaml.safe_load(path.read_text("utf-8")) for path in sorted(RULES_DIR.glob("*.yaml"))]
    assert packs
    for pack in packs:
        assert validate.strict_validity(inlined)(pack) and validate.strict_validator(inlined).is_valid(pack)
        broken = {**pack, "alerts": [{**pack["alerts"][0], "severity": 3}]} if pack.get("alerts") else {}
        assert validate.strict_validity(inlined)(broken) == validate.strict_validator(inlined).is_valid(
            broken
        )


def test_patterns_compile_with_the_given_factory() -> None:
    compiled: list[str] = []

    def factory(pattern: str) -> re.Pattern[str]:
        compiled.append(pattern)
        return re.compile(pattern)

    assert compile_validity({"properties": {"a": {"pattern": "^x"}}}, factory)({"a": "xy"})
    assert compiled == ["^x"]
