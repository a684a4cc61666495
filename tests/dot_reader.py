"""A strict reader for the part of Graphviz's DOT language gradviz writes (test helper).

It follows the grammar on graphviz.org/doc/info/lang.html for ``[strict] digraph ID { stmt_list }``
with node, edge, attribute and ``ID = ID`` statements, and raises :class:`DotSyntaxError` on anything
else (undirected edges in a digraph, unterminated strings, keywords used as bare ids, subgraphs and
ports, which gradviz never writes). So a test can check both that the text is valid DOT and that it
describes the graph it should.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEYWORDS = {"strict", "graph", "digraph", "node", "edge", "subgraph"}


class DotSyntaxError(ValueError):
    pass


@dataclass
class DotGraph:
    name: str | None
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class _Token:
    kind: str  # "id" (bare), "str" (quoted), "num", or the punctuation itself
    text: str
    pos: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#" and line_start:  # preprocessor-style line, ignored by Graphviz
            while i < n and text[i] != "\n":
                i += 1
            continue
        line_start = False
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise DotSyntaxError(f"unterminated comment at {i}")
            i = end + 2
            continue
        if text.startswith("->", i) or text.startswith("--", i):
            out.append(_Token(text[i : i + 2], text[i : i + 2], i))
            i += 2
            continue
        if c in "{}[];,=:":
            out.append(_Token(c, c, i))
            i += 1
            continue
        if c == '"':
            j = i + 1
            chars = []
            while True:
                if j >= n:
                    raise DotSyntaxError(f"unterminated string starting at {i}")
                ch = text[j]
                if ch == "\\" and j + 1 < n and text[j + 1] == '"':
                    chars.append('"')
                    j += 2
                    continue
                if ch == "\\" and j + 1 < n and text[j + 1] == "\n":  # line continuation
                    j += 2
                    continue
                if ch == "\\" and j + 1 < n:
                    chars.append(text[j : j + 2])  # other escapes belong to the attribute (labels)
                    j += 2
                    continue
                if ch == '"':
                    break
                chars.append(ch)
                j += 1
            out.append(_Token("str", "".join(chars), i))
            i = j + 1
            continue
        if c == "<":
            raise DotSyntaxError(f"HTML strings are not expected (at {i})")
        if c.isalpha() or c == "_" or ord(c) >= 128:
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_" or ord(text[j]) >= 128):
                j += 1
            out.append(_Token("id", text[i:j], i))
            i = j
            continue
        if c.isdigit() or c in "-.":
            j = i + 1 if c == "-" else i
            digits_before = 0
            while j < n and text[j].isdigit():
                j += 1
                digits_before += 1
            digits_after = 0
            if j < n and text[j] == ".":
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
                    digits_after += 1
            if digits_before + digits_after == 0:
                raise DotSyntaxError(f"bad numeral at {i}")
            if j < n and (text[j].isalpha() or text[j] == "_"):
                raise DotSyntaxError(f"a numeral runs into a name at {i}")
            out.append(_Token("num", text[i:j], i))
            i = j
            continue
        raise DotSyntaxError(f"unexpected character {c!r} at {i}")
    return out


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> _Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, kind: str | None = None) -> _Token:
        tok = self.peek()
        if tok is None:
            raise DotSyntaxError(f"unexpected end of input (expected {kind or 'more'})")
        if kind is not None and tok.kind != kind:
            raise DotSyntaxError(f"expected {kind!r} at {tok.pos}, found {tok.text!r}")
        self.i += 1
        return tok

    def is_keyword(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "id" and tok.text.lower() == word

    def take_id(self) -> str:
        tok = self.take()
        if tok.kind == "id" and tok.text.lower() in KEYWORDS:
            raise DotSyntaxError(f"keyword {tok.text!r} used as an id at {tok.pos}")
        if tok.kind not in ("id", "str", "num"):
            raise DotSyntaxError(f"expected an id at {tok.pos}, found {tok.text!r}")
        return tok.text

    def graph(self) -> DotGraph:
        if self.is_keyword("strict"):
            self.take()
        if not self.is_keyword("digraph"):
            raise DotSyntaxError("expected 'digraph'")
        self.take()
        name = None
        if self.peek() is not None and self.peek().kind != "{":
            name = self.take_id()
        self.take("{")
        g = DotGraph(name)
        while self.peek() is not None and self.peek().kind != "}":
            self.statement(g)
            if self.peek() is not None and self.peek().kind == ";":
                self.take()
        self.take("}")
        if self.peek() is not None:
            raise DotSyntaxError(f"text after the closing brace at {self.peek().pos}")
        return g

    def attr_list(self) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while self.peek() is not None and self.peek().kind == "[":
            self.take("[")
            while self.peek() is not None and self.peek().kind != "]":
                key = self.take_id()
                self.take("=")
                attrs[key] = self.take_id()
                if self.peek() is not None and self.peek().kind in (",", ";"):
                    self.take()
            self.take("]")
        return attrs

    def statement(self, g: DotGraph) -> None:
        for word in ("graph", "node", "edge"):
            if self.is_keyword(word):
                self.take()
                g.defaults.setdefault(word, {}).update(self.attr_list())
                return
        if self.is_keyword("subgraph") or (self.peek() and self.peek().kind == "{"):
            raise DotSyntaxError("subgraphs are not expected")
        first = self.take_id()
        nxt = self.peek()
        if nxt is not None and nxt.kind == "=":
            self.take()
            g.defaults.setdefault("graph", {})[first] = self.take_id()
            return
        if nxt is not None and nxt.kind == ":":
            raise DotSyntaxError("ports are not expected")
        if nxt is not None and nxt.kind == "--":
            raise DotSyntaxError(f"undirected edge '--' in a digraph at {nxt.pos}")
        chain = [first]
        while self.peek() is not None and self.peek().kind == "->":
            self.take()
            chain.append(self.take_id())
            if self.peek() is not None and self.peek().kind == "--":
                raise DotSyntaxError("undirected edge '--' in a digraph")
        attrs = self.attr_list()
        if len(chain) == 1:
            g.nodes.setdefault(first, {}).update(attrs)
            return
        for u, v in zip(chain, chain[1:]):
            g.nodes.setdefault(u, {})
            g.nodes.setdefault(v, {})
            g.edges.append((u, v, dict(attrs)))


def read_dot(text: str) -> DotGraph:
    """Parse ``text``; raises DotSyntaxError when it is not DOT (of the subset above)."""
    return _Parser(_tokens(text)).graph()


def label_text(escaped: str) -> str:
    """What Graphviz shows for an escString label: ``\\n``/``\\l``/``\\r`` break lines, ``\\\\`` is ``\\``."""
    out = []
    i = 0
    while i < len(escaped):
        c = escaped[i]
        if c == "\\" and i + 1 < len(escaped):
            nxt = escaped[i + 1]
            out.append("\n" if nxt in "nlr" else nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
