"""The rest of window.webxdc (SPEC-webxdc.md) in plain tabs: updates, sendToChat, the
members, and storage of each peer's own."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from conftest import engine

from .conftest import Tab, wait_for

pytestmark = pytest.mark.browser

_chats = itertools.count()


def chat() -> str:
    """A chat of its own for each test: updates persist in the browser context."""
    return f"api-{next(_chats)}"


EMPTY = (
    "Error from sendToChat: Invalid empty message, at least one of text or file should be provided"
)


def updates(tab: Tab) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = tab.js("U.got")
    return got


def test_an_update_reaches_every_peer_the_sender_too_with_serials(fresh: Any) -> None:
    room = chat()
    a = fresh(f"api.html?chat={room}#addr=a@x&name=A", wait=False)
    b = fresh(f"api.html?chat={room}#addr=b@x&name=B", wait=False)
    a.wait_live()
    b.wait_live()
    assert wait_for(lambda: a.js("U.ready") and b.js("U.ready"))
    a.js("webxdc.sendUpdate({payload: {n: 1}, info: 'A played', summary: 'one'})")
    assert wait_for(lambda: len(updates(a)) == 1 and len(updates(b)) == 1)
    assert updates(a) == [
        {"payload": {"n": 1}, "info": "A played", "summary": "one", "serial": 1, "max_serial": 1}
    ]
    assert updates(b) == updates(a)
    b.js("webxdc.sendUpdate({payload: 2})")
    assert wait_for(lambda: len(updates(a)) == 2)
    assert [u["serial"] for u in updates(a)] == [1, 2]
    assert updates(a)[1]["payload"] == 2


def test_a_reload_and_a_late_peer_get_the_history(fresh: Any) -> None:
    room = chat()
    a = fresh(f"api.html?chat={room}#addr=a@x&name=A")
    for i in range(3):
        a.js(f"webxdc.sendUpdate({{payload: {i}}})")
    assert wait_for(lambda: len(updates(a)) == 3)
    a.page.reload()
    a.wait_live()
    assert wait_for(lambda: len(updates(a)) == 3)
    assert [(u["payload"], u["serial"], u["max_serial"]) for u in updates(a)] == [
        (0, 1, 3),
        (1, 2, 3),
        (2, 3, 3),
    ]
    late = fresh(f"api.html?chat={room}&from=1#addr=c@x&name=C")
    assert wait_for(lambda: late.js("U.ready"))
    assert [u["payload"] for u in updates(late)] == [1, 2]  # above serial 1


CIRCULAR = {  # what each engine's JSON.stringify says of a cycle
    "chromium": "Converting circular structure to JSON",
    "firefox": "cyclic object value",
}


def test_an_invalid_update_is_dropped_with_why_and_never_thrown(fresh: Any, browser: Any) -> None:
    a = fresh(f"api.html?chat={chat()}")
    assert a.js("webxdc.sendUpdate({info: 'no payload'}); 'returned'") == "returned"
    a.js("const loop = {}; loop.self = loop; webxdc.sendUpdate({payload: loop})")
    a.js("webxdc.sendUpdate({payload: 1}, 'a description')")
    assert wait_for(lambda: len(a.said("error", "")) >= 3)
    errors = [text for _, text in a.log() if _ == "error"]
    assert "sendUpdate: invalid update, dropped: the update has no payload" in errors[0]
    assert f"not JSON-serialisable: {CIRCULAR[engine(browser)]}" in errors[1]
    assert errors[2] == (
        "parameter description in sendUpdate is deprecated and will be removed in the future"
    )
    assert wait_for(lambda: len(updates(a)) == 1)  # the described one is still sent


def test_get_all_updates_is_deprecated(fresh: Any) -> None:
    a = fresh(f"api.html?chat={chat()}")
    assert a.js("webxdc.getAllUpdates()") == []
    assert a.said("error", "getAllUpdates is deprecated and will be removed in the future") == [
        "getAllUpdates is deprecated and will be removed in the future, it also returns an "
        "empty array now, so you really should use setUpdateListener instead."
    ]


def test_the_members_a_host_sets(fresh: Any) -> None:
    a = fresh(f"api.html?chat={chat()}", wait=False)
    assert a.js(
        "[webxdc.sendUpdateInterval, webxdc.sendUpdateMaxSize, webxdc.isAppSender, "
        "webxdc.isBroadcast, typeof webxdc.importFiles, typeof webxdc.sendToChat]"
    ) == [1000, 18874368, True, False, "function", "function"]


@pytest.mark.parametrize(
    ("message", "rejection"),
    [
        ("{}", EMPTY),
        ("{text: ''}", EMPTY),
        ("{file: {base64: ''}}", "file name is missing"),
        (
            "{file: {name: 'a', base64: '', plainText: ''}}",
            "you can only set one of `blob`, `base64` or `plainText`, not multiple ones",
        ),
        (
            "{file: {name: 'a', base64: 5}}",
            "data is not set or wrong format, set one of `blob`, `base64` or `plainText`, see "
            "webxdc documentation for sendToChat",
        ),
    ],
)
def test_send_to_chat_rejects_with_desktops_strings(
    tabs: Any, message: str, rejection: str
) -> None:
    (a,) = tabs(1, "/tests/browser/pages/api.html")
    assert a.js(f"webxdc.sendToChat({message}).then(() => 'resolved', (r) => r)") == rejection


def test_send_to_chat_resolves_and_says_what_it_would_send(tabs: Any) -> None:
    (a,) = tabs(1, "/tests/browser/pages/api.html")
    assert (
        a.js("webxdc.sendToChat({text: 'hi', file: {name: 'n.txt', plainText: 'héllo'}})") is None
    )
    assert wait_for(lambda: a.said("info", "sendToChat would send"))


def test_each_peer_has_its_own_local_storage_and_indexeddb(fresh: Any) -> None:
    room = chat()
    a = fresh(f"api.html?chat={room}#addr=a@x&name=A", wait=False)
    b = fresh(f"api.html?chat={room}#addr=b@x&name=B", wait=False)
    a.js("localStorage.setItem('device', 'A'); localStorage.color = 'red'")
    b.js("localStorage.setItem('device', 'B')")
    assert a.js("[localStorage.getItem('device'), localStorage.color, localStorage.length]") == [
        "A",
        "red",
        2,
    ]
    assert b.js("[localStorage.device, localStorage.getItem('color'), localStorage.length]") == [
        "B",
        None,
        1,
    ]
    assert sorted(a.js("Object.keys(localStorage)")) == ["color", "device"]
    store = """(value) => new Promise((done, fail) => {
        const open = indexedDB.open('app', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('kv', 'readwrite');
            const kv = tx.objectStore('kv');
            const read = kv.get('who');
            read.onsuccess = () => {
                const before = read.result ?? null;
                if (value !== null) kv.put(value, 'who');
                tx.oncomplete = () => { db.close(); done([before, db.name]); };
            };
        };
        open.onerror = () => fail(open.error);
    })"""
    assert a.js(store, "A") == [None, "app"]
    assert b.js(store, "B") == [None, "app"]
    assert a.js(store, None) == ["A", "app"]
    assert b.js(store, None) == ["B", "app"]
    names = a.js("indexedDB.databases().then((dbs) => dbs.map((db) => db.name))")
    assert names == ["app"]


def test_each_peer_has_its_own_cache_storage(fresh: Any) -> None:
    room = chat()
    a = fresh(f"api.html?chat={room}#addr=a@x&name=A", wait=False)
    b = fresh(f"api.html?chat={room}#addr=b@x&name=B", wait=False)
    put = """async (text) => {
        const cache = await caches.open('assets');
        await cache.put('/thing', new Response(text));
        return [await caches.keys(), await caches.has('assets')];
    }"""
    read = "async () => (await (await caches.match('/thing')).text())"
    assert a.js(put, "from A") == [["assets"], True]
    assert b.js(put, "from B") == [["assets"], True]
    assert a.js(read) == "from A"
    assert b.js(read) == "from B"
    assert b.js("caches.delete('assets')") is True
    assert a.js(read) == "from A"


def test_import_files_asks_for_files_as_a_messenger_does(fresh: Any, tmp_path: Any) -> None:
    a = fresh(f"api.html?chat={chat()}")
    (tmp_path / "notes.txt").write_text("hello")
    with a.page.expect_file_chooser() as chooser_info:
        a.js(
            "window.picked = webxdc.importFiles({extensions: ['.txt'], mimeTypes: ['text/plain'],"
            " multiple: true}).then((files) => files.map((f) => [f.name, f.size])); 0"
        )
    chooser = chooser_info.value
    assert chooser.is_multiple()
    assert chooser.element.get_attribute("accept") == ".txt,text/plain"
    chooser.set_files(str(tmp_path / "notes.txt"))
    assert a.js("window.picked") == [["notes.txt", 5]]
    assert a.js("document.querySelectorAll('input[type=file]').length") == 0  # removed again
