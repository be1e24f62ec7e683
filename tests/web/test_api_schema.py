"""Every operation of the API, fuzzed from its own OpenAPI document by schemathesis: its
examples, coverage (boundaries, wrong types) and fuzzing phases, valid and invalid data, with a
fixed seed and a bounded number of examples. No input may make a server error, and every answer
must be what the document declares (issue #11). KENNISBANK_FUZZ_EXAMPLES=500 searches longer."""

import os

import pytest
import schemathesis

from app.accounts import service as accounts_service
from app.accounts.models import Role
from tests.web import fuzzing

# Per operation, phase and kind of data: about 50 s for the four runs (two roles, two
# databases) on an idle machine.
EXAMPLES = int(os.environ.get("KENNISBANK_FUZZ_EXAMPLES", "20"))
CHECKS = ("not_a_server_error", "response_schema_conformance", "content_type_conformance")


@pytest.mark.parametrize("role", [Role.kwaliteit, Role.medewerker])
def test_no_input_makes_a_server_error(app, db, search_index, role):  # type: ignore[no-untyped-def]
    user = fuzzing.small_library(db)[role]
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=fuzzing.config(headers, EXAMPLES, CHECKS))
    operations = {result.ok().label for result in schema.get_all_operations()}
    tested, problems = fuzzing.run(schema)
    assert not problems, "\n".join(problems)
    assert len(operations) >= 17 and set(tested) == operations  # every operation of the API
    assert all({"coverage", "fuzzing"} <= phases for phases in tested.values()), tested
