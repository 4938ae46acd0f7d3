"""The lint's YAML nodes: what PyYAML's composer builds, without importing PyYAML.

monitoring.lint.block_yaml composes plain block-style files into these; any other file is composed by
PyYAML and converted (monitoring.lint.model), so every check sees one node type. Marks are 0-based.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Mark(tuple[int, int]):
    """(line, column), 0-based, built as Mark((line, column)), as PyYAML's marks are read."""

    __slots__ = ()

    @property
    def line(self) -> int:
        return self[0]

    @property
    def column(self) -> int:
        return self[1]

    def __repr__(self) -> str:
        return f"Mark({self[0]}, {self[1]})"


class Node:
    """Positions are stored as numbers (0-based) and made marks when asked for: a rule file composes
    a few nodes per line, and the lint asks for few of their marks."""

    __slots__ = ("end_column", "end_line", "start_column", "start_line", "value")
    value: Any

    def __init__(
        self, value: Any, start_line: int, start_column: int, end_line: int, end_column: int
    ) -> None:
        self.value = value
        self.start_line = start_line
        self.start_column = start_column
        self.end_line = end_line
        self.end_column = end_column

    @property
    def start_mark(self) -> Mark:
        return Mark((self.start_line, self.start_column))

    @property
    def end_mark(self) -> Mark:
        return Mark((self.end_line, self.end_column))


class ScalarNode(Node):
    """`style` is "" for a plain scalar, else the quote or block indicator: ', ", | or >.

    This __init__ and MappingNode's repeat Node's body rather than call it: a large rule file makes
    hundreds of thousands of nodes, and the extra call was a measurable part of composing them."""

    __slots__ = ("style",)
    value: str

    def __init__(
        self, value: str, start_line: int, start_column: int, end_line: int, end_column: int, style: str = ""
    ) -> None:
        self.value = value
        self.start_line = start_line
        self.start_column = start_column
        self.end_line = end_line
        self.end_column = end_column
        self.style = style

    def __repr__(self) -> str:
        return f"ScalarNode({self.value!r}, {self.start_mark}, {self.end_mark}, {self.style!r})"


class SequenceNode(Node):
    __slots__ = ()
    value: list[Node]


class MappingNode(Node):
    """items() and field() are worked out once per `value` list, as checks read each rule's fields
    several times; a mapping is changed by assigning it a new `value` list, never in place."""

    __slots__ = ("_first", "_items", "_items_of")
    value: list[tuple[Node, Node]]
    _items_of: list[tuple[Node, Node]] | None
    _items: list[tuple[str, Node, Node]]
    _first: dict[str, Node] | None

    def __init__(
        self,
        value: list[tuple[Node, Node]],
        start_line: int,
        start_column: int,
        end_line: int,
        end_column: int,
    ) -> None:
        self.value = value
        self.start_line = start_line
        self.start_column = start_column
        self.end_line = end_line
        self.end_column = end_column
        self._items_of = None

    def items(self) -> list[tuple[str, Node, Node]]:
        """(key, key node, value node) for each scalar key, in order; callers must not change it."""
        if self._items_of is not self.value:
            self._items = [
                (key.value, key, value) for key, value in self.value if isinstance(key, ScalarNode)
            ]
            self._first = None
            self._items_of = self.value
        return self._items

    def field(self, name: str) -> Node | None:
        """The value of the first scalar key `name`."""
        items = self.items()
        if self._first is None:
            self._first = {key: value for key, _key_node, value in reversed(items)}
        return self._first.get(name)
