"""The text model of 问题研判: category from title + description. Pure Python, no database.

Features: TF-IDF over Chinese character uni- and bigrams plus jieba words and word pairs, of which the
FEATURES_KEPT that tell the labelled categories apart best (chi-squared on the labelled texts) are kept,
each row normalised again (cross-validated on the public government messages, docs/triage.md).
Classifier: a linear SVM with class weights, calibrated (sigmoid, k-fold) so that its probabilities can be
compared with a confidence threshold.

Unlabelled texts of the same kind (tickets nobody categorised) help at training time only: the vocabulary
and IDF are fitted on labelled and unlabelled texts together (in-domain word weights). Prediction costs the
same as without them. Training is deterministic: same texts and labels → same model, same predictions.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import jieba
import joblib
import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import Normalizer, normalize
from sklearn.svm import LinearSVC

jieba.setLogLevel(logging.WARNING)
logger = logging.getLogger(__name__)
_SPACE = re.compile(r"\s+")
MAX_NEIGHBOURS = 20_000  # past tickets kept for "similar tickets" explanations
MAX_UNLABELLED = 20_000  # unlabelled texts used in training (the most recent)
FEATURES_KEPT = 5_000  # the most discriminative features kept (cross-validated, docs/triage.md)


def text_of(title: str, description: str) -> str:
    """The model's input: the title counts twice (it is the company's own summary)."""
    return _SPACE.sub(" ", f"{title}。{title}。{description}").strip()


def words(text: str) -> list[str]:
    """jieba's words, without white space and punctuation (a word keeps if it has a letter or a digit)."""
    return [w for w in jieba.lcut(text, HMM=False) if _WORDY.search(w)]


_WORDY = re.compile(r"[^\W_]")  # a letter or a digit, in any script


def _vectorizers() -> FeatureUnion:
    return FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)),
            (
                "words",
                TfidfVectorizer(
                    tokenizer=words, token_pattern=None, lowercase=False, sublinear_tf=True, ngram_range=(1, 2)
                ),
            ),
        ]
    )


def _classifier(smallest_class: int):
    if smallest_class >= 3:
        return _calibrated_svm(min(5, smallest_class))
    # Too few examples of some label to calibrate by cross-validation: a probabilistic model as it is.
    return LogisticRegression(C=20, class_weight="balanced", max_iter=3000)


def _calibrated_svm(folds: int) -> CalibratedClassifierCV:
    svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0)
    return CalibratedClassifierCV(svm, cv=folds, method="sigmoid")


def _features(texts: Sequence[str], labels: Sequence[str], unlabelled: Sequence[str]) -> Pipeline:
    """TF-IDF fitted on all the texts, then the features that best tell the labels apart, rows normalised
    again: with a few hundred labelled texts, the hundreds of thousands of rare n-grams are mostly noise."""
    vectorizers = _vectorizers().fit(list(texts) + list(unlabelled))  # vocabulary and IDF of all the texts
    weights = vectorizers.transform(texts)
    select = SelectKBest(chi2, k=min(FEATURES_KEPT, weights.shape[1])).fit(weights, labels)
    normaliser = Normalizer().fit(select.transform(weights))
    return Pipeline([("tfidf", vectorizers), ("select", select), ("normalise", normaliser)])


def comparable(text: str) -> str:
    """A text with its white space removed: what makes two texts the same one."""
    return _SPACE.sub("", text)


@dataclass
class Prediction:
    label: str
    probability: float
    ranked: list[tuple[str, float]]  # every label, most probable first
    evidence: dict[str, list[str]] = field(default_factory=dict)  # label → the words that weighed most
    similar: list[tuple[str, float]] = field(default_factory=list)  # (past ticket key, cosine similarity)


class TextModel:
    """A trained model: `predict` explains itself with weighty words and similar past tickets."""

    def __init__(self, features: Pipeline, classifier, keys: Sequence[str], matrix):
        self.features = features
        self.classifier = classifier
        self.labels: list[str] = [str(c) for c in classifier.classes_]
        self.keys = list(keys)  # ids of the training examples kept as neighbours
        self.matrix = matrix  # their L2-normalised feature rows
        self._names = features.get_feature_names_out()
        self._coef = self._coefficients()
        self._folds = self._calibration_folds()
        self.unlabelled = 0  # unlabelled texts seen in training

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        keys: Sequence[str] | None = None,
        unlabelled: Sequence[str] = (),
    ) -> TextModel:
        """Learn from labelled texts, and from `unlabelled` texts of the same kind when given (the most
        recent MAX_UNLABELLED; any equal to a labelled text, white space aside, are left out)."""
        if len(set(labels)) < 2:
            raise ValueError("training needs at least two different categories")
        known = {comparable(t) for t in texts}
        unlabelled = list(dict.fromkeys(t for t in unlabelled if comparable(t) not in known))[-MAX_UNLABELLED:]
        features = _features(texts, labels, unlabelled)
        matrix = features.transform(texts)
        smallest = min(np.unique(np.asarray(labels), return_counts=True)[1])
        classifier = _classifier(int(smallest)).fit(matrix, labels)
        keys = list(keys) if keys is not None else [str(i) for i in range(len(texts))]
        keep = slice(max(0, len(keys) - MAX_NEIGHBOURS), None)  # the most recent ones
        model = cls(features, classifier, keys[keep], normalize(matrix[keep]))
        model.unlabelled = len(unlabelled)
        return model

    def _coefficients(self) -> np.ndarray:
        """Per-label feature weights (averaged over the calibration folds), for explanations."""
        if isinstance(self.classifier, CalibratedClassifierCV):
            coef = np.mean([c.estimator.coef_ for c in self.classifier.calibrated_classifiers_], axis=0)
        else:
            coef = self.classifier.coef_
        if coef.shape[0] == 1:  # binary: one row of weights for the second label
            coef = np.vstack([-coef[0], coef[0]])
        return coef

    def _calibration_folds(self) -> list[tuple] | None:
        """(weights, intercepts, sigmoid a, sigmoid b) per fold, to compute probabilities with numpy alone.

        sklearn's calibrated predict_proba validates its input per class and fold; on one ticket at a
        time that costs more than the whole rest of triage. The arithmetic is the same (tested).
        """
        if not isinstance(self.classifier, CalibratedClassifierCV) or self.classifier.method != "sigmoid":
            return None
        folds = []
        for fold in self.classifier.calibrated_classifiers_:
            if list(fold.estimator.classes_) != list(self.classifier.classes_):
                return None
            a = np.array([c.a_ for c in fold.calibrators])
            b = np.array([c.b_ for c in fold.calibrators])
            folds.append((fold.estimator.coef_.T.copy(), fold.estimator.intercept_.copy(), a, b))
        return folds

    def predict_proba(self, matrix) -> np.ndarray:
        if self._folds is None:
            return self.classifier.predict_proba(matrix)
        binary = len(self.labels) == 2
        total = np.zeros((matrix.shape[0], len(self.labels)))
        for weights, intercepts, a, b in self._folds:
            scores = np.asarray(matrix @ weights) + intercepts
            calibrated = expit(-(a * scores + b))
            if binary:
                proba = np.hstack([1 - calibrated, calibrated])
            else:
                sums = calibrated.sum(axis=1, keepdims=True)
                proba = np.divide(calibrated, sums, out=np.full_like(calibrated, 1 / len(self.labels)), where=sums > 0)
            total += proba
        return total / len(self._folds)

    def transform(self, texts: Sequence[str]):
        """The features' transform without the feature union's parallel-job machinery (a third of the cost
        per ticket)."""
        vectorizers, select = self.features["tfidf"], self.features["select"]
        parts = [vectorizer.transform(texts) for _name, vectorizer in vectorizers.transformer_list]
        return normalize(select.transform(sparse.hstack(parts, format="csr")))

    def predict_many(self, texts: Sequence[str], *, explain: bool = True) -> list[Prediction]:
        """Predictions for many texts at once: one transform and one neighbour search for the whole batch."""
        matrix = self.transform(texts)
        probabilities = self.predict_proba(matrix)
        orders = np.argsort(-probabilities, axis=1, kind="stable")
        similar = self._similar_rows(matrix) if explain else [[] for _ in texts]
        predictions = []
        for i, order in enumerate(orders):
            ranked = [(self.labels[k], float(probabilities[i, k])) for k in order]
            row = matrix[i] if explain else None  # a sparse row costs a copy: one per text, not per label
            evidence = {self.labels[k]: self._weighty_words(row, k) for k in order[:3]} if explain else {}
            predictions.append(Prediction(ranked[0][0], ranked[0][1], ranked, evidence, similar[i]))
        return predictions

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def _similar_rows(self, matrix, top: int = 3) -> list[list[tuple[str, float]]]:
        """The kept past tickets closest to each row (cosine), best first."""
        if self.matrix is None or not self.matrix.shape[0]:
            return [[] for _ in range(matrix.shape[0])]
        scores = (self.matrix @ normalize(matrix).T).toarray()  # past tickets × batch
        found = []
        for column in scores.T:
            best = np.argpartition(-column, min(top, len(column) - 1))[:top]
            best = best[np.argsort(-column[best], kind="stable")]
            found.append([(self.keys[j], round(float(column[j]), 3)) for j in best if column[j] > 0])
        return found

    @cached_property
    def _readable(self) -> tuple[np.ndarray, np.ndarray]:
        """(is a readable word, its text) per feature: words of two or more characters, and pairs of words
        (shown joined), read better than character bigrams."""
        names = [str(n).split("__", 1) for n in self._names]
        mask = np.array([source == "words" and len(name) > 1 for source, name in names], dtype=bool)
        return mask, np.array([name.replace(" ", "") for _source, name in names], dtype=object)

    def _weighty_words(self, row, label_index: int, limit: int = 6) -> list[str]:
        """The text's readable words that pushed hardest towards this label."""
        mask, names = self._readable
        indices = row.indices[mask[row.indices]]
        contributions = row.data[mask[row.indices]] * self._coef[label_index, indices]
        order = np.argsort(-contributions, kind="stable")[:limit]
        return [names[indices[j]] for j in order if contributions[j] > 0]

    # -- storage -----------------------------------------------------------------------------
    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(blob: bytes) -> TextModel | None:
        """The stored model, or None for one stored in an older format (features without their selection):
        triage then falls back to the keywords until `train_triage` (or the nightly run) trains anew."""
        model = joblib.load(io.BytesIO(blob))
        if not isinstance(model.features, Pipeline):
            logger.warning("stored triage model is of an older format: retrain it (manage.py train_triage)")
            return None
        return model
