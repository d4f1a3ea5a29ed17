"""Characters that make one text print as another: the library refuses them in names, the screen
writes them out in any other text.

Text-direction controls (a right-to-left override makes "任主陈 科息信" print as "信息科 陈主任") and
invisible characters (a zero-width space makes "张\u200b伟" print exactly as 张伟) let a confirmer, an
owner or a roster entry pass for someone else. A name (``desk.name_value``) refuses them; free text
keeps them as typed, and the screen shows each as ``<U+202E>``.
"""

from __future__ import annotations

import re

# ALM, LRM, RLM, the embeddings and overrides (LRE RLE PDF LRO RLO), the isolates (LRI RLI FSI PDI)
DIRECTION = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# soft hyphen, combining grapheme joiner, Mongolian vowel separator, zero-width space / non-joiner /
# joiner, word joiner and the invisible operators, zero-width no-break space (BOM)
INVISIBLE = "\u00ad\u034f\u180e\u200b-\u200d\u2060-\u2064\ufeff"
DECEIVING = re.compile(f"[{DIRECTION}{INVISIBLE}]")
_DIRECTION = re.compile(f"[{DIRECTION}]")


def deceiving(text: str) -> str | None:
    """Why ``text`` could print as another (the first such character, as ``U+202E, a text-direction
    control``), or None."""
    found = DECEIVING.search(text)
    if found is None:
        return None
    kind = "a text-direction control" if _DIRECTION.match(found[0]) else "an invisible (zero-width) character"
    return f"U+{ord(found[0]):04X}, {kind}"


def shown(text: str) -> str:
    """``text`` with each such character written out: ``<U+202E>``."""
    return DECEIVING.sub(lambda m: f"<U+{ord(m[0]):04X}>", text)
