"""What a user does: copy dist/ beside an index.html that holds only the script tag and
SPEC.md's example, serve that folder, open it in two tabs."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT, UserApp, decoded, wait_for

pytestmark = pytest.mark.browser


def test_dist_copied_beside_a_bare_index_html_works_in_two_tabs(user_app: UserApp) -> None:
    example = (ROOT / "demo" / "example.js").read_text()
    user_app.write_index(f'<script src="webxdc.js"></script>\n<script>\n{example}</script>\n')
    a, b = user_app.open(wait=False), user_app.open(wait=False)

    wait_for(lambda: len(decoded(a)) >= 2 and len(decoded(b)) >= 2, timeout=60)
    addr_a, addr_b = a.js("webxdc.selfAddr"), b.js("webxdc.selfAddr")
    assert addr_a != addr_b
    assert decoded(a), a.log()
    assert decoded(b), b.log()
    assert all(t.endswith(f"hello from {addr_b}") for t in decoded(a))
    assert all(t.endswith(f"hello from {addr_a}") for t in decoded(b))
    assert all(re.match(r"Decoded message:  \[\d+\] ", t) for t in decoded(a) + decoded(b))
