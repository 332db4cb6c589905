"""The learned triage: training, versions, corrections, suggestions, duplicates, import and evaluation."""

import re
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tickets.models import CategorySource, Status, Ticket, TicketEvent
from tickets.services import ticket_apply
from triage.engine import KEPT_VERSIONS, current_model, train_model
from triage.model import FEATURES_KEPT, TextModel
from triage.models import Category, RoutingRule, TriageModel
from triage.services import refresh_pending_suggestions, ticket_triage

from ..conftest import api
from .conftest import ENERGY, LAND

# A copy of ../shared/data/gov-messages-labeled-train.csv (public competition data), so the suite is self-contained.
DATA = Path(__file__).resolve().parents[1] / "data" / "gov-messages-labeled-train.csv"


def test_training_is_deterministic():
    texts = [t + d for t, d in ENERGY + LAND]
    labels = ["energy"] * 3 + ["land"] * 3
    first, second = TextModel.train(texts, labels), TextModel.train(texts, labels)
    probe = ["工业用地指标紧张", "厂区停电"]
    assert [p.ranked for p in first.predict_many(probe)] == [p.ranked for p in second.predict_many(probe)]
    assert first.predict("工业用地指标紧张").label == "land"


def test_the_model_reloads_when_a_new_version_is_trained(settled):
    first = train_model()
    version, model = current_model()
    assert version == first.pk
    assert current_model()[1] is model  # loaded once
    second = train_model()
    assert second.pk > first.pk
    version, reloaded = current_model()
    assert version == second.pk and reloaded is not model


def test_only_the_newest_versions_are_kept(settled):
    old = [TriageModel.objects.create(trained_on=1, labels=["x"], blob=b"old") for _ in range(KEPT_VERSIONS)]
    newest = train_model()
    kept = list(TriageModel.objects.order_by("-id").values_list("pk", flat=True))
    assert kept == [newest.pk, *[v.pk for v in reversed(old)][: KEPT_VERSIONS - 1]]
    assert current_model()[0] == newest.pk


def test_a_dispatchers_correction_changes_the_next_prediction(world, settled, make_ticket):
    water = Category.objects.create(code="water", name="要素保障-用水")
    RoutingRule.objects.create(category=water, lead=world.assisting)
    train_model()
    text = {"title": "园区道路积水严重", "description": "暴雨后厂区门口积水半米，排水管网堵塞，车辆无法进出。"}
    first = ticket_triage(ticket_id=make_ticket(**text).pk)
    assert first.category.code != "water"  # never seen: it cannot be predicted yet
    if first.status == Status.ASSIGNED:
        ticket_apply(ticket_id=first.pk, action="return", actor=world.people["handler"], reason="不属于本单位")
    ticket_apply(ticket_id=first.pk, action="dispatch", actor=world.dispatcher, lead=world.assisting, category=water)
    assert Ticket.objects.get(pk=first.pk).category_source == CategorySource.DISPATCHER
    train_model()  # the nightly retraining
    second = ticket_triage(ticket_id=make_ticket(user=world.other_company_user, **text).pk)
    assert second.category.code == "water"


def test_low_confidence_leaves_the_ticket_for_a_dispatcher_with_three_reasoned_suggestions(
    world, settled, make_ticket, settings
):
    settings.QIHU = {**settings.QIHU, "TRIAGE_CONFIDENCE": 1.01}  # nothing is ever that sure
    train_model()
    ticket = ticket_triage(ticket_id=make_ticket().pk)
    assert ticket.status == Status.PENDING_DISPATCH
    routes = ticket.triage_suggestions["routes"]
    assert [r["category"] for r in routes][:1] == ["energy"]
    assert routes[0]["lead"]["code"] == "gongdian" and routes[0]["words"]
    assert ticket.triage_suggestions["similar"][0]["title"] in {t for t, _d in ENERGY}
    pending = api(world.dispatcher).get("/api/v1/dispatch/pending/").data["results"]
    assert [t["id"] for t in pending] == [ticket.pk]
    assert pending[0]["triage_suggestions"]["routes"][0]["category"] == "energy"
    assert api(world.handler).get("/api/v1/dispatch/pending/").status_code == 403


def test_the_catalogue_refuses_an_active_category_without_a_route(world):
    orphan = Category(code="tax", name="税费服务", active=True)
    with pytest.raises(ValidationError):
        orphan.full_clean()
    orphan.active = False
    orphan.full_clean()
    orphan.save()
    RoutingRule.objects.create(category=orphan, lead=world.lead)
    orphan.active = True
    orphan.full_clean()


def test_an_exact_resubmission_within_a_day_is_merged(world, make_ticket):
    first = ticket_triage(ticket_id=make_ticket().pk)
    again = ticket_triage(ticket_id=make_ticket().pk)
    assert again.merged_into_id == first.pk
    assert TicketEvent.objects.filter(ticket=first, action="merge", data__duplicate=again.pk).exists()
    assert again.events.filter(action="merge").exists()


def test_a_similar_open_ticket_of_the_same_company_is_suggested_for_merging(world, make_ticket):
    first = ticket_triage(ticket_id=make_ticket().pk)
    similar = make_ticket(description="新厂房下月投产，现有变压器容量不够，需要新增一台变压器并尽快完成用电报装手续。")
    triaged = ticket_triage(ticket_id=similar.pk)
    assert triaged.merged_into_id is None
    assert [d["id"] for d in triaged.triage_suggestions["duplicates"]] == [first.pk]


def test_import_reports_bad_rows_and_keeps_the_good_ones(db, tmp_path):
    source = tmp_path / "history.csv"
    source.write_text(
        "message_id,user_id,title,submitted_at,detail,category\n"
        "1,U1,停电影响生产,2020/1/4 11:17:46,厂区停电两天,energy\n"
        "2,U1,,2020/1/5 09:00:00,没有标题,energy\n"
        "3,U2,用地问题,not a date,用地指标不足,land\n"
        "4,U2,工资拖欠,2020-01-06 10:00:00,拖欠三个月工资,劳动和社会保障\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    call_command("import_history", str(source), stdout=out, stderr=err)
    assert out.getvalue().strip().splitlines()[-1] == "imported=2 existing=0 bad=2"
    assert "第 3 行" in err.getvalue() and "第 4 行" in err.getvalue()
    assert Ticket.objects.filter(source="import").count() == 2
    assert Ticket.objects.values("company").distinct().count() == 2  # one company per requester
    imported = Ticket.objects.get(external_id="4")
    assert (imported.status, imported.category.name, imported.category.active) == ("closed", "劳动和社会保障", False)
    call_command("import_history", str(source), stdout=out, stderr=StringIO())
    assert out.getvalue().strip().splitlines()[-1] == "imported=0 existing=2 bad=2"


def test_import_reads_excel(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["message_id", "user_id", "title", "submitted_at", "detail"])
    sheet.append(["x1", "U9", "物流通道受阻", timezone.now().replace(tzinfo=None), "出口货物无法按期装箱"])
    book.save(tmp_path / "history.xlsx")
    out = StringIO()
    call_command("import_history", str(tmp_path / "history.xlsx"), stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "imported=1 existing=0 bad=0"


def test_triage_eval_trains_on_one_file_and_scores_another(tmp_path):
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    (tmp_path / "train.csv").write_text("\n".join([header, *rows[::2]]), encoding="utf-8")
    (tmp_path / "test.csv").write_text("\n".join([header, *rows[1::2]]), encoding="utf-8")
    out = StringIO()
    call_command(
        "triage_eval", "--train", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"), stdout=out
    )
    last = out.getvalue().strip().splitlines()[-1]
    match = re.fullmatch(r"macro_f1=(0\.\d{3}) accuracy=(0\.\d{3})", last)
    assert match and float(match.group(1)) > 0.6, last
    assert "教育文体" in out.getvalue()


def test_fast_features_and_probabilities_equal_sklearns():
    from triage.history import labelled_examples

    _keys, texts, labels = labelled_examples(DATA)
    model = TextModel.train(texts[:200], labels[:200])
    matrix = model.features.transform(texts[200:])
    np.testing.assert_allclose(model.transform(texts[200:]).toarray(), matrix.toarray())
    assert model._folds is not None
    np.testing.assert_allclose(model.predict_proba(matrix), model.classifier.predict_proba(matrix), atol=1e-12)
    two = TextModel.train([t + d for t, d in ENERGY + LAND], ["energy"] * 3 + ["land"] * 3)
    probe = two.features.transform(["工业用地指标紧张"])
    np.testing.assert_allclose(two.predict_proba(probe), two.classifier.predict_proba(probe), atol=1e-12)


def test_unlabelled_texts_widen_the_vocabulary_and_labelled_ones_choose_the_features_kept():
    from triage.history import labelled_examples

    _keys, texts, labels = labelled_examples(DATA)
    labelled, hidden = texts[:200], texts[200:]  # the last 115 without their labels
    plain = TextModel.train(labelled, labels[:200])
    model = TextModel.train(labelled, labels[:200], unlabelled=[*hidden, labelled[0], " " + labelled[1]])
    assert model.unlabelled == len(hidden)  # texts equal to a labelled one (white space aside) are left out
    vocabulary = set(model.features["tfidf"].get_feature_names_out())
    new = vocabulary - set(plain.features["tfidf"].get_feature_names_out())
    assert new  # words only the unlabelled texts have are in the vocabulary (their IDF weighs the others)…
    kept = set(model._names)
    assert len(kept) == FEATURES_KEPT < len(vocabulary)
    assert not kept & new  # …but the features kept are those that tell the labelled texts' categories apart
    assert {"words__学校", "words__社保", "words__污染", "words__医院"} <= kept
    matrix = model.transform(hidden)  # the same numpy probabilities as sklearn's
    np.testing.assert_allclose(model.predict_proba(matrix), model.classifier.predict_proba(matrix), atol=1e-12)
    assert all(p.evidence[p.label] for p in model.predict_many(hidden[:5]))
    again = TextModel.train(labelled, labels[:200], unlabelled=hidden)
    assert [p.ranked for p in again.predict_many(hidden[:5])] == [p.ranked for p in model.predict_many(hidden[:5])]


def test_training_uses_the_texts_of_tickets_nobody_categorised(world, settled, make_ticket):
    from triage.engine import unlabelled_texts

    make_ticket(title="园区专线跳闸", description="园区专线昨夜跳闸，变压器受损。")
    texts = unlabelled_texts()
    assert any("园区专线跳闸" in t for t in texts)
    assert not any(title in t for t in texts for title, _d in ENERGY + LAND)  # settled ones are labelled
    train_model()
    _version, model = current_model()
    assert model.unlabelled == len(texts)
    assert "chars__专线" in set(model.features["tfidf"].get_feature_names_out())  # only the unlabelled ticket has it


def test_pending_tickets_get_fresh_suggestions_after_retraining(world, settled, make_ticket):
    waiting = make_ticket(Status.PENDING_DISPATCH)  # parked before any model existed: no suggestions
    assert waiting.triage_suggestions == {}
    train_model()
    assert refresh_pending_suggestions() == 1
    waiting.refresh_from_db()
    assert waiting.triage_suggestions["routes"][0]["category"] == "energy"
    assert waiting.events.count() == 2  # advice, not a state change


def test_a_model_stored_in_the_older_format_is_not_used(caplog):
    texts = [t + d for t, d in ENERGY + LAND]
    model = TextModel.train(texts, ["energy"] * 3 + ["land"] * 3)
    model.features = model.features["tfidf"]  # as stored before the feature selection: a bare feature union
    assert TextModel.loads(model.dumps()) is None
    assert "retrain" in caplog.text
