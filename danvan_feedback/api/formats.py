"""The two formats of GeoReport v2: XML (the spec's required one) and JSON, for answers and bodies.

Every answer is built once as plain data (lists, dicts, strings, numbers, booleans, None) and
rendered in the format the URL's extension names. XML follows the spec's documents: a root element
(``services``, ``service_requests``, ``errors``, ...), one child per item (``service``, ``request``,
``error``, ...), a child element per field, and nested lists wrapped in their plural
(``attributes/attribute``, ``values/value``, ``endpoints/endpoint``, ``formats/format``).

XML bodies are read with lxml without entities, DTDs or network access, bounded in size and depth.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

from flask import Response
from lxml import etree

FORMATS = ("xml", "json")
MIMETYPES = {"xml": "text/xml", "json": "application/json"}
XML_BODY_MAX = 256 * 1024  # a service request is a few kilobytes; its photos are not sent in XML
XML_DEPTH_MAX = 3          # <service_request><attribute><code>value</code></attribute></service_request>

# A list under one of these keys is wrapped in the key and its items named by the value.
_ITEM_NAMES = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
               "formats": "format", "media_urls": "media_url"}


class XmlBodyError(ValueError):
    """An XML body that cannot be read; ``description`` is the spec error's text."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


# Characters XML 1.0 cannot carry (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F):
# dropped from text rather than letting a stored value turn an answer into a 500.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _append(parent, name: str, value) -> None:
    el = etree.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _append(el, key, sub)
    elif isinstance(value, (list, tuple)):
        item = _ITEM_NAMES.get(name, "item")
        for sub in value:
            _append(el, item, sub)
    else:
        el.text = _XML_ILLEGAL.sub("", _text(value))


def to_xml(data, root: str, item: str | None) -> bytes:
    """``data`` as the spec's XML: a list becomes ``<root><item>…</item>…</root>``, a dict
    ``<root>…fields…</root>``."""
    top = etree.Element(root)
    if isinstance(data, (list, tuple)):
        for entry in data:
            _append(top, item or "item", entry)
    else:
        for key, value in data.items():
            _append(top, key, value)
    return etree.tostring(top, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render(fmt: str, data, *, root: str, item: str | None = None, status: int = 200) -> Response:
    if fmt == "xml":
        body = to_xml(data, root, item)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return Response(body, status=status, mimetype=MIMETYPES[fmt], content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def _parser() -> etree.XMLParser:
    # No entity expansion (billion laughs, external entities), no DTD, no network, no huge trees.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, recover=False)


def read_xml_body(raw: bytes) -> dict:
    """A POSTed XML service request as the flat fields of a form (``attribute[code]`` keys).

    ``<service_request><service_code>…</service_code>…<attribute><subject>…</subject></attribute>
    </service_request>`` — any root name; attributes either nested under ``<attribute>`` or as
    ``<attribute code="subject">…</attribute>``. A name given twice is refused rather than guessed.
    """
    if len(raw) > XML_BODY_MAX:
        raise XmlBodyError(f"body: XML larger than {XML_BODY_MAX // 1024} KiB")
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise XmlBodyError("body: XML with a DTD or entities is not accepted")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError:
        raise XmlBodyError("body: malformed XML") from None
    out: dict = {}

    def put(key: str, value: str) -> None:
        if key in out:
            raise XmlBodyError(f"{key[:60]}: given more than once")
        out[key] = value

    def depth(el, level: int = 1) -> int:
        return max([level] + [depth(c, level + 1) for c in el if isinstance(c.tag, str)])

    if depth(root) > XML_DEPTH_MAX:
        raise XmlBodyError(f"body: XML nested deeper than {XML_DEPTH_MAX} levels")
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == "attribute":
            code = child.get("code")
            if code is not None:
                put(f"attribute[{code}]", child.text or "")
                continue
            for sub in child:
                if isinstance(sub.tag, str):
                    put(f"attribute[{etree.QName(sub).localname}]", sub.text or "")
            continue
        if len([c for c in child if isinstance(c.tag, str)]):
            raise XmlBodyError(f"{name[:60]}: must be a plain value")
        put(name, child.text or "")
    return out
