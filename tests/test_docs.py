"""The README and ARCHITECTURE resolve: every relative link, anchor and repository path they name exists.

A user reads them on a checkout or a package page; a reference to a file, section or note that is not in
the repository sends them nowhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "ARCHITECTURE.md", "connector_ref/README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# `mockcc/guard.py`, `schemas/control/seed.json`, `tests/fuzz/`: code-formatted paths into the repository
PATH = re.compile(r"`((?:mockcc|mockcc_contracts|connector_ref|schemas|tests|docs)/[\w./-]*)`")
# things the repository does not hold, named as if it did
DANGLING = ["protocol notes it was built from", "protocol notes §", "in the protocol notes"]


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        out.add(slug)
    return out


def _text(doc: str) -> str:
    return (ROOT / doc).read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", DOCS)
def test_relative_links_and_anchors_resolve(doc: str) -> None:
    broken = []
    for target in LINK.findall(_text(doc)):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto: are not the repository's
            continue
        file, _, anchor = target.partition("#")
        path = (ROOT / doc).parent / file if file else ROOT / doc
        if not path.exists():
            broken.append(f"{target}: no {path.relative_to(ROOT)}")
        elif anchor and anchor not in anchors(path.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading #{anchor} in {path.relative_to(ROOT)}")
    assert not broken, broken


@pytest.mark.parametrize("doc", DOCS)
def test_named_paths_exist(doc: str) -> None:
    ignored = _text(".gitignore").split()  # what a run writes (tests/console/screenshots/) is named, not held
    missing = sorted({n for n in PATH.findall(_text(doc)) if not (ROOT / n).exists() and n not in ignored})
    assert not missing, f"{doc} names paths the repository does not hold: {missing}"


@pytest.mark.parametrize("doc", DOCS)
def test_no_reference_to_what_the_repository_does_not_hold(doc: str) -> None:
    text = _text(doc)
    assert not [phrase for phrase in DANGLING if phrase in text]


def test_every_make_target_states_what_it_needs() -> None:
    """Each documented target (``## name: ...`` in the Makefile) is in the README's table of targets."""
    targets = re.findall(r"^## ([\w-]+):", _text("Makefile"), flags=re.MULTILINE)
    readme = _text("README.md")
    assert targets
    assert [t for t in targets if f"| `make {t}`" not in readme] == []


def test_the_readme_seed_example_is_a_seed_the_mock_takes() -> None:
    import yaml
    from starlette.testclient import TestClient

    from mockcc.app import create_app
    from mockcc.settings import Settings

    section = _text("README.md").split("## The seed file", 1)[1]
    example = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    with TestClient(create_app(Settings()), base_url="http://127.0.0.1") as client:
        answer = client.post("/_mockcc/seed", json=example)
        assert answer.status_code == 200, answer.text
        assert answer.json()["accounts"] == ["70000001"]
        assert client.post("/_mockcc/seed", json={"accounts": [example["accounts"][0]] * 2}).status_code == 409
