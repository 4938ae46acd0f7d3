"""The lint's own block-style YAML composer (monitoring.lint.block_yaml) builds exactly the node trees
PyYAML's C loader builds (values, styles, start and end marks, documents), or declines and leaves the
file to PyYAML. Checked on every corpus and generated rule file, on seeded random block-style
documents (and broken variants of them), and through the lint's findings."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from monitoring.lint import block_yaml
from monitoring.lint.config import LintSettings
from monitoring.lint.runner import lint_texts
from monitoring.lint.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode
from monitoring.problems import Problem

REPO = Path(__file__).resolve().parents[1]
CORPUS = sorted((REPO / "tests" / "fixtures" / "lint-corpus").glob("*/*.y*ml"))
GENERATED = sorted(REPO.glob("generated/prometheus/rules/*.yml")) + sorted(
    REPO.glob("examples/*/generated/prometheus/rules/*.yml")
)
LOADER: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

Tree = tuple[object, ...]


def ours(node: Node) -> Tree:
    if isinstance(node, ScalarNode):
        value: object = node.value
    elif isinstance(node, SequenceNode):
        value = [ours(child) for child in node.value]
    else:
        assert isinstance(node, MappingNode)
        value = [(ours(key), ours(child)) for key, child in node.value]
    style = node.style if isinstance(node, ScalarNode) else None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    return (type(node).__name__, value, style, marks)


def pyyamls(node: yaml.Node) -> Tree:
    if isinstance(node, yaml.ScalarNode):
        value: object = node.value
    elif isinstance(node, yaml.SequenceNode):
        value = [pyyamls(child) for child in node.value]
    else:
        value = [(pyyamls(key), pyyamls(child)) for key, child in node.value]
    style = (node.style or "") if isinstance(node, yaml.ScalarNode) else None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    return (type(node).__name__, value, style, marks)


def composed_by_pyyaml(text: str) -> list[Tree] | None:
    """PyYAML's documents, or None when PyYAML refuses the text."""
    try:
        return [pyyamls(node) for node in yaml.compose_all(text, Loader=LOADER)]
    except yaml.YAMLError:
        return None


def composed_fast(text: str) -> list[Tree] | None:
    """Our documents, or None when the fast composer declines."""
    try:
        return [ours(node) for node in block_yaml.compose_documents(text)]
    except block_yaml.Unsupported:
        return None


def agrees(text: str) -> bool:
    """Asserts the fast composer declines or equals PyYAML; True when it composed the text."""
    fast = composed_fast(text)
    if fast is None:
        return False
    assert fast == composed_by_pyyaml(text), text
    return True


@pytest.mark.parametrize("path", CORPUS + GENERATED, ids=lambda path: str(path.relative_to(REPO)))
def test_rule_files_compose_as_pyyaml_composes_them(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    composed = agrees(text)
    plain_block_style = not any(marker in text for marker in ("&", "\t"))
    assert composed or not plain_block_style


def test_the_bundled_rules_are_composed_without_pyyaml() -> None:
    assert GENERATED
    assert all(composed_fast(path.read_text(encoding="utf-8")) is not None for path in GENERATED)


@pytest.mark.parametrize(
    "text",
    [
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n",
        "a: 1\nb:\n  - x\n  -\n  - 'q''s' # note\nc: \"\\t\\u00e9\\x41\\U0001F600\"\n",
        "a: |\n  one\n\n  two\n\nb: >-\n  folded\n  text\n\n   kept\nc: |+\n  keep\n\n",
        "a: |2\n    two more\n  base\nb: >1-\n  x\n",
        "a:\n  b:\n    c: d\n  e: f\ng: h",
        "---\na: 1\n---\n---\n- x\n...\n",
        "k: first\n  second\n\n  third # c\nl: 'one\n\n  two '\nm: \"a\\\n  b\\ \n  c\"\n",
        "record: :node_cpu:sum\n-x: -1\n?q: ?r\n'a: b': \"c # d\"\n",
        "- - a\n  - b\n- c: d\n  e:\n  - f\n",
        "x: 1\n    # comment deeper\n# end",
        "",
        "# only a comment\n",
        "a: 1\n  ",
        "  a: 1\n  b: not [flow] {at all}, x\n",
    ],
)
def test_block_style_documents_are_composed_exactly(text: str) -> None:
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &anchor 1\nb: *anchor\n",
        "a: !!str 1\n",
        "a: [1, 2]\n",
        "a: {b: c}\n",
        "? a\n: b\n",
        "a:\n\tb: 1\n",
        "%YAML 1.1\n---\na: 1\n",
        "<<:\n  a: 1\n",
        "\ufeffa: 1\n",
        "a: 1\r\nb: 2\r\n",
        "a: b: c\n",
        "a: 1\n- b\n",
        "a: 'unclosed\n",
        "a:\n    b: 1\n  c: 2\n",
        "a: |0\n  x\n",
        'a: "\\q"\n',
        "a: 1\nb\n",
        "just a scalar\n",
        "...\na: 1\n",
        "a: 1\n...\nb: 2\n",
        "a: x\x07y\n",
    ],
)
def test_anything_outside_the_subset_is_declined(text: str) -> None:
    assert composed_fast(text) is None


# A seeded generator of block-style documents: the constructs rule files use, in odd combinations.
WORDS = (
    "up",
    "rate(x[5m]) > 0",
    "a b",
    "foo:bar",
    "-neg",
    ":colon",
    "?q",
    "ünï",
    "日本",
    "a#b",
    "x,y",
    "a &b",
    "{{ $labels.x }}",
    "a  b",
    "---x",
    "😀",
    "\u00a0x",
    "a\\nb",
    "'q'",
    '"d"',
    "~",
    "null",
)
# Rarely: what ends a plain scalar early or cannot start one (most make the fast composer decline).
RARE_WORDS = ("a: b", "a #c", "&a", "!t", "{c}", "[l]", "*x", "- x", "a:")
ESCAPES = ("\\n", "\\t", "\\\\", '\\"', "\\x41", "\\u00e9", "\\U0001F600", "\\/", "\\ ", "\\0", "\\N", "\\_")
KEYS = ("name", "rules", "expr", "for", "labels", "a b", "x-y", ":k", "-k", "é", "a#b", "'q k'", '"d: k"')
RARE_KEYS = ("<<", "&a", "? k", "[k]", "k:k")


def word(rng: random.Random) -> str:
    return rng.choice(RARE_WORDS if rng.random() < 0.02 else WORDS)


def plain(rng: random.Random) -> str:
    return " ".join(word(rng) for _ in range(rng.randint(1, 3)))


def quoted(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "'" + plain(rng).replace("'", "''") + "'"
    parts = [
        escape(rng) if rng.random() < 0.4 else plain(rng).replace('"', "").replace("\\", "") for _ in "ab"
    ]
    return '"' + " ".join(parts) + '"'


def escape(rng: random.Random) -> str:
    return "\\q" if rng.random() < 0.02 else rng.choice(ESCAPES)  # \q is no YAML escape


def multiline_quoted(rng: random.Random, indent: int) -> list[str]:
    quote = rng.choice("'\"")
    lines = [quote + plain(rng).replace(quote, "").replace("\\", "")]
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.3:
            lines.append(" " * rng.randint(0, 3))
        tail = rng.choice(["", "  ", "\\", "\\ "]) if quote == '"' else rng.choice(["", "  "])
        lines[-1] += tail
        lines.append(" " * rng.randint(0, indent + 3) + plain(rng).replace(quote, "").replace("\\", ""))
    lines[-1] += quote
    return lines


def block_scalar(rng: random.Random, indent: int) -> list[str]:
    digit = rng.choice(["", "", "1", "2"])
    chomping = rng.choice(["", "-", "+"])
    header = rng.choice("|>") + (chomping + digit if rng.random() < 0.5 else digit + chomping)
    header += rng.choice(["", "", " # c", "  "])
    body = indent + (int(digit) if digit else rng.randint(1, 3))
    lines = [header]
    for _ in range(rng.randint(0, 5)):
        shape = rng.random()
        if shape < 0.2:
            lines.append("")
        elif shape < 0.3:
            lines.append(" " * rng.randint(0, body + 3))
        elif shape < 0.45:
            lines.append(" " * (body + rng.randint(1, 3)) + plain(rng))
        else:
            lines.append(" " * body + plain(rng) + rng.choice(["", " "]))
    return lines


def scalar(rng: random.Random, indent: int) -> list[str]:
    """A scalar in a value position: its first line's text, then its continuation lines."""
    shape = rng.random()
    if shape < 0.4:
        lines = [plain(rng) + rng.choice(["", "", " # c", "  "])]
        if rng.random() < 0.2:
            lines += [
                "" if rng.random() < 0.2 else " " * (indent + rng.randint(0, 3)) + plain(rng) for _ in "ab"
            ]
        return lines
    if shape < 0.65:
        return [quoted(rng) + rng.choice(["", " # c"])]
    if shape < 0.75:
        return multiline_quoted(rng, indent)
    if shape < 0.95:
        return block_scalar(rng, indent)
    return [""]


def mapping(rng: random.Random, indent: int, depth: int, first: str | None = None) -> list[str]:
    lines: list[str] = []
    for index in range(rng.randint(1, 4)):
        if rng.random() < 0.1:
            lines.append(" " * rng.randint(0, indent + 4) + "# " + plain(rng))
        lead = first if index == 0 and first is not None else " " * indent
        key = rng.choice(RARE_KEYS if rng.random() < 0.02 else KEYS) + rng.choice(["", "", " "])
        if depth and rng.random() < 0.35:
            lines.append(lead + key + ":" + rng.choice(["", "", " # c"]))
            if rng.random() < 0.5:
                lines += mapping(rng, indent + rng.choice([1, 2, 4]), depth - 1)
            else:
                lines += sequence(rng, indent + rng.choice([0, 0, 1, 2]), depth - 1)
        else:
            value = scalar(rng, indent)
            lines.append(lead + key + ":" + (" " + value[0] if value[0] else ""))
            lines += value[1:]
    return lines


def sequence(rng: random.Random, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    for _ in range(rng.randint(1, 4)):
        lead = " " * indent
        shape = rng.random()
        if depth and shape < 0.35:
            gap = " " * rng.randint(1, 3)
            lines += mapping(rng, indent + 1 + len(gap), depth - 1, first=lead + "-" + gap)
        elif depth and shape < 0.45:
            lines.append(lead + "-" + rng.choice(["", " # c"]))
            lines += mapping(rng, indent + rng.choice([1, 2]), depth - 1)
        else:
            value = scalar(rng, indent)
            lines.append(lead + "-" + (" " + value[0] if value[0] else ""))
            lines += value[1:]
    return lines


def stream(rng: random.Random) -> str:
    lines: list[str] = []
    for index in range(rng.choice([1, 1, 2, 3])):
        if index or rng.random() < 0.3:
            lines.append(rng.choice(["---", "--- # c", "---  "]))
        base = rng.choice([0, 0, 0, 2])
        depth = rng.randint(1, 4)
        lines += mapping(rng, base, depth) if rng.random() < 0.85 else sequence(rng, base, depth)
        if rng.random() < 0.1:
            lines.append("...")
    return "\n".join(lines) + rng.choice(["\n", "\n", "", "\n\n", "\n  ", "\n# end"])


def broken(rng: random.Random, text: str) -> str:
    """The text with a character inserted or a few removed: often no longer YAML."""
    at = rng.randrange(len(text) + 1)
    return (
        text[:at]
        + rng.choice(["", " ", "\n", ":", "-", "'", '"', "#", "|", "  "])
        + text[at + rng.randint(0, 2) :]
    )


def test_generated_block_style_documents_compose_as_pyyaml_composes_them() -> None:
    rng = random.Random(17)
    texts = [stream(rng) for _ in range(3000)]
    composed = sum(agrees(text) for text in texts)
    assert composed > len(texts) // 4  # the generator mostly stays inside the subset


def test_broken_documents_are_declined_or_composed_as_pyyaml_composes_them() -> None:
    rng = random.Random(1717)
    texts = [broken(rng, stream(rng)) for _ in range(3000)]
    assert sum(agrees(text) for text in texts) > 0
    refused = [text for text in texts if composed_by_pyyaml(text) is None]
    assert refused
    assert all(composed_fast(text) is None for text in refused)


# Streams whose later documents, duplicated keys or emptiness the lint reports on.
STREAMS = (
    "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n---\nnot: [closed\n",
    "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n---\ngroups:\n- name: h\n",
    "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: a\n"
    "    rules:\n    - record: a:b\n      expr: sum(up)\n---\napiVersion: monitoring.coreos.com/v1\n"
    "kind: PrometheusRule\nspec:\n  groups:\n  - name: b\n    rules:\n    - alert: B\n"
    "      expr: up == 0\n      expr: up == 1\n",
    "groups:\n- name: g\n  name: h\n  rules:\n  - alert: A\n    expr: |\n      up\n        == 0\n"
    "    for: 5m\n",
    "---\n---\n",
    "# nothing\n",
    "",
)


def findings(sources: list[tuple[str, str]]) -> list[tuple[str, str, str, str, str]]:
    found = lint_texts(sources, (), LintSettings())
    return [(str(f.location), f.check, f.severity, f.message, f.hint) for f in found]


def test_the_lint_finds_the_same_with_and_without_the_fast_composer(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [(str(path), path.read_text(encoding="utf-8")) for path in CORPUS + GENERATED]
    streams = [(f"stream-{index}.yml", text) for index, text in enumerate(STREAMS)]
    assert all(composed_fast(text) is not None for text in STREAMS if "[closed" not in text)
    fast = [findings([source]) for source in [*files, *streams]]

    def decline(text: str) -> list[Node]:
        raise block_yaml.Unsupported

    monkeypatch.setattr(block_yaml, "compose_documents", decline)
    assert [findings([source]) for source in [*files, *streams]] == fast
    assert any(check == "yaml/parse" for found in fast for _where, check, *_rest in found)


def test_a_syntax_error_is_worded_by_pyyaml() -> None:
    problem: Problem = lint_texts([("broken.yml", "groups:\n- name: g\n  rules: [\n")], (), LintSettings())[0]
    assert problem.check == "yaml/parse"
    assert problem.message.startswith("YAML does not parse: ")
    assert (problem.location.line, problem.location.col) == (4, 1)
