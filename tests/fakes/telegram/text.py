"""Formatted text as Telegram treats it: `parse_mode` markup becomes plain text plus entities, or a 400 error.

Telegram strips the markup and answers with `text` + `entities` (offsets in UTF-16 code units). Getting this wrong
is a classic bot bug — an unescaped "." in MarkdownV2 or an unknown HTML tag in user-supplied text makes the real
API answer ``400 Bad Request: can't parse entities: ...`` — so the fake enforces the same rules:
- HTML: supported tags only (b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler", tg-spoiler, a href,
  code, pre, blockquote, tg-emoji), properly nested and closed.
- MarkdownV2: the reserved characters ``_*[]()~`>#+-=|{}.!`` must be escaped with ``\\`` unless they are markup;
  every entity must be closed.
- Markdown (legacy): ``*bold*``, ``_italic_``, ```code```, ``[text](url)``; unclosed entities fail.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


class EntityParseError(ValueError):
    """The text cannot be parsed; str() is Telegram's description after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for `text` sent with `parse_mode` (or explicit `entities`)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _HtmlToEntities.convert(text)
    if mode == "markdownv2":
        return _Markdown(text, strict=True).convert()
    if mode == "markdown":
        return _Markdown(text, strict=False).convert()
    return text, list(entities or [])


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


class _HtmlToEntities(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.out: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.error: str | None = None

    @classmethod
    def convert(cls, source: str) -> tuple[str, list[dict[str, Any]]]:
        parser = cls(source)
        parser.feed(source)
        parser.close()
        if parser.error is None and parser.stack:
            parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
        if parser.error:
            raise EntityParseError(parser.error)
        parser.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(parser.out), parser.entities

    def _offset(self) -> int:
        return utf16_len("".join(self.out))

    def _position(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        index = sum(len(chunk) + 1 for chunk in lines[: line - 1]) + column
        return _byte_offset(self.source, index)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.error:
            return
        if tag not in _HTML_TAGS or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            self.error = f'Unsupported start tag "{tag}" at byte offset {self._position()}'
            return
        self.stack.append((tag, attributes, self._offset()))

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.error = (
                f'Unmatched end tag at byte offset {self._position()}, expected "</{self.stack[-1][0]}>"'
                if self.stack
                else f"Unexpected end tag at byte offset {self._position()}"
            )
            return
        name, attributes, start = self.stack.pop()
        length = self._offset() - start
        if length == 0:
            return
        entity: dict[str, Any] = {"type": _HTML_TAGS[name], "offset": start, "length": length}
        if name == "a":
            entity["url"] = attributes.get("href") or ""
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif name == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif name == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][1]["language"] = language
            return  # <pre><code class="language-x"> is one pre entity
        elif name == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if not self.error:
            self.out.append(data)


class _Markdown:
    """A small MarkdownV2 (strict) / legacy Markdown (lenient) reader producing Telegram entities."""

    def __init__(self, source: str, *, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.out: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.open: dict[str, tuple[int, int]] = {}  # marker -> (utf16 offset, source index)

    def _offset(self) -> int:
        return utf16_len("".join(self.out))

    def _fail(self, message: str, index: int) -> EntityParseError:
        return EntityParseError(f"{message} at byte offset {_byte_offset(self.source, index)}")

    def _toggle(self, marker: str, kind: str, index: int) -> None:
        if marker in self.open:
            start, _ = self.open.pop(marker)
            if self._offset() > start:
                self.entities.append({"type": kind, "offset": start, "length": self._offset() - start})
        else:
            self.open[marker] = (self._offset(), index)

    def convert(self) -> tuple[str, list[dict[str, Any]]]:
        s, i = self.source, 0
        toggles = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
        if not self.strict:
            toggles = {"*": "bold", "_": "italic"}
        while i < len(s):
            ch = s[i]
            if ch == "\\" and i + 1 < len(s) and (self.strict or s[i + 1] in "_*`["):
                self.out.append(s[i + 1])
                i += 2
            elif s.startswith("```", i):
                i = self._pre(i)
            elif ch == "`":
                end = s.find("`", i + 1)
                if end < 0:
                    raise self._fail("Can't find end of the entity starting", i)
                code = s[i + 1 : end].replace("\\`", "`").replace("\\\\", "\\") if self.strict else s[i + 1 : end]
                start = self._offset()
                self.out.append(code)
                self.entities.append({"type": "code", "offset": start, "length": utf16_len(code)})
                i = end + 1
            elif ch == "[":
                self.open["["] = (self._offset(), i)
                i += 1
            elif ch == "]" and "[" in self.open and s.startswith("(", i + 1):
                end = s.find(")", i + 2)
                if end < 0:
                    raise self._fail("Can't find end of a URL", i)
                start, _ = self.open.pop("[")
                url = s[i + 2 : end].replace("\\)", ")")
                self.entities.append(
                    {"type": "text_link", "offset": start, "length": self._offset() - start, "url": url}
                )
                i = end + 1
            elif self.strict and s.startswith("__", i):
                self._toggle("__", "underline", i)
                i += 2
            elif self.strict and s.startswith("||", i):
                self._toggle("||", "spoiler", i)
                i += 2
            elif ch in toggles:
                self._toggle(ch, toggles[ch], i)
                i += 1
            elif self.strict and ch == ">" and (i == 0 or s[i - 1] == "\n"):
                i = self._quote(i)
            elif self.strict and ch in _MDV2_RESERVED:
                raise EntityParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
            else:
                self.out.append(ch)
                i += 1
        if self.open:
            _, index = min(self.open.values(), key=lambda v: v[1])
            raise self._fail("Can't find end of the entity starting", index)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _pre(self, i: int) -> int:
        s = self.source
        end = s.find("```", i + 3)
        if end < 0:
            raise self._fail("Can't find end of the entity starting", i)
        body = s[i + 3 : end]
        language = ""
        if "\n" in body and " " not in body.split("\n", 1)[0]:
            language, body = body.split("\n", 1)
        if self.strict:
            body = body.replace("\\`", "`").replace("\\\\", "\\")
        start = self._offset()
        self.out.append(body)
        entity: dict[str, Any] = {"type": "pre", "offset": start, "length": utf16_len(body)}
        if language:
            entity["language"] = language
        self.entities.append(entity)
        return end + 3

    def _quote(self, i: int) -> int:
        """A `>` line: the rest of the line (parsed recursively) becomes a blockquote entity."""
        s = self.source
        end = s.find("\n", i)
        end = len(s) if end < 0 else end
        inner_text, inner_entities = _Markdown(s[i + 1 : end], strict=True).convert()
        start = self._offset()
        self.out.append(inner_text)
        for entity in inner_entities:
            self.entities.append({**entity, "offset": entity["offset"] + start})
        if inner_text:
            quotes = [e for e in self.entities if e["type"] == "blockquote"]
            if quotes and quotes[-1]["offset"] + quotes[-1]["length"] + 1 == start:  # continues the quote above
                quotes[-1]["length"] += 1 + utf16_len(inner_text)
            else:
                self.entities.append({"type": "blockquote", "offset": start, "length": utf16_len(inner_text)})
        return end
