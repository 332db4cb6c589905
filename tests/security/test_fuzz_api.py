"""API fuzzing (issue 7, item 2): schemathesis over /api/schema/ for each role's token, in process.

Every operation of the OpenAPI schema is called with generated data — valid (positive) and invalid
(negative) — through Django's WSGI application, on the real PostgreSQL test database, as each role in
turn. The checks: no 5xx, status codes, content types, headers and bodies as the schema documents them,
and invalid input refused. Path ids point at real tickets and problems in every state most of the time,
so the actions reach the services instead of stopping at a 404.

Budget: `QIHU_FUZZ_EXAMPLES` examples per operation and role (default 8; deadline off), derandomised so
that CI is repeatable; set `QIHU_FUZZ_SEED` to explore other inputs.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from problems.models import Problem, ProblemMember
from problems.services import refresh_stats
from tickets.models import Status

ROLES = ["company_user", "handler", "dispatcher", "supervisor", "chain_leader"]
EXAMPLES = int(os.environ.get("QIHU_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("QIHU_FUZZ_SEED")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
CONFIG = SchemathesisConfig.from_dict(
    {
        **({"seed": int(SEED)} if SEED else {}),
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": not SEED, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            **{name: {"enabled": True} for name in CHECKS},
            # A body with too many fields (a long array as multipart fields) is refused as too large: a rejection.
            "negative_data_rejection": {
                "enabled": True,
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429],
            },
        },
    }
)
# The schema as the app serves it, through the WSGI application (generating it reads no table).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def targets(world, make_ticket):
    """Real objects behind the path ids: a ticket in each state, and a common problem of the chain."""
    tickets = [make_ticket(status) for status in (
        Status.SUBMITTED, Status.PENDING_DISPATCH, Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD,
        Status.REPLIED, Status.DISPUTED, Status.CLOSED,
    )]  # fmt: skip
    problem = Problem.objects.create(title="绿色产业园频繁停电", chain=world.chain)
    ProblemMember.objects.bulk_create([ProblemMember(problem=problem, ticket=t) for t in tickets[3:5]])
    refresh_stats({problem.pk})
    return {"tickets": [t.pk for t in tickets], "problems": [problem.pk]}


ANSWERS = Counter()  # (operation, role, status code) → requests: the summary line (tests/security/conftest.py)


@pytest.fixture
def in_test_transaction():
    """Calls through the bare WSGI app stay in the test's transaction, as with Django's test client.

    The handler closes "old" connections at the start and end of each request; inside the test's
    transaction that would close the test's own connection.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_for_every_role(case, role, world, targets, in_test_transaction):
    token = Token.objects.get_or_create(user=world.people[role])[0].key
    ids = targets["problems"] if "/problems/" in case.path else targets["tickets"]
    value = (case.path_parameters or {}).get("id")
    if isinstance(value, int) and value >= 0 and value % 5:  # four in five: a real object; else as generated
        case.path_parameters["id"] = ids[value % len(ids)]
    response = case.call(headers={"Authorization": f"Token {token}"})
    ANSWERS[case.operation.label, role, response.status_code] += 1
    case.validate_response(response, headers={"Authorization": f"Token {token}"})
