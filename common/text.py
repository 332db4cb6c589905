import re
import unicodedata

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def split_keywords(text: str) -> list[str]:
    """Admin-entered keyword lists: separated by spaces, commas or 、."""
    return [w for w in _SEPARATORS.split(text or "") if w]


def normalized(text: str) -> str:
    """Text compared for exact resubmission: no white space, no case."""
    return re.sub(r"\s+", "", text or "").lower()


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of the normalized text (compute once, compare with `jaccard` many times)."""
    text = normalized(text)
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)  # |a ∪ b| without building it


_LINE_BREAKS = frozenset("\n\r\t")
_EMOJI_BEFORE_JOINER = {"So", "Sk", "Mn"}  # a pictograph, a skin tone, a variation selector


def visible_text(text: str, *, multiline: bool = False) -> str:
    """Text as a person reads it: without control characters (line breaks and tabs stay in multi-line text,
    become spaces in a line) and without the invisible format characters — right-to-left overrides and
    isolates, zero-width spaces and joiners, byte-order marks — that make a title read as something else than
    what is stored. A zero-width joiner inside an emoji sequence (👩‍💻) stays: it is part of the picture."""
    kept = []
    for i, ch in enumerate(text or ""):
        kind = unicodedata.category(ch)
        if ch in _LINE_BREAKS:
            kept.append(ch if multiline else " ")
        elif kind == "Cc":
            continue
        elif kind == "Cf":
            if ch == "\u200d" and 0 < i < len(text) - 1:
                before, after = unicodedata.category(text[i - 1]), unicodedata.category(text[i + 1])
                if before in _EMOJI_BEFORE_JOINER and after == "So":
                    kept.append(ch)
        else:
            kept.append(ch)
    return "".join(kept)
