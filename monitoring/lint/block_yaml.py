"""Compose plain block-style YAML exactly as PyYAML's C loader does (values, styles, marks), fast.

Importing PyYAML costs more than linting a small rule file, and rule files use a small block-style
subset: mappings, sequences, plain and quoted scalars, block scalars, comments, `---`. This composer
reads that subset line by line and raises Unsupported on anything else (anchors, aliases, tags, flow
collections, `?` keys, merge keys, directives, tabs, a BOM, CR line breaks, control characters, any
syntax error, any layout it is not sure of): the caller then composes with PyYAML, which also words
every syntax error. It never guesses: what it returns is what libyaml's composer would build.
"""

from __future__ import annotations

import re

from monitoring.lint.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode


class Unsupported(Exception):
    """The text is outside the subset (or not YAML): compose it with PyYAML."""


# Characters left to PyYAML: tabs, CR and the other YAML line breaks (NEL, LS, PS), the BOM, and what
# libyaml refuses (control characters, surrogates, U+FFFE, U+FFFF). One small class and a few `in`
# scans: a regular expression over all of Unicode takes milliseconds to compile and to search.
_ASCII_OUTSIDE = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
_NON_ASCII_OUTSIDE = (*map(chr, range(0x80, 0xA0)), "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff")
# Indicators that cannot start a plain scalar (`-`, `?` and `:` can, before a non-space).
_INDICATORS = frozenset(",[]{}#&*!|>'\"%@`")
_BEFORE_NON_SPACE = frozenset("-?:")
_NOT_PLAIN = _INDICATORS | _BEFORE_NON_SPACE
# The common mapping entry in one match: a plain key (single spaces inside, no ": " or " #"), then
# nothing, or one space and a plain value of the same shape, or a quoted value without escapes.
_PLAIN_TEXT = r"[^-?:,\[\]{}#&*!|>'\"%@` ][^: ]*(?:(?::(?=[^ ])| (?=[^ #:]))[^: ]*)*"
_SIMPLE_ENTRY = re.compile(rf"""( *)({_PLAIN_TEXT}):(?: (?:({_PLAIN_TEXT})|"([^"\\]*)"|'([^']*)'))?$""")
_SINGLE = re.compile(r"(?:[^']|'')*")
_DOUBLE = re.compile(r'(?:[^"\\]|\\.)*')
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
# libyaml drops a simple key whose `:` is this far from its start.
_MAX_KEY = 1000


def compose_documents(text: str) -> list[Node]:
    """Every document's root node, as PyYAML's composer returns them (an empty document is a null)."""
    if _ASCII_OUTSIDE.search(text) is not None or (not text.isascii() and _non_ascii_outside(text)):
        raise Unsupported
    return _Composer(text.split("\n")).documents()


def _non_ascii_outside(text: str) -> bool:
    if any(character in text for character in _NON_ASCII_OUTSIDE):
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def _scanned(pattern: re.Pattern[str], line: str, start: int) -> int:
    """Where `pattern` (which matches the empty string too) stops on `line` from `start`."""
    match = pattern.match(line, start)
    return match.end() if match is not None else start


def _unescape_match(match: re.Match[str]) -> str:
    simple = match.group(4)
    if simple is not None:
        if simple not in _ESCAPES:
            raise Unsupported
        return _ESCAPES[simple]
    code = int(match.group(1) or match.group(2) or match.group(3), 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise Unsupported
    return chr(code)


def _unescape(raw: str) -> str:
    return _ESCAPE.sub(_unescape_match, raw) if "\\" in raw else raw


def _blank_after(line: str, column: int) -> bool:
    return len(line) == column + 1 or line[column + 1] == " "


def _is_entry(line: str, column: int) -> bool:
    """A block sequence entry: `-` followed by a space or the end of the line."""
    return line.startswith("-", column) and _blank_after(line, column)


def _is_marker(line: str) -> bool:
    return (line.startswith("---") or line.startswith("...")) and (len(line) == 3 or line[3] == " ")


def _comment_or_nothing(rest: str) -> bool:
    """What may follow a token on its line: spaces, then a comment after at least one space."""
    stripped = rest.lstrip(" ")
    return not stripped or (stripped[0] == "#" and len(stripped) < len(rest))


class _Composer:
    """Each node reader returns the node, the next line holding a token and that line's indentation
    (the line count and -1 at the end of the stream)."""

    __slots__ = ("count", "last_column", "last_end", "lines", "stream_end")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.count = len(lines)
        # libyaml ends the stream on a fresh line: after the last line break, or one line further.
        self.stream_end = (self.count - 1, 0) if lines[-1] == "" else (self.count, 0)
        # Collections indented deeper than the last line's end are closed there, before the stream end.
        self.last_column = len(lines[-1])
        self.last_end = (self.count - 1, self.last_column)

    def end_of_stream(self, column: int) -> tuple[int, int]:
        """Where libyaml closes a block collection at `column` that the end of the stream ends."""
        return self.last_end if column > self.last_column else self.stream_end

    def next_content(self, index: int) -> tuple[int, int]:
        """The first line from `index` holding a token (not blank, not a comment) and its indentation."""
        lines = self.lines
        count = self.count
        while index < count:
            line = lines[index]
            stripped = line.lstrip(" ")
            if stripped and stripped[0] != "#":
                return index, len(line) - len(stripped)
            index += 1
        return count, -1

    def documents(self) -> list[Node]:
        lines = self.lines
        count = self.count
        documents: list[Node] = []
        explicit = False  # after `---`, before the document's content
        ended = False  # after a document's content or `...`: only `---`, `...` or the end may follow
        index, lead = self.next_content(0)
        while index < count:
            line = lines[index]
            if _is_marker(line):
                if not _comment_or_nothing(line[3:]) or (line[0] == "." and not documents and not explicit):
                    raise Unsupported
                if explicit:
                    documents.append(ScalarNode("", index, 0, index, 0))
                explicit = line[0] == "-"
                ended = not explicit
                index, lead = self.next_content(index + 1)
                continue
            if ended or line[0] == "%":
                raise Unsupported
            node, index, lead = self.node(index, lead, -1, False)
            documents.append(node)
            if index < count and not _is_marker(lines[index]):
                raise Unsupported
            explicit = False
            ended = True
        if explicit:
            documents.append(ScalarNode("", *self.stream_end, *self.stream_end))
        return documents

    def node(self, index: int, column: int, parent: int, after_key: bool) -> tuple[Node, int, int]:
        """The node starting at (index, column) inside a block collection indented `parent` (-1 at the
        root); `after_key` when it follows `key:` on the same line."""
        line = self.lines[index]
        first = line[column]
        if first == "-" and _is_entry(line, column):
            if after_key:
                raise Unsupported
            return self.sequence(index, column)
        if first == "'" or first == '"':
            if not after_key and self.quoted_key_end(index, column) >= 0:
                return self.mapping(index, column)
            if parent < 0:
                raise Unsupported
            scalar, end_index = self.quoted(index, column)
            if not _comment_or_nothing(self.lines[end_index][scalar.end_column :]):
                raise Unsupported
            return (scalar, *self.next_content(end_index + 1))
        if first == "|" or first == ">":
            if parent < 0:
                raise Unsupported
            return self.block_scalar(index, column, parent)
        if first in _INDICATORS or (first in _BEFORE_NON_SPACE and _blank_after(line, column)):
            raise Unsupported
        colon = line.find(": ", column)
        if colon < 0 and line.endswith(":"):
            colon = len(line) - 1
        comment = line.find(" #", column)
        if colon >= 0 and (comment < 0 or colon < comment):
            if after_key:
                raise Unsupported
            return self.mapping(index, column)
        if parent < 0:
            raise Unsupported
        return self.plain(index, column, parent)

    def quoted_key_end(self, index: int, column: int) -> int:
        """Where the value of a one-line quoted key starting at (index, column) begins, else -1."""
        line = self.lines[index]
        close = _scanned(_SINGLE if line[column] == "'" else _DOUBLE, line, column + 1)
        if close >= len(line) or line[close] != line[column]:
            return -1
        rest = line[close + 1 :]
        stripped = rest.lstrip(" ")
        if not stripped.startswith(":") or not (len(stripped) == 1 or stripped[1] == " "):
            return -1
        return close + 1 + len(rest) - len(stripped) + 1

    def key(self, index: int, column: int) -> tuple[ScalarNode, int]:
        """The mapping key at (index, column) and the column just after its `:`."""
        line = self.lines[index]
        first = line[column]
        if first == "'" or first == '"':
            after = self.quoted_key_end(index, column)
            if after < 0 or after - column > _MAX_KEY:
                raise Unsupported
            return self.quoted(index, column)[0], after
        if first in _INDICATORS or (first in _BEFORE_NON_SPACE and _blank_after(line, column)):
            raise Unsupported
        colon = line.find(": ", column)
        if colon < 0:
            if not line.endswith(":"):
                raise Unsupported
            colon = len(line) - 1
        if colon - column > _MAX_KEY or line.find(" #", column, colon) >= 0:
            raise Unsupported
        text = line[column:colon].rstrip(" ")
        if text == "<<":
            raise Unsupported
        return ScalarNode(text, index, column, index, column + len(text)), colon + 1

    def mapping(
        self, index: int, column: int, simple: re.Match[str] | None = None
    ) -> tuple[MappingNode, int, int]:
        """The block mapping whose first key is at (index, column); `simple` is that line's match of
        _SIMPLE_ENTRY when the caller has it."""
        lines = self.lines
        count = self.count
        pairs: list[tuple[Node, Node]] = []
        start = (index, column)
        value: Node
        # Bound once: this loop runs for most lines of a rule file.
        entry, scalar, add = _SIMPLE_ENTRY.match, ScalarNode, pairs.append
        if simple is None:
            simple = entry(lines[index], column)
        while True:
            line = lines[index]
            if simple is not None:
                _indentation, text, plain, double, single = simple.groups()
                if text == "<<" or len(text) > _MAX_KEY:
                    raise Unsupported
                key = scalar(text, index, column, index, column + len(text))
                quoted = double if single is None else single
                if plain is not None or quoted is not None:
                    value_column = column + len(text) + 2
                    following = index + 1
                    # The next line is most often the next entry: match it once, for its indentation too.
                    simple = entry(lines[following]) if following < count else None
                    if simple is not None:
                        lead = simple.end(1)
                    else:
                        following, lead = self.next_content(following)
                    if plain is None:
                        value = scalar(quoted, index, value_column, index, len(line), line[value_column])
                    elif lead > column:
                        value, following, lead = self.plain(index, value_column, column)
                    else:
                        value = scalar(plain, index, value_column, index, len(line))
                    add((key, value))
                    if following >= count:
                        return MappingNode(pairs, *start, *self.end_of_stream(column)), following, lead
                    if lead < column or (lead == 0 and _is_marker(lines[following])):
                        return MappingNode(pairs, *start, following, lead), following, lead
                    if lead > column:
                        raise Unsupported
                    if following != index + 1:
                        simple = entry(lines[following], column)
                    index = following
                    continue
                after = column + len(text) + 1
            else:
                key, after = self.key(index, column)
            rest = line[after:].lstrip(" ")
            value_column = len(line) - len(rest)
            if not rest or rest[0] == "#":
                following, lead = self.next_content(index + 1)
                if lead > column:
                    below = entry(lines[following], lead)
                    if below is not None:
                        value, following, lead = self.mapping(following, lead, below)
                    else:
                        value, following, lead = self.node(following, lead, column, False)
                elif lead == column and _is_entry(lines[following], column):
                    value, following, lead = self.sequence(following, column)
                else:
                    value = ScalarNode("", index, after, index, after)
            else:
                value, following, lead = self.node(index, value_column, column, True)
            pairs.append((key, value))
            if following >= count:
                return MappingNode(pairs, *start, *self.end_of_stream(column)), following, lead
            if lead < column or (lead == 0 and _is_marker(lines[following])):
                return MappingNode(pairs, *start, following, lead), following, lead
            if lead > column:
                raise Unsupported
            index = following
            simple = entry(lines[index], column)

    def sequence(self, index: int, column: int) -> tuple[SequenceNode, int, int]:
        lines = self.lines
        count = self.count
        items: list[Node] = []
        start = (index, column)
        while True:
            line = lines[index]
            item_column = column + 1
            while line.startswith(" ", item_column):
                item_column += 1
            item: Node
            if item_column == len(line) or line[item_column] == "#":
                following, lead = self.next_content(index + 1)
                if lead > column:
                    item, following, lead = self.node(following, lead, column, False)
                else:
                    item = ScalarNode("", index, column + 1, index, column + 1)
            elif (simple := _SIMPLE_ENTRY.match(line, item_column)) is not None:
                item, following, lead = self.mapping(index, item_column, simple)
            else:
                item, following, lead = self.node(index, item_column, column, False)
            items.append(item)
            if following >= count:
                return SequenceNode(items, *start, *self.end_of_stream(column)), following, lead
            if lead > column:
                raise Unsupported
            line = lines[following]
            if lead < column or (lead == 0 and _is_marker(line)) or not _is_entry(line, column):
                # At the same column, a key of the mapping this (indentless) sequence is the value of.
                return SequenceNode(items, *start, following, lead), following, lead
            index = following

    def plain(self, index: int, column: int, parent: int) -> tuple[ScalarNode, int, int]:
        """A plain scalar: its first line up to a comment, then (folded) the lines indented deeper than
        `parent`, up to a comment."""
        lines = self.lines
        count = self.count
        line = lines[index]
        comment = line.find(" #", column)
        text = (line[column:] if comment < 0 else line[column:comment]).rstrip(" ")
        end = (index, column + len(text))
        last = index
        if comment < 0:
            parts = [text]
            breaks = 0
            following = index + 1
            while following < count:
                line = lines[following]
                stripped = line.lstrip(" ")
                if not stripped:
                    breaks += 1
                    following += 1
                    continue
                lead = len(line) - len(stripped)
                if lead <= parent or stripped[0] == "#":
                    break
                comment = stripped.find(" #")
                body = stripped if comment < 0 else stripped[:comment]
                if ": " in body or body.endswith(":"):
                    raise Unsupported
                segment = body.rstrip(" ")
                parts.append("\n" * breaks if breaks else " ")
                parts.append(segment)
                end = (following, lead + len(segment))
                last = following
                breaks = 0
                following += 1
                if comment >= 0:
                    break
            if last != index:
                text = "".join(parts)
        return (ScalarNode(text, index, column, *end), *self.next_content(last + 1))

    def quoted(self, index: int, column: int) -> tuple[ScalarNode, int]:
        """A single- or double-quoted scalar (folded over lines as libyaml does) and its last line."""
        lines = self.lines
        line = lines[index]
        quote = line[column]
        double = quote == '"'
        pattern = _DOUBLE if double else _SINGLE
        close = _scanned(pattern, line, column + 1)
        if close < len(line) and line[close] == quote:
            raw = line[column + 1 : close]
            value = _unescape(raw) if double else raw.replace("''", "'")
            return ScalarNode(value, index, column, index, close + 1, quote), index
        parts: list[str] = []
        raw = line[column + 1 :]
        count = self.count
        start = (index, column)
        while True:
            escaped_break = double and raw.endswith("\\") and close == len(line) - 1
            if escaped_break:
                raw = raw[:-1]
            else:
                kept = raw.rstrip(" ")
                if double and len(kept) < len(raw) and (len(kept) - len(kept.rstrip("\\"))) % 2:
                    kept = raw[: len(kept) + 1]  # an escaped space
                raw = kept
            parts.append(_unescape(raw) if double else raw.replace("''", "'"))
            index += 1
            breaks = 0
            while index < count and not lines[index].strip(" "):
                breaks += 1
                index += 1
            if index >= count:
                raise Unsupported
            line = lines[index]
            if _is_marker(line):
                raise Unsupported
            parts.append("\n" * breaks if breaks or escaped_break else " ")
            lead = len(line) - len(line.lstrip(" "))
            close = _scanned(pattern, line, lead)
            if close < len(line) and line[close] == quote:
                raw = line[lead:close]
                parts.append(_unescape(raw) if double else raw.replace("''", "'"))
                return ScalarNode("".join(parts), *start, index, close + 1, quote), index
            raw = line[lead:]

    def block_scalar(self, index: int, column: int, parent: int) -> tuple[ScalarNode, int, int]:
        """A literal or folded block scalar, read as libyaml's scanner reads it."""
        lines = self.lines
        count = self.count
        line = lines[index]
        style = line[column]
        chomping = ""
        increment = 0
        after = column + 1
        for indicator in line[after : after + 2]:
            if indicator in "+-" and not chomping:
                chomping = indicator
            elif indicator in "123456789" and not increment:
                increment = int(indicator)
            else:
                break
            after += 1
        if not _comment_or_nothing(line[after:]):
            raise Unsupported
        start = (index, column)
        if index == count - 1:
            return ScalarNode("", *start, index, len(line), style), count, -1
        indent = (parent + increment if parent >= 0 else increment) if increment else 0
        following, breaks, widest, end, at = self._breaks(index + 1, indent)
        if not indent:
            indent = max(widest, parent + 1, 1)
        folded = style == ">"
        parts: list[str] = []
        leading_break = ""
        leading_blank = False
        while (
            at == indent
            and following < count
            and not (following == count - 1 and at == len(lines[following]))
        ):
            content = lines[following][indent:]
            blank = content[0] == " "
            if folded and leading_break and not leading_blank and not blank:
                if not breaks:
                    parts.append(" ")
            else:
                parts.append(leading_break)
            if breaks:
                parts.append("\n" * breaks)
            leading_blank = blank
            parts.append(content)
            if following == count - 1:
                leading_break = ""
                end = (following, len(lines[following]))
                following = count
                breaks = 0
                break
            leading_break = "\n"
            following, breaks, _widest, end, at = self._breaks(following + 1, indent)
        if chomping != "-":
            parts.append(leading_break)
            if chomping == "+" and breaks:
                parts.append("\n" * breaks)
        return (ScalarNode("".join(parts), *start, *end, style), *self.next_content(following))

    def _breaks(self, index: int, indent: int) -> tuple[int, int, int, tuple[int, int], int]:
        """libyaml's block scalar breaks: from the start of line `index`, eat indentation (up to
        `indent`, all of it while unknown) and empty lines. Returns the line reached, the line breaks
        eaten, the widest indentation seen, the end mark so far and the column reached."""
        lines = self.lines
        last = self.count - 1
        breaks = 0
        widest = 0
        end = (index, 0)
        while True:
            line = lines[index]
            lead = len(line) - len(line.lstrip(" "))
            at = lead if not indent or lead < indent else indent
            if at > widest:
                widest = at
            if at == len(line) and index < last:
                breaks += 1
                index += 1
                end = (index, 0)
                continue
            return index, breaks, widest, end, at
