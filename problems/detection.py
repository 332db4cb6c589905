"""Finding common problems in a set of tickets: pure computation, no database (DESIGN.md §6).

1. Features: TF-IDF over Chinese character bi- and trigrams of the title (counted twice: it is the
   requester's own summary) and the start of the description, hashed into a fixed space so that the
   document frequencies of one run can be stored and reused for single new tickets.
2. Candidates (never all pairs): each ticket keeps its few most distinctive n-grams (highest TF-IDF,
   seen in at least one other ticket). Tickets sharing one of them are candidate pairs — an inverted
   index over a bounded number of terms per ticket, each ticket paired with its next few neighbours in
   time in a term's list, so the work grows with the number of tickets, not its square. An n-gram held
   as distinctive by too many tickets names no particular problem and is dropped from the index.
3. Edges: candidate pairs from different or the same requester whose cosine similarity reaches the
   threshold and whose dates are within the window of each other.
4. Groups: connected components of the edges, cut by average linkage where a component chains
   unrelated tickets; a group counts when it holds tickets of at least two different companies.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

N_FEATURES = 2**20
DESCRIPTION_CHARS = 300  # the start of a description says what and where; the rest dilutes it
_NOISE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Params:
    threshold: float = 0.18  # cosine similarity that links two tickets
    window_days: float = 90.0  # two tickets link only when filed within this many days of each other
    key_terms: int = 12  # distinctive n-grams per ticket in the candidate index
    max_posting: int = 400  # an n-gram distinctive for more tickets than this is not indexed
    reach: int = 20  # in a term's (time-ordered) list, a ticket is paired with the next this many
    min_companies: int = 2


def prepare(title: str, description: str) -> str:
    """The text compared: title twice, then the start of the description, punctuation folded."""
    text = f"{title} {title} {description[:DESCRIPTION_CHARS]}"
    return _NOISE.sub(" ", text).strip()


class Features:
    """Hashed character n-grams weighted by inverse document frequency, rows L2-normalised."""

    def __init__(self, idf: np.ndarray | None = None, n_docs: int = 0):
        self.hasher = HashingVectorizer(
            analyzer="char", ngram_range=(2, 3), n_features=N_FEATURES, alternate_sign=False, norm=None
        )
        self.idf = idf
        self.n_docs = n_docs

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        counts = self.hasher.transform(texts).tocsr()
        counts.data = 1.0 + np.log(counts.data)  # sublinear tf: a repeated n-gram is not n times as telling
        return counts

    def fit(self, counts: sparse.csr_matrix) -> Features:
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        self.n_docs = counts.shape[0]
        self.idf = (np.log((1 + self.n_docs) / (1 + df)) + 1.0).astype(np.float32)
        self.df = df
        return self

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        weighted = counts.copy()
        weighted.data *= self.idf[weighted.indices]  # in place: a broadcast multiply would copy the matrix
        return normalize(weighted, copy=False)


def key_terms(matrix: sparse.csr_matrix, df: np.ndarray, k: int, *, shared_only: bool = True) -> sparse.csr_matrix:
    """A binary matrix marking each row's k heaviest features (among those other rows have too: a feature
    of one row alone cannot pair it; the stored index keeps them all, for tickets still to come)."""
    rows, cols = [], []
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    shared = df[indices] >= (2 if shared_only else 1)
    for i in range(matrix.shape[0]):
        lo, hi = indptr[i], indptr[i + 1]
        mask = shared[lo:hi]
        if not mask.any():
            continue
        idx, weights = indices[lo:hi][mask], data[lo:hi][mask]
        top = idx[np.argsort(-weights, kind="stable")[:k]]
        rows.append(np.full(len(top), i))
        cols.append(top)
    if not rows:
        return sparse.csr_matrix(matrix.shape, dtype=np.float32)
    r, c = np.concatenate(rows), np.concatenate(cols)
    return sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=matrix.shape)


def candidate_pairs(keys: sparse.csr_matrix, max_posting: int, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """(i, j), i < j, of rows sharing at least one indexed key term.

    Rows come in filing order, so a term's posting list is in time order too; each row is paired with
    the next `reach` rows of the list (all of them in a short list). A long list — a problem many
    companies report — stays connected through its time neighbours, and costs `reach` pairs per row
    instead of its length.
    """
    keys = keys.tocsc()
    sizes = np.diff(keys.indptr)
    keep = (sizes >= 2) & (sizes <= max_posting)
    keys = keys[:, np.flatnonzero(keep)].tocsc()
    keys.sort_indices()
    rows, column = keys.indices.astype(np.int64), np.repeat(np.arange(keys.shape[1]), np.diff(keys.indptr))
    found_i, found_j = [], []
    for step in range(1, reach + 1):
        same = column[step:] == column[:-step]
        if not same.any():
            break
        found_i.append(rows[:-step][same])
        found_j.append(rows[step:][same])
    if not found_i:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    unique = np.unique(lo * keys.shape[0] + hi)
    return unique // keys.shape[0], unique % keys.shape[0]


def pair_similarity(matrix: sparse.csr_matrix, i: np.ndarray, j: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    out = np.empty(len(i), dtype=np.float32)
    for lo in range(0, len(i), chunk):
        a, b = matrix[i[lo : lo + chunk]], matrix[j[lo : lo + chunk]]
        out[lo : lo + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


MAX_DENSE = 400  # above this, a component is first cut by raising the threshold on its own edges


def group(
    matrix: sparse.csr_matrix,
    times: np.ndarray,
    companies: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    params: Params,
) -> list[np.ndarray]:
    """Groups of row indices (each with ≥ min_companies companies), largest first."""
    sim = pair_similarity(matrix, i, j)
    close = np.abs(times[i] - times[j]) <= params.window_days * 86400
    ok = (sim >= params.threshold) & close
    groups = []
    for members in _components(matrix.shape[0], i[ok], j[ok], sim[ok], params.threshold):
        for part in _cut(matrix, members, params):
            if len(np.unique(companies[part])) >= params.min_companies:
                groups.append(part)
    groups.sort(key=lambda g: (-len(np.unique(companies[g])), -len(g), g.min()))
    return groups


def _components(n: int, i: np.ndarray, j: np.ndarray, sim: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Connected components of ≥ 2 rows; one too big for a dense cut is split on its stronger edges."""
    graph = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)).tocsr()
    _count, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    parts = [p for p in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if len(p) >= 2]
    out = []
    for members in parts:
        if len(members) <= MAX_DENSE or threshold >= 0.95:
            out.append(members)
            continue
        inside = np.zeros(n, dtype=bool)
        inside[members] = True
        keep = inside[i] & (sim >= threshold + 0.05)
        out += _components(n, i[keep], j[keep], sim[keep], threshold + 0.05)
    return out


def _dense_similarity(matrix: sparse.csr_matrix, members: np.ndarray) -> np.ndarray:
    """Cosine similarities among a few rows (restricted to their own columns: the hashed space is wide)."""
    starts, ends = matrix.indptr[members], matrix.indptr[members + 1]
    taken = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
    indptr = np.concatenate([[0], np.cumsum(ends - starts)])
    columns, renumbered = np.unique(matrix.indices[taken], return_inverse=True)
    rows = sparse.csr_matrix((matrix.data[taken], renumbered, indptr), shape=(len(members), len(columns)))
    return (rows @ rows.T).toarray()


def _cut(matrix, members: np.ndarray, params: Params) -> list[np.ndarray]:
    """Split a component that chains unrelated tickets: average linkage at the same threshold."""
    if len(members) <= 3:
        return [members]
    sims = _dense_similarity(matrix, members)
    mean = (sims.sum() - len(members)) / (len(members) * (len(members) - 1))
    if mean >= params.threshold:
        return [members]
    distance = np.clip(1.0 - sims, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - params.threshold, criterion="distance")
    return [members[labels == label] for label in np.unique(labels)]


def detect(
    titles: Sequence[str],
    descriptions: Sequence[str],
    times: np.ndarray,
    companies: np.ndarray,
    params: Params = Params(),
) -> tuple[list[np.ndarray], Features, sparse.csr_matrix]:
    """Groups of indices into the inputs, the fitted features and the weighted matrix."""
    texts = [prepare(t, d) for t, d in zip(titles, descriptions, strict=True)]
    features = Features()
    counts = features.counts(texts)
    features.fit(counts)
    matrix = features.weigh(counts)
    keys = key_terms(matrix, features.df, params.key_terms)
    i, j = candidate_pairs(keys, params.max_posting, params.reach)
    groups = group(matrix, np.asarray(times, dtype=np.float64), np.asarray(companies), i, j, params)
    return groups, features, matrix


def row_key_terms(row: sparse.csr_matrix, k: int) -> list[int]:
    """One new ticket's distinctive n-grams: the heaviest, also those never seen (a new place name)."""
    idx, weights = row.indices, row.data
    return [int(t) for t in idx[np.argsort(-weights, kind="stable")[:k]]]


def central(matrix: sparse.csr_matrix, members: np.ndarray) -> int:
    """The member most similar to the others: its title names the group."""
    sims = _dense_similarity(matrix, members).sum(axis=1)
    return int(members[int(np.argmax(sims))])


_STOP = frozenset(
    ["关于", "问题", "反映", "请求", "希望", "建议", "投诉", "举报", "咨询", "领导", "相关", "部门", "解决", "何时",
     "什么", "为什么", "能否", "是否", "一直", "请问", "严重", "尽快"]
)  # fmt: skip


def keywords(titles: Sequence[str], limit: int = 5) -> list[str]:
    """Strings of two to four characters most of the members' titles share, longest first among equals,
    none inside another one chosen (cheap enough for thousands of groups a run; no word segmentation)."""
    seen: dict[str, int] = {}
    for title in titles:
        text = _NOISE.sub(" ", title)
        grams = {text[p : p + n] for n in (2, 3, 4) for p in range(len(text) - n + 1)}
        for gram in grams:
            if " " not in gram and gram not in _STOP:
                seen[gram] = seen.get(gram, 0) + 1
    needed = 2 if len(titles) > 1 else 1
    ranked = sorted((g for g, c in seen.items() if c >= needed), key=lambda g: (-seen[g], -len(g), g))
    chosen: list[str] = []
    for gram in ranked:
        if not any(gram in c or c in gram for c in chosen):
            chosen.append(gram)
        if len(chosen) == limit:
            break
    return chosen


def dumps_idf(features: Features) -> bytes:
    return zlib.compress(features.idf.astype(np.float32).tobytes(), 6)


def loads_idf(blob: bytes, n_docs: int) -> Features:
    return Features(np.frombuffer(zlib.decompress(blob), dtype=np.float32), n_docs)
