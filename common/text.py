import re

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
