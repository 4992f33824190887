"""The contract is in the repository (docs/SPEC.md, docs/SPEC-webxdc.md), and what cites it
cites what is there: every "SPEC.md row N" and "section N" in the code, the tests and the
docs, every row the self-test checks, every test named for a row. Where the contract the
project was given lies beside the clone (../shared/), ours has its rows and its members."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from webxdc_realtime.host.server import CSP

ROOT = Path(__file__).resolve().parents[1]
OURS = ROOT / "docs" / "SPEC.md"
OURS_WEBXDC = ROOT / "docs" / "SPEC-webxdc.md"
GIVEN = ROOT.parent / "shared" / "SPEC.md"
GIVEN_WEBXDC = ROOT.parent / "shared" / "SPEC-webxdc.md"
NOT_BESIDE = "the contract the project was given is not beside this clone (../shared/)"


def sections(text: str) -> set[str]:
    return set(re.findall(r"^## (\d+)\. ", text, re.MULTILINE))


def rows(text: str, section: str) -> list[str]:
    """The first column of the table of ``## {section}.``, in order."""
    part = text.split(f"\n## {section}. ", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| ([0-9][^|]*?) \|", part, re.MULTILINE)


def members(text: str) -> list[str]:
    part = text.split("\n## Members", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| (`[^|]*`) \|", part, re.MULTILINE)


def cited() -> list[tuple[str, str, str]]:
    """Every citation of SPEC.md's rows and sections in the tracked files: (file, kind, what)."""
    files = subprocess.run(
        ["git", "ls-files", "py_src", "js_glue", "tests", "tools", "demo", "bench", "docs", "*.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if path in (OURS, OURS_WEBXDC) or path.suffix not in {".py", ".js", ".md", ".ts", ".html"}:
            continue
        text = path.read_text(errors="replace")
        for number in re.findall(r"SPEC\.md,? rows? (\d+)", text):
            found.append((name, "row", number))
        for number in re.findall(r"SPEC\.md,? section (\d)", text):
            found.append((name, "section", number))
        for number in re.findall(r"\bdef test_row(\d+)_", text):
            found.append((name, "row", number))
        for number in re.findall(r'\brow: "(\d+)', text):
            found.append((name, "row", number))
    return found


def test_every_row_and_section_cited_is_in_the_contract() -> None:
    text = OURS.read_text()
    ours = {row.split(" ")[0] for row in rows(text, "2")}
    found = cited()
    assert len(found) > 30, found  # the citations are found at all
    wrong = [
        (name, kind, what)
        for name, kind, what in found
        if (kind == "row" and what not in ours)
        or (kind == "section" and what not in sections(text))
    ]
    assert wrong == []


def test_its_rows_are_numbered_once_in_order_and_its_policy_is_the_servers() -> None:
    text = OURS.read_text()
    assert rows(text, "2") == [str(n) for n in range(1, 23)]
    assert set(rows(text, "4")) <= set(rows(text, "2")) | {"8 (send)", "8 (setListener)"}
    assert CSP in OURS_WEBXDC.read_text()


@pytest.mark.skipif(not GIVEN.exists(), reason=NOT_BESIDE)
def test_it_has_the_rows_of_the_contract_given() -> None:
    given, ours = GIVEN.read_text(), OURS.read_text()
    assert sections(ours) == sections(given)
    for section in ("2", "4"):
        assert rows(ours, section) == rows(given, section), section


@pytest.mark.skipif(not GIVEN_WEBXDC.exists(), reason=NOT_BESIDE)
def test_it_has_the_members_and_the_messages_of_the_webxdc_contract_given() -> None:
    given, ours = GIVEN_WEBXDC.read_text(), OURS_WEBXDC.read_text()
    assert members(ours) == members(given)
    spans = [span.strip("`") for span in re.findall(r"``.+?``|`[^`\n]+`", given)]
    quoted = [span for span in spans if len(span) > 40]
    assert len(quoted) >= 6, quoted
    for message in quoted:  # the messages, word for word, and the policy
        assert message in ours, message
