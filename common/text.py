import re

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def split_keywords(text: str) -> list[str]:
    """Admin-entered keyword lists: separated by spaces, commas or 、."""
    return [w for w in _SEPARATORS.split(text or "") if w]


def normalized(text: str) -> str:
    """Text compared for exact resubmission: no white space, no case."""
    return re.sub(r"\s+", "", text or "").lower()


def bigram_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams: cheap, language-neutral near-duplicate detection."""
    grams_a, grams_b = _bigrams(normalized(a)), _bigrams(normalized(b))
    if not grams_a or not grams_b:
        return 0.0
    return len(grams_a & grams_b) / len(grams_a | grams_b)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}
