"""Every reference the repository makes to itself leads somewhere: Markdown links, documents and paths named in text."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".py", ".md", ".js", ".html", ".css", ".sh", ".bicep", ".json", ".toml", ".txt", ".yml", ".yaml"}

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MARKDOWN_NAME = re.compile(r"[^\s`'\"()\[\]<>,;]*[A-Za-z0-9_-]\.md\b")


def _tracked() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in listed.splitlines() if (ROOT / name).is_file()]


TRACKED = _tracked()
MARKDOWN = [p for p in TRACKED if p.suffix == ".md"]
TEXT = [p for p in TRACKED if p.suffix in TEXT_SUFFIXES or p.name == "makefile"]
TOP_FOLDERS = sorted({p.relative_to(ROOT).parts[0] for p in TRACKED if len(p.relative_to(ROOT).parts) > 1})
_REPO_PATH = re.compile(r"`((?:" + "|".join(re.escape(t) for t in TOP_FOLDERS) + r")/[^`\s<>*]*)`")


def _prose(markdown: str) -> str:
    """The Markdown without its fenced code blocks (a `#` there is a shell comment, `[x](y)` is code)."""
    return _FENCE.sub("", markdown)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(markdown_file: Path) -> set[str]:
    return {_slug(h) for h in _HEADING.findall(_prose(markdown_file.read_text(encoding="utf-8")))}


def _ignored(path: Path) -> bool:
    """True for what git ignores: folders the tools make at run time (results, data, vendored files)."""
    check = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT, capture_output=True)
    return check.returncode == 0


def _broken_link(source: Path, target: str) -> str | None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:, ...
        return None
    path_part, _, anchor = target.partition("#")
    resolved = (source.parent / path_part).resolve() if path_part else source
    if not resolved.exists():
        return f"{target}: no such file"
    if anchor and resolved.suffix == ".md" and anchor.lower() not in _anchors(resolved):
        return f"{target}: no heading with the anchor #{anchor}"
    return None


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def test_every_relative_link_in_a_markdown_file_resolves() -> None:
    broken = []
    for document in MARKDOWN:
        prose = _prose(_text(document))
        for target in _LINK.findall(prose) + _REFERENCE_LINK.findall(prose):
            if problem := _broken_link(document, target):
                broken.append(f"{document.relative_to(ROOT)}: {problem}")
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


def test_every_markdown_document_named_in_a_file_is_in_the_repository() -> None:
    missing = []
    for source in TEXT:
        named = {name for name in _MARKDOWN_NAME.findall(_text(source)) if "://" not in name}  # web addresses aside
        for name in sorted(named):
            if not any((base / name).exists() for base in (source.parent, ROOT)):
                missing.append(f"{source.relative_to(ROOT)}: {name}")
    assert not missing, "documents named but not in the repository:\n" + "\n".join(missing)


def test_every_repository_path_quoted_in_a_file_exists() -> None:
    missing = []
    for source in TEXT:
        quoted = {re.split(r"[:#(]", m)[0] for m in _REPO_PATH.findall(_text(source))}
        for path in sorted(quoted):
            if not (ROOT / path).exists() and not _ignored(ROOT / path):
                missing.append(f"{source.relative_to(ROOT)}: {path}")
    assert not missing, "paths quoted but not in the repository:\n" + "\n".join(missing)
