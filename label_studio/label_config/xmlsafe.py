"""The one hardened XML parsing path for label configs (spec label-config.md §9)."""

import re

from lxml import etree

MAX_CONFIG_BYTES = 1024 * 1024
MAX_ELEMENTS = 10_000
MAX_DEPTH = 100

# A DTD is the only way to declare entities, so refusing it (before lxml sees the
# text) rules out XXE, external DTDs and entity expansion bombs in one place.
_START_TAG_RE = re.compile(rb"<[A-Za-z_]")
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


class UnsafeXMLError(ValueError):
    """The text was refused before or while parsing for safety reasons."""


def normalize_text(text) -> str:
    """Decode bytes (UTF-8, BOM stripped) and turn CRLF into LF."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8-sig")
    if not isinstance(text, str):
        raise TypeError(f"label config must be a string, not {type(text).__name__}")
    return text.replace("\r\n", "\n")


class _DenyResolver(etree.Resolver):
    """Answers every external DTD or entity lookup with nothing, without opening it."""

    def resolve(self, url, pubid, context):
        return self.resolve_string("", context)


def _make_parser() -> etree.XMLParser:
    # A fresh parser per call: nothing is shared between configs or threads.
    # Do not pass collect_ids=False: with it libxml2 opens an external DTD (tested).
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
        remove_comments=False,
        encoding="utf-8",
    )
    parser.resolvers.add(_DenyResolver())
    return parser


def _too_many() -> UnsafeXMLError:
    return UnsafeXMLError(f"Label config has too many elements: the limit is {MAX_ELEMENTS}")


def check_raw(data: bytes) -> None:
    """Refuse oversized text and any DTD construct without parsing."""
    if len(data) > MAX_CONFIG_BYTES:
        raise UnsafeXMLError(
            f"Label config is too large: {len(data)} bytes, the limit is {MAX_CONFIG_BYTES} bytes"
        )
    # Start tags bound the element count, so an element flood is refused unparsed.
    if len(_START_TAG_RE.findall(data)) > MAX_ELEMENTS:
        raise _too_many()
    match = _DTD_RE.search(data)
    if match:
        decl = match.group(1).decode().upper()
        raise UnsafeXMLError(
            f"<!{decl}> is not allowed in a label config: DTDs and entities are refused; "
            "remove the declaration"
        )


def _check_tree(root) -> None:
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, etree._Entity):
            raise UnsafeXMLError(f"Entity reference &{node.name}; is not allowed in a label config")
        count += 1
        if count > MAX_ELEMENTS:
            raise _too_many()
        if depth > MAX_DEPTH:
            raise UnsafeXMLError(f"Label config is nested too deeply: the limit is {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in node)


def parse_xml(text: str):
    """Parse config text into an lxml root element, refusing unsafe input.

    Raises UnsafeXMLError for refused input and etree.XMLSyntaxError for
    malformed XML (its message is the one clients see, spec §4.1).
    """
    data = text.encode("utf-8")
    check_raw(data)
    root = etree.fromstring(data, _make_parser())
    if root.getroottree().docinfo.doctype:
        raise UnsafeXMLError("<!DOCTYPE> is not allowed in a label config")
    _check_tree(root)
    return root
