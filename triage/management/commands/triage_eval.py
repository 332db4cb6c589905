from django.core.management.base import BaseCommand, CommandError
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.model_selection import StratifiedKFold

from triage.history import HistoryFileError, labelled_examples, unlabelled_texts
from triage.model import TextModel, comparable


class Command(BaseCommand):
    help = (
        "Train the triage model on one labelled history file and evaluate it on another (or cross-validate "
        "on one with --cv K). Prints a per-class report; the last line is `macro_f1=… accuracy=…`. "
        "--unlabelled FILE … adds texts without a category, as the nightly training adds tickets nobody "
        "categorised. Needs no database."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="CSV or XLSX with a category column")
        parser.add_argument("--test", help="CSV or XLSX with a category column")
        parser.add_argument("--cv", type=int, help="cross-validate on --train with K stratified folds instead")
        parser.add_argument("--seed", type=int, default=0, help="fold shuffling seed for --cv")
        parser.add_argument(
            "--unlabelled",
            nargs="+",
            default=[],
            metavar="FILE",
            help="CSV or XLSX files whose rows without a category train as unlabelled texts (rows whose text "
            "is also in --train or --test are left out)",
        )

    def handle(self, *args, train, test, cv, seed, unlabelled, **options):
        if bool(test) == bool(cv):
            raise CommandError("give either --test FILE or --cv K")
        try:
            _keys, texts, labels = labelled_examples(train)
            test_texts, truth = labelled_examples(test)[1:] if test else ([], [])
            evaluated = {comparable(t) for t in texts + test_texts}  # never train on a scored text
            extra = [t for path in unlabelled for t in unlabelled_texts(path) if comparable(t) not in evaluated]
            if unlabelled:
                self.stderr.write(f"unlabelled texts: {len(extra)}")
            if test:
                model = TextModel.train(texts, labels, unlabelled=extra)
                predicted = [p.label for p in model.predict_many(test_texts, explain=False)]
            else:
                truth, predicted = self._cross_validate(texts, labels, cv, seed, extra)
        except (HistoryFileError, OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not truth:
            raise CommandError("no labelled rows to evaluate")
        self.stdout.write(classification_report(truth, predicted, digits=3, zero_division=0))
        macro = f1_score(truth, predicted, average="macro", zero_division=0)
        self.stdout.write(f"macro_f1={macro:.3f} accuracy={accuracy_score(truth, predicted):.3f}")

    def _cross_validate(self, texts, labels, folds, seed, unlabelled):
        truth, predicted = [], []
        for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
            train_texts, train_labels = [texts[i] for i in train_idx], [labels[i] for i in train_idx]
            model = TextModel.train(train_texts, train_labels, unlabelled=unlabelled)
            predicted += [p.label for p in model.predict_many([texts[i] for i in test_idx], explain=False)]
            truth += [labels[i] for i in test_idx]
        return truth, predicted
