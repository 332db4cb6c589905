from django.core.management.base import BaseCommand, CommandError
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.model_selection import StratifiedKFold

from triage.history import HistoryFileError, labelled_examples
from triage.model import TextModel


class Command(BaseCommand):
    help = (
        "Train the triage model on one labelled history file and evaluate it on another (or cross-validate "
        "on one with --cv K). Prints a per-class report; the last line is `macro_f1=… accuracy=…`. "
        "Needs no database."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="CSV or XLSX with a category column")
        parser.add_argument("--test", help="CSV or XLSX with a category column")
        parser.add_argument("--cv", type=int, help="cross-validate on --train with K stratified folds instead")
        parser.add_argument("--seed", type=int, default=0, help="fold shuffling seed for --cv")

    def handle(self, *args, train, test, cv, seed, **options):
        if bool(test) == bool(cv):
            raise CommandError("give either --test FILE or --cv K")
        try:
            _keys, texts, labels = labelled_examples(train)
            if test:
                _k, test_texts, truth = labelled_examples(test)
                predicted = [p.label for p in TextModel.train(texts, labels).predict_many(test_texts, explain=False)]
            else:
                truth, predicted = self._cross_validate(texts, labels, cv, seed)
        except (HistoryFileError, OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not truth:
            raise CommandError("no labelled rows to evaluate")
        self.stdout.write(classification_report(truth, predicted, digits=3, zero_division=0))
        macro = f1_score(truth, predicted, average="macro", zero_division=0)
        self.stdout.write(f"macro_f1={macro:.3f} accuracy={accuracy_score(truth, predicted):.3f}")

    def _cross_validate(self, texts, labels, folds, seed):
        truth, predicted = [], []
        for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
            model = TextModel.train([texts[i] for i in train_idx], [labels[i] for i in train_idx])
            predicted += [p.label for p in model.predict_many([texts[i] for i in test_idx], explain=False)]
            truth += [labels[i] for i in test_idx]
        return truth, predicted
