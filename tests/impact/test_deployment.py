"""The Docker stack, validated without a Docker engine, and the health probes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import redis_test_url, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(__file__).parents[2] / ".venv/bin/hadolint")
    if not Path(hadolint).exists():
        skip_or_fail("hadolint is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_a_non_root_user_with_a_healthcheck():
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines()]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) == 2
    assert all("python:3.11-slim" in stage for stage in stages)
    assert "USER 10001:10001" in lines
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    assert any("collectstatic" in line for line in lines)
    assert lines[-1] == 'CMD ["gunicorn", "--config", "gunicorn.conf.py", "impact.wsgi"]'
    # No secret is set in the image's environment.
    environment = " ".join(line for line in lines if line.startswith("ENV "))
    assert "SECRET" not in environment
    assert "PASSWORD" not in environment


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The compose file beside an env file made from .env.example, as `make up` sees them."""
    (tmp_path / "docker").mkdir()
    shutil.copy(COMPOSE, tmp_path / "docker" / "compose.yaml")
    values = (ROOT / ".env.example").read_text() + "\nPOSTGRES_PASSWORD=only-for-this-test\n"
    (tmp_path / ".env").write_text(values)
    return tmp_path


def test_compose_file_is_valid(checkout: Path):
    compose = shutil.which("docker-compose")
    if compose is None:
        skip_or_fail("docker-compose is not installed (apt-get install docker-compose)")
    command = [compose, "-p", "impact", "-f", "docker/compose.yaml", "--env-file", ".env"]
    result = subprocess.run(
        [*command, "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=checkout,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_stack_waits_for_healthy_services_and_migrates_once():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "--appendonly" in services["redis"]["command"]
    for name in ("db", "redis", "worker", "beat"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    # One image for all, and one beat.
    images = {services[name]["image"] for name in ("migrate", "web", "worker", "beat")}
    assert images == {"impact:latest"}
    assert "replicas" not in str(services["beat"])
    assert {"postgres", "redis", "media", "beat"} <= set(spec["volumes"])
    # Secrets come from the env file, never from the compose file itself.
    text = COMPOSE.read_text()
    assert "DJANGO_SECRET_KEY" not in text
    assert "${POSTGRES_PASSWORD:?" in text


# -- health probes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_login_and_for_any_host(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_reports_database_cache_and_broker(client, settings):
    settings.CELERY_BROKER_URL = ""  # tasks run in the web process: nothing to reach
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"},
    )


@pytest.mark.django_db
def test_readyz_is_degraded_when_the_broker_is_unreachable_and_says_nothing_more(client, settings):
    # The site serves everything but queueing work without the broker: still ready.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "ok",
        "broker": "failed",
    }
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_reaches_redis_when_it_runs(client, settings):
    import redis

    url = redis_test_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        skip_or_fail(f"Redis is not reachable at {url}")
    settings.CELERY_BROKER_URL = url
    assert client.get("/readyz").json()["broker"] == "ok"


@pytest.mark.django_db
def test_probes_accept_only_reads(client):
    assert client.post("/healthz").status_code == 405
