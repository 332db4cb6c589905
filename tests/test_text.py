"""Text comparison helpers used by duplicate detection and similar requests."""

from hypothesis import given
from hypothesis import strategies as st

from common.text import bigrams, jaccard, normalized

grams = st.frozensets(st.text(min_size=2, max_size=2), max_size=40)


@given(grams, grams)
def test_jaccard_is_the_shared_share_of_all_bigrams(a, b):
    expected = len(a & b) / len(a | b) if a and b else 0.0
    assert jaccard(a, b) == expected


def test_bigrams_ignore_white_space_and_case():
    assert bigrams("电力 增容\nAB") == bigrams("电力增容ab") == frozenset({"电力", "力增", "增容", "容a", "ab"})
    assert normalized(" 电力\t增容 ") == "电力增容"
