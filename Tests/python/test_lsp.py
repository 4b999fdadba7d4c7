"""`spawnc lsp` driven end to end by a real LSP client (pytest-lsp on pygls): initialize,
diagnostics at the right UTF-16 positions, hover, completion, formatting, code actions,
document symbols, incremental changes, malformed messages, shutdown and exit."""
import json
import os
import pathlib
import subprocess
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SPAWNC

ID = "sha256:" + "d" * 64
# The error on line 2 comes after non-ASCII text: é (one UTF-16 unit) and 🙂 (two).
RECIPE = f"""FROM busybox@{ID} AS build
ENV A="é🙂" B=$NOPE
ADD app /app
from {ID}
COPY --from=build /app /app
CMD ["/app"]
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SPAWNC, "lsp"]))
async def client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities()))
    assert result.server_info.name == "spawnc"
    assert result.capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)
    yield
    await lsp_client.shutdown_session()


def open_document(client: LanguageClient, path: pathlib.Path, text: str) -> str:
    """Writes and opens a recipe; it goes into a directory called `app` (the container name
    comes from the directory, and pytest's temporary directory names are not valid names)."""
    path = path.parent / "app" / path.name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="spawnfile", version=1, text=text)))
    return uri


async def diagnostics_after(client: LanguageClient, action):
    """Runs an action that makes the server publish, and returns the next diagnostics."""
    action()
    params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return params


async def test_diagnostics_use_utf16_positions(client: LanguageClient, tmp_path: pathlib.Path):
    published = await diagnostics_after(client, lambda: open_document(client, tmp_path / "Spawnfile", RECIPE))
    by_code = {d.code: d for d in published.diagnostics}
    assert set(by_code) == {"SP3001", "SP5001"}, published.diagnostics
    undefined = by_code["SP3001"]
    assert undefined.severity == types.DiagnosticSeverity.Error
    assert undefined.source == "spawnc"
    # `ENV A="é🙂" B=` is 14 UTF-16 units (13 code points, 17 bytes) before `$NOPE`.
    assert undefined.range == types.Range(start=types.Position(line=1, character=14),
                                          end=types.Position(line=1, character=19))
    assert "`NOPE` is not defined" in undefined.message
    add = by_code["SP5001"]
    assert add.range.start == types.Position(line=2, character=0)


async def test_incremental_change_updates_diagnostics(client: LanguageClient, tmp_path: pathlib.Path):
    uri = tmp_path.joinpath("app", "Spawnfile").as_uri()
    await diagnostics_after(client, lambda: open_document(client, tmp_path / "Spawnfile", RECIPE))
    # Replace `$NOPE` (after the emoji) with `x`: an edit addressed in UTF-16 units.
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=1, character=14), end=types.Position(line=1, character=19)),
        text="x")
    published = await diagnostics_after(client, lambda: client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2), content_changes=[change])))
    assert [d.code for d in published.diagnostics] == ["SP5001"]
    assert published.version == 2
    # A whole-document change.
    whole = types.TextDocumentContentChangeWholeDocument(text=f"FROM {ID}\nCMD [\"/app\"]\n")
    published = await diagnostics_after(client, lambda: client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3), content_changes=[whole])))
    assert list(published.diagnostics) == []


async def test_hover(client: LanguageClient, tmp_path: pathlib.Path):
    uri = open_document(client, tmp_path / "Spawnfile", RECIPE)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    keyword = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=1)))
    assert "COPY [--from=stage]" in keyword.contents.value
    assert keyword.range.start == types.Position(line=4, character=0)
    error = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=16)))
    assert "**SP3001** `undefined-variable`" in error.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=5, character=10)))
    assert nothing is None


async def test_completion(client: LanguageClient, tmp_path: pathlib.Path):
    text = f"FROM {ID} AS build\nARG VERSION=1\nENV HOME_DIR=/srv\nFROM {ID}\nCOPY --\nEXPOSE --activation=\nRUN echo ${{\nCO\n"
    uri = open_document(client, tmp_path / "Spawnfile", text)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    async def labels(line, character):
        result = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        items = result.items if isinstance(result, types.CompletionList) else result
        return {item.label for item in items}

    assert {"COPY", "CMD", "FROM", "EXPOSE"} <= await labels(7, 2)
    assert {"--from=", "--chown=", "--chmod=", "--link"} == await labels(4, 7)
    assert {"none", "socket", "proxy"} == await labels(5, 20)
    assert {"VERSION", "HOME_DIR"} == await labels(6, 11)
    stages = f"FROM {ID} AS build\nFROM {ID}\nCOPY --from=\n"
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=stages)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert {"build"} == await labels(2, 12)


async def test_formatting(client: LanguageClient, tmp_path: pathlib.Path):
    messy = f"from   {ID}\ncmd   [\"/app\",\"-v\"]\n\n\n"
    uri = open_document(client, tmp_path / "Spawnfile", messy)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert len(edits) == 1
    expected = subprocess.run([SPAWNC, "fmt", "-"], input=messy, capture_output=True, text=True, check=True).stdout
    assert edits[0].new_text == expected
    assert edits[0].new_text.startswith(f"FROM {ID}\nCMD ")
    assert edits[0].range.start == types.Position(line=0, character=0)


async def test_code_action_applies_a_fix(client: LanguageClient, tmp_path: pathlib.Path):
    uri = open_document(client, tmp_path / "Spawnfile", RECIPE)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=2, character=0), end=types.Position(line=2, character=3)),
        context=types.CodeActionContext(diagnostics=[])))
    titles = [action.title for action in actions]
    assert "replace `ADD` with `COPY`" in titles
    action = actions[titles.index("replace `ADD` with `COPY`")]
    assert action.kind == types.CodeActionKind.QuickFix
    [edit] = action.edit.changes[uri]
    assert edit.new_text == "COPY"
    assert edit.range == types.Range(start=types.Position(line=2, character=0), end=types.Position(line=2, character=3))
    # Apply it as an editor would: the diagnostic goes away.
    published = await diagnostics_after(client, lambda: client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)])))
    assert "SP5001" not in [d.code for d in published.diagnostics]


async def test_document_symbols_are_stages(client: LanguageClient, tmp_path: pathlib.Path):
    uri = open_document(client, tmp_path / "Spawnfile", RECIPE)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [s.name for s in symbols] == ["build", "stage 1"]
    assert [c.name for c in symbols[0].children] == ["FROM", "ENV", "ADD"]
    assert symbols[1].range.start.line == 3


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_messages(data: bytes):
    messages = []
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


def test_malformed_messages_get_errors_not_a_crash():
    """Raw bytes, no client library: bad JSON, a request without a method, an unknown
    method, a request before initialize, a bad header; the server answers each and exits 0
    after shutdown and exit."""
    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}).encode()
    stream = b"".join([
        frame(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "textDocument/hover", "params": {}}).encode()),
        frame(init),
        frame(b"{not json"),
        frame(json.dumps({"jsonrpc": "2.0", "id": 2}).encode()),
        frame(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}).encode()),
        frame(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {"x": 1.5}}).encode()),
        b"Bogus-Header: 1\r\n\r\n",
        frame(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "shutdown"}).encode()),
        frame(json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode()),
    ])
    result = subprocess.run([SPAWNC, "lsp"], input=stream, capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    messages = read_messages(result.stdout)
    codes = [(m.get("id"), m.get("error", {}).get("code")) for m in messages]
    assert codes == [(0, -32002), (1, None), (None, -32700), (2, -32600), (3, -32601), (4, -32602),
                     (None, -32700), (5, None)], messages


def test_exit_without_shutdown_is_status_1():
    stream = frame(json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode())
    result = subprocess.run([SPAWNC, "lsp"], input=stream, capture_output=True, timeout=30)
    assert result.returncode == 1


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with one imported image called `busybox` (importing needs root and ostree)."""
    if os.geteuid() != 0:
        pytest.skip("importing an image needs root")
    base = tmp_path_factory.mktemp("store")
    tree = base / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "hostname").write_text("busybox\n")
    result = subprocess.run([SPAWNC, "import", str(tree), "--name", "busybox", "--state-dir", str(base / "state")],
                            capture_output=True, text=True, check=True)
    return base / "state", result.stdout.strip().splitlines()[-1]


async def test_code_action_pins_from_to_an_imported_image(store, tmp_path: pathlib.Path):
    state, image_id = store
    config = ClientServerConfig(server_command=[SPAWNC, "lsp", "--state-dir", str(state)])
    lsp_client = await config.start()
    try:
        await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
        uri = open_document(lsp_client, tmp_path / "Spawnfile", "FROM busybox:latest\nCMD [\"/app\"]\n")
        published = await lsp_client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        [unpinned] = [d for d in published.diagnostics if d.code == "SP2001"]
        actions = await lsp_client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=unpinned.range,
            context=types.CodeActionContext(diagnostics=[unpinned])))
        pins = [a for a in actions if a.title.startswith("pin to busybox@")]
        assert len(pins) == 1, [a.title for a in actions]
        [edit] = pins[0].edit.changes[uri]
        assert edit.new_text == f"busybox@{image_id}"
        assert edit.range == unpinned.range
        # Completion after FROM offers the imported image too.
        result = await lsp_client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=5)))
        items = result.items if isinstance(result, types.CompletionList) else result
        assert f"busybox@{image_id}" in {item.label for item in items}
        await lsp_client.shutdown_session()
    finally:
        await lsp_client.stop()
