"""Hardened XML parsing of label configs (spec label-config.md §9, decisions.md)."""

import os
import re
import socket
import threading
from pathlib import Path

import pytest
from lxml import etree

from label_studio.label_config import LabelConfigError, parse_label_config, xmlsafe

SECRET = "TOP-SECRET-CONTENT-42"


def refused(text) -> list[str]:
    with pytest.raises(LabelConfigError) as info:
        parse_label_config(text)
    return info.value.messages


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def listener():
    """A listening local socket; the test asserts nobody connects to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(0.2)
    yield sock
    sock.close()


def assert_no_connection(sock):
    with pytest.raises(socket.timeout):
        conn, _ = sock.accept()
        conn.close()


@pytest.fixture
def no_lxml(monkeypatch):
    """Fails the test if lxml is asked to parse: refusal must happen before it."""
    def boom(*args, **kwargs):
        raise AssertionError("lxml was called")
    monkeypatch.setattr(xmlsafe.etree, "fromstring", boom)


def xxe(uri: str) -> str:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE View [<!ENTITY x SYSTEM "{uri}">]>\n'
            '<View><Header value="&x;"/><Text name="t" value="$t">&x;</Text></View>')


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + ']><View><Header value="&lol9;"/></View>'
)


# ---- refused before lxml sees the text

def test_xxe_file_entity_is_refused(secret_file, no_lxml):
    messages = refused(xxe(secret_file.as_uri()))
    assert "DOCTYPE" in messages[0]
    assert SECRET not in " ".join(messages)


def test_xxe_network_entity_is_refused(closed_port, listener, no_lxml):
    refused(xxe(f"http://127.0.0.1:{closed_port}/x"))
    messages = refused(xxe(f"http://127.0.0.1:{listener.getsockname()[1]}/x"))
    assert "DOCTYPE" in messages[0]
    assert_no_connection(listener)


def test_billion_laughs_is_refused(no_lxml):
    assert "DOCTYPE" in refused(BILLION_LAUGHS)[0]


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE View SYSTEM "file:///etc/passwd">',
    '<!DOCTYPE View PUBLIC "-//X//DTD X//EN" "http://127.0.0.1:9/x.dtd">',
    "<!DOCTYPE View>",
    "<!doctype View>",
    "<!DOCTYPE\nView>",
])
def test_doctype_and_external_dtd_are_refused(doctype, no_lxml):
    messages = refused(f'<?xml version="1.0"?>\n{doctype}\n<View></View>')
    assert "DOCTYPE" in messages[0] and "remove the declaration" in messages[0]


def test_doctype_after_comments_and_as_bytes_is_refused(no_lxml):
    refused("<!-- hello -->\n  <!DOCTYPE View><View/>")
    refused(b"\xef\xbb\xbf<!DOCTYPE View><View/>")


def test_entity_declaration_without_doctype_is_refused(no_lxml):
    assert "ENTITY" in refused('<!ENTITY x "y"><View/>')[0]


def test_oversized_config_is_refused(no_lxml):
    text = "<View>" + " " * xmlsafe.MAX_CONFIG_BYTES + "</View>"
    assert "too large" in refused(text)[0]


def test_element_flood_is_refused(no_lxml):
    text = "<View>" + "<View/>" * (xmlsafe.MAX_ELEMENTS + 1) + "</View>"
    assert "too many elements" in refused(text)[0]


# ---- refused or inert after parsing

def test_deep_nesting_is_refused():
    depth = xmlsafe.MAX_DEPTH + 1
    assert "nested too deeply" in refused("<View>" * depth + "</View>" * depth)[0]


def test_large_but_reasonable_config_is_accepted():
    labels = "".join(f'<Label value="L{i}"/>' for i in range(3000))
    config = parse_label_config(
        f'<View><Text name="t" value="$t"/><Labels name="l" toName="t">{labels}</Labels></View>')
    assert len(config.controls["l"]["labels"]) == 3000


def test_undeclared_entity_is_a_parse_error():
    assert "Entity 'x' not defined" in refused('<View><Header value="&x;"/></View>')[0]


def test_character_references_and_encoding_declaration_are_fine():
    config = parse_label_config('<?xml version="1.0" encoding="latin-1"?><View><Header value="&#65;&amp;é"/></View>')
    assert 'value="&#65;&amp;é"' in config.label_config_line


def test_xinclude_is_never_processed(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    text = ('<View xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<xi:include href="{fifo.as_uri()}" parse="text"/><Text name="t" value="$t"/></View>')
    config = _in_thread(lambda: parse_label_config(text))
    assert config.data_keys == ["t"]
    _assert_fifo_unopened(fifo)


# ---- defence in depth: the lxml parser alone, with the DOCTYPE pre-check bypassed

def _in_thread(func, timeout=5.0):
    box = {}

    def run():
        try:
            box["value"] = func()
        except Exception as exc:  # noqa: BLE001 - reported below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "parser blocked: it tried to read a file"
    if "error" in box:
        raise box["error"]
    return box["value"]


def _assert_fifo_unopened(fifo: Path):
    # Opening a FIFO for writing without blocking fails with ENXIO when no reader has it open.
    with pytest.raises(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def _raw_parse(text: str):
    """The parsed root, or None when lxml refuses the text itself."""
    try:
        return etree.fromstring(text.encode(), xmlsafe._make_parser())
    except etree.XMLSyntaxError:
        return None


def test_parser_does_not_read_external_entities(secret_file, tmp_path):
    for text in (xxe(secret_file.as_uri()), f'<!DOCTYPE V [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]><V>&x;</V>'):
        root = _raw_parse(text)
        assert root is None or SECRET not in etree.tostring(root, encoding="unicode")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    _in_thread(lambda: _raw_parse(xxe(fifo.as_uri())))
    _assert_fifo_unopened(fifo)


def test_parser_does_not_load_external_dtd(tmp_path):
    fifo = tmp_path / "dtd"
    os.mkfifo(fifo)
    _in_thread(lambda: _raw_parse(f'<!DOCTYPE View SYSTEM "{fifo.as_uri()}"><View/>'))
    _assert_fifo_unopened(fifo)


def test_resolver_denies_even_when_libxml2_asks(tmp_path):
    # collect_ids=False makes libxml2 fetch an external DTD; the resolver still answers empty.
    fifo = tmp_path / "dtd"
    os.mkfifo(fifo)
    unsafe = etree.XMLParser(collect_ids=False, load_dtd=False, resolve_entities=False, no_network=True)
    unsafe.resolvers.add(xmlsafe._DenyResolver())
    doc = f'<!DOCTYPE View SYSTEM "{fifo.as_uri()}"><View/>'.encode()
    _in_thread(lambda: etree.fromstring(doc, unsafe))
    _assert_fifo_unopened(fifo)


def test_parser_does_not_touch_the_network(listener, closed_port):
    port = listener.getsockname()[1]
    _raw_parse(xxe(f"http://127.0.0.1:{port}/x"))
    _raw_parse(f'<!DOCTYPE View SYSTEM "http://127.0.0.1:{port}/x.dtd"><View/>')
    _raw_parse(xxe(f"http://127.0.0.1:{closed_port}/x"))
    assert_no_connection(listener)


def test_parser_does_not_expand_entities():
    for text in (BILLION_LAUGHS, BILLION_LAUGHS.replace('<Header value="&lol9;"/>', "&lol9;")):
        root = _raw_parse(text)
        assert root is None or len(etree.tostring(root)) < 10_000


def test_parse_xml_refuses_entity_nodes_even_without_precheck(monkeypatch):
    monkeypatch.setattr(xmlsafe, "check_raw", lambda data: None)
    with pytest.raises(xmlsafe.UnsafeXMLError):
        xmlsafe.parse_xml('<!DOCTYPE View [<!ENTITY x "y">]><View>&x;</View>')


def test_only_xmlsafe_parses_xml():
    package = Path(xmlsafe.__file__).parent
    sources = list(package.glob("*.py")) + list((package.parent / "templates").glob("*.py"))
    sources.append(package.parent / "examples_data.py")
    pattern = re.compile(r"fromstring|etree\.parse|etree\.XML\(|XMLParser|iterparse|ElementTree|minidom|sax")
    offenders = [p.name for p in sources if p.name != "xmlsafe.py" and pattern.search(p.read_text())]
    assert offenders == []
