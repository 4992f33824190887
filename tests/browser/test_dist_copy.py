"""What a user does: copy dist/ beside an index.html that holds only the script tag and
SPEC.md's example, serve that folder, open it in two tabs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Tab, serve, wait_for

pytestmark = pytest.mark.browser


def test_dist_copied_beside_a_bare_index_html_works_in_two_tabs(
    tmp_path: Path, chromium: Any
) -> None:
    app = tmp_path / "my-app"
    shutil.copytree(ROOT / "dist", app, ignore=shutil.ignore_patterns(".stamp"))
    example = (ROOT / "tests" / "browser" / "pages" / "example.html").read_text()
    body = example[example.index("<script>") :]
    (app / "index.html").write_text('<script src="webxdc.js"></script>\n' + body)

    with serve(tmp_path) as url:
        context = chromium.new_context()
        try:
            a, b = (Tab(context.new_page()) for _ in range(2))
            a.page.goto(url + "/my-app/")
            b.page.goto(url + "/my-app/")

            def decoded(tab: Tab) -> list[str]:
                return [t for _, t in tab.log() if t.startswith("Decoded message: ")]

            wait_for(lambda: len(decoded(a)) >= 2 and len(decoded(b)) >= 2, timeout=60)
            addr_a, addr_b = a.js("webxdc.selfAddr"), b.js("webxdc.selfAddr")
            assert addr_a != addr_b
            assert decoded(a), a.log()
            assert decoded(b), b.log()
            assert all(t.endswith(f"hello from {addr_b}") for t in decoded(a))
            assert all(t.endswith(f"hello from {addr_a}") for t in decoded(b))
            assert all(re.match(r"Decoded message:  \[\d+\] ", t) for t in decoded(a) + decoded(b))
        finally:
            context.close()
