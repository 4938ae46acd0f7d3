"""Values that look like secrets: refused in the inventory and in every generated file.

Whatever the inventory holds is copied into generated/, which is committed, so credentials must
come by file path (*_file) or environment variable (*_env). One set of detectors serves
`mac validate` (walking the loaded documents by key name, so new fields are covered) and the
scan of every rendered artifact before `mac generate` writes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.inventory.loader import Document, NodePath, field_name
from monitoring.problems import Location, Problem

_BY_FILE = (
    "secrets are copied into generated files: put it in a file and give the file's path in a *_file field"
)
_BY_FILE_OR_ENV = "pass secrets by file (a *_file field) or environment (a *_env field)"


@dataclass(frozen=True)
class _Shape:
    what: str
    pattern: re.Pattern[bytes]
    hint: str
    # The pattern is lower case and runs on the lowered text (bytes.lower keeps every offset).
    lowered: bool = False


# Every pattern starts with a literal, so re's fast literal search skips most of the text (a
# leading \b or lookbehind makes each pattern about 40 times slower); word boundaries are
# lookbehinds placed after the literal. Group "secret" (else the match) is what gets redacted.
SHAPES: tuple[_Shape, ...] = (
    _Shape(
        "a Slack webhook URL",
        re.compile(rb"hooks\.slack\.com/(?:services|workflows|triggers)/[a-z0-9/_-]+"),
        "put the webhook URL in a file and use slack_api_url_file",
        lowered=True,
    ),
    _Shape("a Slack token", re.compile(rb"xox(?<![A-Za-z0-9]xox)[abprs]-[A-Za-z0-9-]{10,}"), _BY_FILE),
    _Shape(
        "an AWS access key id",
        re.compile(rb"A(?:KI|SI)A(?<![A-Za-z0-9]....)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        "use the standard AWS credential chain (instance role, AWS_PROFILE), never keys in files here",
    ),
    _Shape(
        "a GitHub token",
        re.compile(rb"gh(?<![A-Za-z0-9]gh)(?:[pousr]_[A-Za-z0-9]{30,}|ithub_pat_[A-Za-z0-9_]{22,})"),
        _BY_FILE,
    ),
    _Shape("a GitLab token", re.compile(rb"glpat-(?<![A-Za-z0-9]glpat-)[A-Za-z0-9_-]{20,}"), _BY_FILE),
    _Shape(
        "a JSON Web Token",
        re.compile(rb"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        _BY_FILE,
    ),
    # A digit in the token keeps prose ("bearer authentication") out.
    _Shape(
        "a bearer token",
        re.compile(
            rb"bearer(?<![a-z0-9_]bearer)[ \t]+(?P<secret>(?=[a-z._~+/-]*[0-9])[a-z0-9._~+/-]{12,}=*)"
        ),
        "use a credentials file (e.g. bearer_token_file) instead of the token",
        lowered=True,
    ),
    _Shape("a private key", re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"), _BY_FILE),
    _Shape(
        "a password in the URL's user:password@",
        re.compile(rb"://[^\s/?#@:\"'<>\\]*:(?P<secret>[^\s/?#@\"'<>\\]+)@"),
        "remove user:password@ from the URL; " + _BY_FILE_OR_ENV,
    ),
    # Query parameters named like credentials; {placeholder} and $VAR values are references.
    # One pattern per separator: a leading [?&] would lose the fast literal search.
    *(
        _Shape(
            "a credential in the URL query",
            re.compile(
                separator + rb"(?P<key>(?:[a-z0-9_.-]*[_.-])?"
                rb"(?:token|password|passwd|pwd|key|apikey|secret|signature|sig|auth))"
                rb"=(?P<secret>[^&#\s\"'<>\\{$][^&#\s\"'<>\\]*)"
            ),
            "remove the {key}= parameter; " + _BY_FILE_OR_ENV,
            lowered=True,
        )
        for separator in (rb"\?", rb"&")
    ),
)

# Key names whose value is the secret itself (labels included): api_key, db_password, x-auth-token...
_SECRET_KEY = re.compile(
    r"(?i)(?:.*[_.-])?(?:password|passwd|pwd|secret|token|credentials?|signature|authorization"
    r"|api_?key|access_?key|secret_?key|private_?key|routing_?key|service_?key|integration_?key)"
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A PagerDuty integration (routing) key: 32 letters and digits, where a path belongs.
_PAGERDUTY_KEY = re.compile(r"[A-Za-z0-9+_-]{32}")
# In generated text: `<name>: value`, `"<name>": "value"` or `<name>=value`, found from the
# name's last word (one literal pattern each, for speed); the whole name is then checked.
_TEXT_KEY_ENDS = tuple(
    re.compile(rb"(?P<word>" + word + rb")[\"']?[ \t]*[:=][ \t]*[\"']?(?P<secret>[^\s\"',}\]]+)")
    # "key(?<=...)": not a bare "key", which JSON has thousands of.
    for word in (
        rb"passw(?:or)?d",
        rb"pwd",
        rb"secret",
        rb"token",
        rb"credentials?",
        rb"key(?<=[a-z0-9_-]key)",
        rb"authorization",
    )
)
_TEXT_FILE_FIELD = re.compile(rb"_file[\"']?[ \t]*:[ \t]*[\"']?(?P<secret>[^\s\"',}\]]+)")
_NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_.-")
_NEWLINE = b"\n"


def redact(value: str) -> str:
    """First 4 characters and an ellipsis; nothing of a short value."""
    return f"{value[:4]}…" if len(value) >= 12 else "…"


def _is_reference(value: str) -> bool:
    """Grafana's $__env{X}, ${X}, Go templates, {placeholders}: they name a secret, they are not one."""
    return value.startswith(("$", "{", "<")) or value in ("null", "true", "false", "~")


@cache
def _secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.fullmatch(key))


@dataclass(frozen=True)
class Finding:
    what: str
    secret: str
    hint: str
    offset: int = 0


def shape_findings(data: bytes, lowered: bytes | None = None) -> list[Finding]:
    """Every secret shape in data (UTF-8 text), with its byte offset; lowered is data.lower()."""
    lowered = data.lower() if lowered is None else lowered
    found: list[Finding] = []
    for shape in SHAPES:
        for match in shape.pattern.finditer(lowered if shape.lowered else data):
            span = match.span("secret") if "secret" in shape.pattern.groupindex else match.span()
            key = match["key"].decode() if "key" in shape.pattern.groupindex else ""
            secret = data[span[0] : span[1]].decode("utf-8", errors="replace")
            found.append(Finding(shape.what, secret, shape.hint.format(key=key), match.start()))
    return found


def field_findings(key: str, value: str) -> Finding | None:
    """What the field's name says about its value: *_file is a path, *_env a variable name,
    a password/token/api_key field or label holds nothing at all."""
    if key.endswith("_file"):
        if _PAGERDUTY_KEY.fullmatch(value):
            return Finding(
                "a key (32 letters and digits) instead of a file path",
                value,
                "put the key in a file and give that file's absolute path,"
                " e.g. /etc/alertmanager/secrets/pagerduty",
            )
        if not value.startswith("/"):
            return Finding(
                "not an absolute file path", value, "give the absolute path of a file holding the secret"
            )
    elif key.endswith("_env"):
        if not _ENV_NAME.fullmatch(value):
            return Finding(
                "not an environment variable name",
                value,
                "give the name of an environment variable holding the secret, e.g. GRAFANA_DB_PASSWORD",
            )
    elif value and _secret_key(key) and not _is_reference(value):
        return Finding(
            f"a secret under {key!r}",
            value,
            "fields and labels are copied into generated files; " + _BY_FILE_OR_ENV,
        )
    return None


def _scalars(data: Any) -> Iterator[tuple[NodePath, str]]:
    """Every text (and number) value with its path, iteratively: inventories have 10,000 services."""
    stack: list[tuple[NodePath, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
        elif isinstance(node, str):
            yield path, node
        elif isinstance(node, int) and not isinstance(node, bool):
            yield path, str(node)


def _document_problems(doc: Document) -> Iterator[tuple[str, Problem]]:
    values = list(_scalars(doc.data))
    # One finding per value, a shape first (it says what the secret is). The shapes run once
    # over all values joined, not once per value.
    first: dict[int, Finding] = {}
    encoded = [value.encode() for _, value in values]
    starts = [0]
    for item in encoded:
        starts.append(starts[-1] + len(item) + 1)
    for found in shape_findings(b"\n".join(encoded)):
        first.setdefault(bisect.bisect_right(starts, found.offset) - 1, found)
    for index, (path, value) in enumerate(values):
        if index not in first:
            key = next((step for step in reversed(path) if isinstance(step, str)), "")
            field = field_findings(key, value)
            if field is not None:
                first[index] = field
    for index, found in sorted(first.items()):
        path, value = values[index]
        yield (
            value,
            Problem(
                doc.value_location(path),
                f"{field_name(path)}: {found.what} ({redact(found.secret)});"
                " secrets must not be in the inventory",
                found.hint,
                "secrets/inline-secret",
            ),
        )


def refuse_secrets(documents: list[Document], problems: list[Problem]) -> list[Problem]:
    """problems plus one for every value that looks like a secret. Flagged values are redacted in
    the other problems (schema messages quote values); one at a flagged value's place is dropped."""
    found = sorted((item for doc in documents for item in _document_problems(doc)), key=lambda item: item[1])
    if not found:
        return problems
    where = {problem.location for _, problem in found}
    values = sorted({value for value, _ in found}, key=len, reverse=True)

    def scrub(text: str) -> str:
        for value in values:
            text = text.replace(value, redact(value)).replace(repr(value)[1:-1], redact(value))
        return text

    others = [
        p.replace(message=scrub(p.message), hint=scrub(p.hint)) for p in problems if p.location not in where
    ]
    return others + [problem for _, problem in found]


def _name_before(lowered: bytes, end: int) -> tuple[int, str]:
    start = end
    while start > 0 and lowered[start - 1] in _NAME_CHARS:
        start -= 1
    return start, lowered[start:end].decode()


def text_findings(data: bytes) -> list[Finding]:
    """Every detector that applies to rendered text (UTF-8), in order of position."""
    lowered = data.lower()
    found = shape_findings(data, lowered)
    for pattern in _TEXT_KEY_ENDS:
        for match in pattern.finditer(lowered):
            start, name = _name_before(lowered, match.end("word"))
            secret = data[match.start("secret") : match.end("secret")].decode("utf-8", errors="replace")
            if (
                _secret_key(name)
                and not _is_reference(secret)
                and (start == 0 or lowered[start - 1] in b" \t\n{,\"'")
            ):
                found.append(Finding(f"a secret under {name!r}", secret, _BY_FILE, start))
    for match in _TEXT_FILE_FIELD.finditer(lowered):
        start, name = _name_before(lowered, match.start() + len(b"_file"))
        secret = data[match.start("secret") : match.end("secret")].decode("utf-8", errors="replace")
        field = None if _is_reference(secret) else field_findings(name, secret)
        if field is not None:
            found.append(Finding(field.what, field.secret, field.hint, start))
    return sorted(found, key=lambda f: f.offset)


def check_artifact_secrets(artifact: Artifact) -> list[Problem]:
    """The output scan: a finding stops `mac generate` before anything is written."""
    data = artifact.render()
    by_line: dict[int, Finding] = {}
    for found in text_findings(data):
        by_line.setdefault(data.count(_NEWLINE, 0, found.offset) + 1, found)
    return [
        Problem(
            Location(artifact.path, line),
            f"{f.what} ({redact(f.secret)}) would be written",
            f.hint,
            "secrets/output-secret",
        )
        for line, f in by_line.items()
    ]
