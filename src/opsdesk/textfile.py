"""Text files people bring from Chinese Windows machines: UTF-8 (with or without BOM) or GBK."""

from __future__ import annotations

from pathlib import Path

from opsdesk.errors import InvalidInput


def decode(raw: bytes, path: Path, hint: str) -> tuple[str, str]:
    """(text, "utf-8" | "gbk"); anything else is refused with ``hint`` (what to do instead)."""
    for encoding, name in (("utf-8-sig", "utf-8"), ("gb18030", "gbk")):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, name
    raise InvalidInput(f"{path} is neither UTF-8 nor GBK text; {hint}")
