"""Finding common problems in a set of tickets: pure computation, no database (DESIGN.md §6).

1. Features: TF-IDF over Chinese character bi- and trigrams of the title (counted twice: it is the
   requester's own summary) and the start of the description, hashed into a fixed space so that the
   document frequencies of one run can be stored and reused for single new tickets.
2. Candidates (never all pairs): each ticket keeps its few most distinctive n-grams (highest TF-IDF,
   seen in at least one other ticket). Tickets sharing one of them are candidate pairs — an inverted
   index over a bounded number of terms per ticket, each ticket paired with its next few neighbours in
   time in a term's list, so the work grows with the number of tickets, not its square. An n-gram held
   as distinctive by too many tickets names no particular problem and is dropped from the index. Pairs
   filed further apart than the window are dropped.
3. Groups by their centroids: people who report one problem each write in their own words, so two of
   their tickets are often barely alike (cosine 0.1) while each is close to what the group says on the
   whole (0.25–0.8 to the mean of the others): the shared place and complaint add up, the rest averages
   out. So groups grow by centroid similarity, in rounds: two tickets or two groups join when their
   centroids reach `merge`; a single ticket joins a group at the lower `join`; two groups join only when
   their tickets are also alike on average (`groups`), so that a group does not swallow its neighbours'
   topics. In each round every group takes only its best partner (no chains of weak links), until nothing
   joins. A group counts when it holds tickets of at least two different companies.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jieba
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

N_FEATURES = 2**20
DESCRIPTION_CHARS = 300  # the start of a description says what and where; the rest dilutes it
COMMON_SHARE, COMMON_MIN_DOCS = 0.05, 50  # an n-gram in more documents than these names no particular problem
_NOISE = re.compile(r"[\W_]+")
jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class Params:
    merge: float = 0.22  # centroid cosine at which two tickets, or two groups, become one group
    groups: float = 0.1  # and two groups only when their tickets are this alike on average
    join: float = 0.14  # centroid cosine at which a single ticket joins a group
    window_days: float = 90.0  # two tickets are compared only when filed within this many days of each other
    key_terms: int = 16  # distinctive n-grams per ticket in the candidate index
    max_posting: int = 400  # an n-gram distinctive for more tickets than this is not indexed
    reach: int = 10  # in a term's (time-ordered) list, a ticket is paired with the next this many
    min_companies: int = 2
    max_rounds: int = 50  # rounds of joining; real runs settle in fewer than 20


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

    def common(self, text: str) -> bool:
        """Every n-gram of `text` is in more than COMMON_SHARE of the documents: what nearly every request says."""
        grams = self.hasher.transform([text]).indices
        return len(grams) > 0 and bool((self.idf[grams] < self._common_idf()).all())

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """TF-IDF rows, L2-normalised, without the n-grams of more than COMMON_SHARE of the documents: they say
        nothing about which problem (的, 小区, 请问) and were half of every row's length, so half of the work."""
        weighted = counts.copy()
        weighted.data *= self.idf[weighted.indices]  # in place: a broadcast multiply would copy the matrix
        weighted.data[self.idf[weighted.indices] < self._common_idf()] = 0.0
        weighted.eliminate_zeros()
        return normalize(weighted, copy=False)

    def _common_idf(self) -> float:
        """Below this idf an n-gram is common: in more than COMMON_SHARE of the documents, and more than
        COMMON_MIN_DOCS of them (a small collection has no common words to speak of)."""
        return self.idf_of(max(COMMON_SHARE * self.n_docs, COMMON_MIN_DOCS))

    def idf_of(self, documents: float) -> float:
        """The idf of an n-gram found in this many documents (the stored idf is all that is kept of a run)."""
        return float(np.log((1 + self.n_docs) / (1 + documents)) + 1.0)


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


def cluster(matrix: sparse.csr_matrix, i: np.ndarray, j: np.ndarray, params: Params) -> np.ndarray:
    """A group label per row, from the candidate pairs (i, j): rounds of centroid joining (module doc, step 3).

    Only pairs that touch a group changed in the last round are measured again: the others' centroids, and so
    their similarity, are what they were."""
    n = matrix.shape[0]
    labels = np.arange(n)
    groups = _Groups(matrix, labels)  # every ticket its own group
    changed = np.ones(n, dtype=bool)
    for step in range(params.max_rounds):
        a, b = labels[i], labels[j]
        measure = (a != b) & (changed[a] | changed[b])
        # the first round measures the candidate pairs themselves, unique already
        pa, pb = (i, j) if step == 0 else _unique_pairs(a[measure], b[measure], n)
        if not len(pa):
            break
        similarity = groups.similarity(pa, pb)
        singles = (groups.size[pa] == 1).astype(int) + (groups.size[pb] == 1)
        linkage = similarity * groups.spread[pa] * groups.spread[pb]  # their tickets' mean similarity, pair by pair
        ok = np.where(
            singles == 1, similarity >= params.join,
            (similarity >= params.merge) & ((singles == 2) | (linkage >= params.groups)),
        )  # fmt: skip
        if not ok.any():
            break
        pa, pb = _best_partners(pa[ok], pb[ok], similarity[ok])
        graph = sparse.coo_matrix((np.ones(len(pa)), (pa, pb)), shape=(n, n))
        count, component = connected_components(graph, directed=False)  # over the labels
        first = np.full(count, n)
        np.minimum.at(first, component, np.arange(n))  # a joined group is named by its first row: others keep theirs
        labels = first[component[labels]]
        changed = np.zeros(n, dtype=bool)
        changed[first[np.bincount(component, minlength=count) > 1]] = True
        groups = _Groups(matrix, labels)
    return labels


class _Groups:
    """The groups of a round: a single ticket's centroid is its own row; only the groups of several tickets (a
    few thousand rows of 100,000) have a centroid of their own, the normalised mean of their rows, and a
    `spread`: the length of that mean (1 for a single ticket, less the more its tickets differ)."""

    def __init__(self, matrix: sparse.csr_matrix, labels: np.ndarray):
        n = matrix.shape[0]
        self.matrix, self.size = matrix, np.bincount(labels, minlength=n)
        grouped = np.flatnonzero(self.size > 1)
        self.row = np.full(n, -1)
        self.row[grouped] = np.arange(len(grouped))
        members = np.flatnonzero(self.size[labels] > 1)
        gather = sparse.csr_matrix(
            (np.ones(len(members), dtype=np.float32), (self.row[labels[members]], members)), shape=(len(grouped), n)
        )
        sums = gather @ matrix
        self.spread = np.ones(n, dtype=np.float32)
        self.spread[grouped] = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel()) / self.size[grouped]
        self.centroids = normalize(sums) if len(grouped) else sums

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine of the pairs' centroids. A group's centroid is long (the words of all its tickets) and meets many
        partners: it is read once and multiplied with all of them, instead of copied once per pair."""
        out = np.empty(len(a), dtype=np.float32)
        singles = (self.size[a] == 1) & (self.size[b] == 1)
        out[singles] = pair_similarity(self.matrix, a[singles], b[singles])
        grouped = np.flatnonzero(~singles)
        if not len(grouped):
            return out
        group = np.where(self.size[a[grouped]] >= self.size[b[grouped]], a[grouped], b[grouped])
        other = np.where(group == a[grouped], b[grouped], a[grouped])
        order = np.argsort(group, kind="stable")
        starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
        for start, end in zip(starts, [*starts[1:], len(order)], strict=True):
            run = order[start:end]
            centroid = self.centroids[self.row[group[run[0]]]].T
            alone = self.size[other[run]] == 1
            for part, rows in (
                (alone, self.matrix[other[run][alone]]),
                (~alone, self.centroids[self.row[other[run][~alone]]]),
            ):
                out[grouped[run[part]]] = np.asarray((rows @ centroid).todense()).ravel()
        return out


def _unique_pairs(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keys = np.unique(lo.astype(np.int64) * n + hi)
    return keys // n, keys % n


def _best_partners(a: np.ndarray, b: np.ndarray, similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each group's most similar partner among the pairs: one edge per group and round."""
    ends, others, values = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([similarity, similarity])
    order = np.lexsort((-values, ends))
    first = np.r_[True, ends[order][1:] != ends[order][:-1]]
    return ends[order][first], others[order][first]


def groups_of(labels: np.ndarray, companies: np.ndarray, min_companies: int) -> list[np.ndarray]:
    """The labelled groups with tickets of at least `min_companies` companies, most companies first."""
    order = np.argsort(labels, kind="stable")
    parts = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)
    groups = [p for p in parts if len(p) >= 2 and len(np.unique(companies[p])) >= min_companies]
    groups.sort(key=lambda g: (-len(np.unique(companies[g])), -len(g), g.min()))
    return groups


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
    times = np.asarray(times, dtype=np.float64)
    close = np.abs(times[i] - times[j]) <= params.window_days * 86400
    labels = cluster(matrix, i[close], j[close], params)
    return groups_of(labels, np.asarray(companies), params.min_companies), features, matrix


def row_key_terms(row: sparse.csr_matrix, k: int, features: Features) -> list[int]:
    """One new ticket's key n-grams, for the index and to look up others with: its k heaviest, which may be
    new (a place named for the first time: what later reports of it will share), and its k heaviest among those
    the last full run saw in at least two documents (what it shares with the reports already indexed: a long
    text's heaviest n-grams are often its own numbers and typos, shared with nobody)."""
    idx, weights = row.indices, row.data
    seen = features.idf[idx] <= features.idf_of(2) + 1e-4  # float32 idf; the next df is 0.29 away
    heaviest = idx[np.argsort(-weights, kind="stable")[:k]]
    heaviest_seen = idx[seen][np.argsort(-weights[seen], kind="stable")[:k]]
    return sorted({int(t) for t in (*heaviest, *heaviest_seen)})


def centroid(matrix: sparse.csr_matrix, members) -> sparse.csr_matrix:
    """The normalised mean of the members' rows (a 1-row matrix)."""
    return normalize(sparse.csr_matrix(matrix[members].mean(axis=0)))


def central(matrix: sparse.csr_matrix, members: np.ndarray) -> int:
    """The member closest to the group's centroid: its title names the group."""
    closeness = np.asarray((matrix[members] @ centroid(matrix, members).T).todense()).ravel()
    return int(members[int(np.argmax(closeness))])


_STOP = frozenset(
    ["关于", "问题", "反映", "请求", "希望", "建议", "投诉", "举报", "咨询", "领导", "相关", "部门", "解决", "何时",
     "什么", "为什么", "能否", "是否", "一直", "请问", "严重", "尽快"]
)  # fmt: skip


LONGEST_KEYWORD = 8


def keywords(titles: Sequence[str], limit: int = 5, common: Callable[[str], bool] = lambda text: False) -> list[str]:
    """What most of the members' titles say, each as long as they say it alike (丽发新城, not 丽发 and 发新城):
    strings that no string one character longer holds nearly as often (80 %), most shared first, none overlapping,
    leaving out what nearly every request says (`common`: the city's own name, 小区).

    Place names are what matters here, and a dictionary does not know them: jieba only says where words end."""
    seen: Counter = Counter()
    for title in titles:
        seen.update(_word_aligned(title))
    needed = 2 if len(titles) > 1 else 1
    extended: Counter = Counter()  # for each string: how often its most shared extension by whole words is
    for text, count in seen.items():
        for cut in range(1, len(text) - 1):
            for shorter in (text[cut:], text[:-cut]):
                extended[shorter] = max(extended[shorter], count)

    ranked = sorted((t for t, c in seen.items() if c >= needed), key=lambda t: (-seen[t], -len(t), t))
    chosen: list[str] = []
    taken: set[str] = set()  # the character pairs of the strings chosen: no two overlap
    for text in ranked:
        pairs = {text[p : p + 2] for p in range(len(text) - 1)}
        if extended[text] >= 0.8 * seen[text] or text in _STOP or pairs & taken or common(text):
            continue
        chosen.append(text)
        taken |= pairs
        if len(chosen) == limit:
            break
    return chosen


def _word_aligned(title: str) -> set[str]:
    """The title's strings of 2 to LONGEST_KEYWORD characters that begin and end where its words do (jieba's
    cut): 夜间施工 or 噪音, never 夜间施工噪. A name jieba does not know is cut into single characters: still whole."""
    found = set()
    for part in _NOISE.sub(" ", title).split():
        bounds, at = [0], 0
        for word in jieba.lcut(part, HMM=False):
            at += len(word)
            bounds.append(at)
        for k, start in enumerate(bounds):
            for end in bounds[k + 1 :]:
                if end - start > LONGEST_KEYWORD:
                    break
                if end - start >= 2:
                    found.add(part[start:end])
    return found


def dumps_idf(features: Features) -> bytes:
    return zlib.compress(features.idf.astype(np.float32).tobytes(), 6)


def loads_idf(blob: bytes, n_docs: int) -> Features:
    return Features(np.frombuffer(zlib.decompress(blob), dtype=np.float32), n_docs)
