"""Property-based fuzzing of the whole API from its own OpenAPI schema, against a live
server on 127.0.0.1: no response may be a 5xx, and every documented response must match
the schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import OrganisationAPIKey
from tests.factories import (
    DamagedAssetFactory,
    IncidentFactory,
    OrganisationFactory,
    ServiceDisruptionFactory,
    SourceFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_api_survives_fuzzing_and_matches_its_schema(live_server, tmp_path):
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("schemathesis is not installed (requirements-dev.txt)")
    organisation = OrganisationFactory()
    incident = IncidentFactory(organisation=organisation, verified=True, killed=2)
    DamagedAssetFactory(incident=incident)
    SourceFactory(incident=incident)
    ServiceDisruptionFactory(
        organisation=organisation,
        incident=incident,
        status="verified",
        verified_at=incident.verified_at,
    )
    _, key = OrganisationAPIKey.objects.create_key(
        name="fuzzer", organisation=organisation, scope="write"
    )
    report = tmp_path / "schemathesis.txt"
    result = subprocess.run(
        [
            executable,
            "run",
            f"{live_server.url}/api/v1/schema/?format=json",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            "5",
            "--seed",
            "1",
            "--header",
            f"Authorization: Api-Key {key}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-6000:]
