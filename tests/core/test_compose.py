"""docker-compose.yml cannot be run here: these read it, for the promises README makes about it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from backend.settings import Settings

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[2]
DEFAULT = re.compile(r"^\$\{(\w+):-([^}]*)\}$")
# PostgreSQL's superuser_reserved_connections, and a one-off `docker compose run --rm api zan ...` at the API's pool
RESERVED = 3


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8")))


def _zan_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("image") == "zan:latest"}


def _value(raw: Any) -> str:
    """A setting's value as compose gives it when .env does not set it."""
    text = str(raw)
    match = DEFAULT.match(text)
    return match.group(2) if match else text


def test_every_zan_service_reads_the_env_file(compose: dict[str, Any]) -> None:
    services = _zan_services(compose)
    assert {"migrate", "api", "worker", "bot-citizen", "bot-officer"} <= set(services)
    for name, service in services.items():
        assert {"path": ".env", "required": False} in service.get("env_file", []), name


def test_links_name_an_address_clients_reach(compose: dict[str, Any]) -> None:
    for name, service in _zan_services(compose).items():
        env = service["environment"]
        assert "minio:9000" in env["ZAN_S3_ENDPOINT_URL"]
        public = _value(env["ZAN_S3_PUBLIC_ENDPOINT_URL"])
        assert public.startswith("http") and "minio" not in public, name
        port = public.rsplit(":", 1)[-1].strip("/")
        assert f"{port}:9000" in compose["services"]["minio"]["ports"]


def test_the_pools_fit_in_postgres(compose: dict[str, Any]) -> None:
    command = compose["services"]["postgres"].get("command", [])
    flags = dict(re.findall(r"(\w+)=(\d+)", " ".join(command)))
    max_connections = int(flags.get("max_connections", 100))
    total, largest = 0, 0
    for name, service in _zan_services(compose).items():
        if name == "migrate":  # runs alone, before the others start, without a pool
            continue
        env = service["environment"]
        # unset: the application's own defaults
        per_process = (int(_value(env.get("ZAN_DB_POOL_SIZE", Settings.db_pool_size)))
                       + int(_value(env.get("ZAN_DB_MAX_OVERFLOW", Settings.db_max_overflow))))
        cmd = service["command"]
        processes = int(cmd[cmd.index("--workers") + 1]) if "--workers" in cmd else 1
        processes *= int(service.get("deploy", {}).get("replicas", 1))
        total += processes * per_process
        largest = max(largest, per_process)
    # every service at its pools' limit, plus one one-off `zan` command
    assert total + largest + RESERVED <= max_connections, (total, largest, max_connections)


def test_the_bots_can_run_in_webhook_mode(compose: dict[str, Any]) -> None:
    for name in ("bot-citizen", "bot-officer"):
        command = compose["services"][name]["command"]
        assert command[:3] == ["zan", "bot", name.split("-")[1]]
        assert _value(command[3].removeprefix("--")) == "polling" and "BOT_MODE" in command[3]


def test_readme_documents_every_setting() -> None:
    source = (REPO / "backend" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"_(?:env|int|bool|float|choice)\(\"(\w+)\"", source))
    assert {"SECRET_KEY", "S3_PUBLIC_ENDPOINT_URL", "DB_POOL_SIZE"} <= names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = sorted(f"ZAN_{n}" for n in names if f"`ZAN_{n}`" not in readme)
    assert not missing, f"settings the README's table does not name: {missing}"


# --- MinIO: the app's own user, limited to its bucket (minio-init) ---

MINIO_ROOT = ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")
REQUIRED = re.compile(r"^\$\{(\w+):\?[^}]*\}$")
# The S3 calls S3Store makes (backend/media/storage.py) and the permissions each needs on MinIO/S3. A call added to the
# store without an entry here fails test_the_policy_grants_what_the_store_calls: grant it in docker-compose.yml's
# zan-media-policy (or find out why it is not needed) and name it here.
BUCKET_ACTIONS = {"head_bucket": {"s3:ListBucket"}}  # MinIO checks ListBucket for HeadBucket
OBJECT_ACTIONS = {
    "generate_presigned_post": {"s3:PutObject"},  # checked against the signer's rights when the client posts
    "put_object": {"s3:PutObject"},
    "upload_file": {"s3:PutObject", "s3:AbortMultipartUpload"},  # multipart above 8 MB, aborted on failure
    "get_object": {"s3:GetObject"},
    "download_file": {"s3:GetObject"},  # HeadObject, then ranged GETs
    "copy_object": {"s3:GetObject", "s3:PutObject"},
    "delete_object": {"s3:DeleteObject"},
}


def _script(service: dict[str, Any]) -> str:
    parts = service.get("entrypoint") or service.get("command") or []
    return "\n".join(parts) if isinstance(parts, list) else str(parts)


def _bucket(compose: dict[str, Any]) -> str:
    buckets = {str(s["environment"]["ZAN_S3_BUCKET"]) for s in _zan_services(compose).values()}
    assert len(buckets) == 1, buckets
    return buckets.pop()


def _policy(compose: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The policy minio-init creates for the app's user: its name and its document."""
    init = compose["services"]["minio-init"]
    created = re.search(r"mc admin policy create zan (\S+) (\S+)", _script(init))
    assert created, "minio-init does not create a policy"
    name, path = created.groups()
    mounted = {c["target"]: c["source"] for c in init.get("configs", [])}
    assert path in mounted, f"{path} is not one of minio-init's configs"
    return name, dict(json.loads(compose["configs"][mounted[path]]["content"]))


def test_the_zan_services_have_an_s3_user_of_their_own(compose: dict[str, Any]) -> None:
    for name, service in _zan_services(compose).items():
        env = service["environment"]
        for key in ("ZAN_S3_ACCESS_KEY", "ZAN_S3_SECRET_KEY"):
            raw = str(env[key])
            assert not re.search(r"\$\{MINIO_ROOT_", raw), (name, key, raw)
            required = REQUIRED.match(raw)  # from .env, with no default
            assert required and required.group(1) == key, (name, key, raw)
        # env_file passes .env's MinIO root keys too: the environment must blank them
        assert all(env.get(root) == "" for root in MINIO_ROOT), name
    for name, service in compose["services"].items():
        if name not in ("minio", "minio-init") and name not in _zan_services(compose):
            assert not any(root in yaml.safe_dump(service) for root in MINIO_ROOT), name


def test_minio_init_creates_the_bucket_the_policy_and_the_user(compose: dict[str, Any]) -> None:
    services = compose["services"]
    init = services["minio-init"]
    script = _script(init)
    bucket = _bucket(compose)
    # idempotent: `docker compose up` runs it every time
    assert re.search(rf"mc mb (--ignore-existing|-p) zan/{bucket}\b", script), script
    policy, _ = _policy(compose)
    assert re.search(r'mc admin user add zan "?\$\$ZAN_S3_ACCESS_KEY"? "?\$\$ZAN_S3_SECRET_KEY"?', script), script
    assert re.search(rf'mc admin policy attach zan {policy} --user "?\$\$ZAN_S3_ACCESS_KEY"?', script), script
    assert "-e" in init["entrypoint"][1], "a failed step must fail minio-init (sh -e), not start the app without it"
    zan_env = next(iter(_zan_services(compose).values()))["environment"]
    for key in ("ZAN_S3_ACCESS_KEY", "ZAN_S3_SECRET_KEY"):
        assert init["environment"][key] == zan_env[key], key  # the same keys the app signs with
    for root in MINIO_ROOT:
        assert REQUIRED.match(str(init["environment"][root])), root
    # nothing of Zan runs before the user exists, nor before the migrations
    for name, service in _zan_services(compose).items():
        needs = service["depends_on"]
        assert needs.get("minio-init") == {"condition": "service_completed_successfully"}, name
        if name != "migrate":
            assert needs.get("migrate") == {"condition": "service_completed_successfully"}, name
    assert "zan db upgrade" in " ".join(services["migrate"]["command"])


def test_the_policy_grants_what_the_store_calls_and_no_more(compose: dict[str, Any]) -> None:
    source = (REPO / "backend" / "media" / "storage.py").read_text(encoding="utf-8")
    store = source[source.index("class S3Store"):]
    calls = set(re.findall(r"self\._(?:public_|probe_)?client\.(\w+)", store))
    calls |= set(re.findall(r"generate_presigned_url, \"(\w+)\"", store))
    calls.discard("generate_presigned_url")
    assert {"generate_presigned_post", "get_object", "delete_object", "head_bucket"} <= calls
    unknown = calls - set(BUCKET_ACTIONS) - set(OBJECT_ACTIONS)
    assert not unknown, f"S3 calls with no permission known to this test: {unknown}"
    bucket = _bucket(compose)
    need = {f"arn:aws:s3:::{bucket}": set().union(*(BUCKET_ACTIONS[c] for c in calls if c in BUCKET_ACTIONS)),
            f"arn:aws:s3:::{bucket}/*": set().union(*(OBJECT_ACTIONS[c] for c in calls if c in OBJECT_ACTIONS))}
    _, document = _policy(compose)
    granted: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and "Condition" not in statement, statement
        for resource in statement["Resource"]:
            granted.setdefault(resource, set()).update(statement["Action"])
    assert granted == need


# --- images and healthchecks ---

# the binaries a healthcheck may call in the images we pull (each image's own contents)
IMAGE_BINARIES = {"postgres": {"pg_isready", "sh"}, "redis": {"redis-cli", "sh"},
                  "quay.io/minio/minio": {"mc"}}  # MinIO's image has no curl and no shell tools beyond mc
MINIO_RELEASE = re.compile(r"RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ")


def test_every_image_is_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:  # ours, built from this checkout
            continue
        image = str(service["image"]).split("@")[0]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag and tag not in ("", "latest"), (name, image)
        if "minio" in repository:
            # Docker Hub no longer serves MinIO's images; quay.io has every release under its RELEASE tag
            assert repository.startswith("quay.io/minio/"), (name, image)
            assert MINIO_RELEASE.fullmatch(tag), (name, image)


def _dockerfile_binaries() -> set[str]:
    """What the image our Dockerfile builds can run: its last stage's base (python:*-slim), the packages that stage
    installs (named as their binaries), and our package's `zan`."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    stage = text[text.rindex("\nFROM "):]
    assert re.match(r"\nFROM python:3\.\d+-slim\b", stage), stage.splitlines()[1]
    packages: set[str] = set()
    for installed in re.findall(r"apt-get install ([^&\n]*)", stage):
        packages |= {word for word in installed.split() if not word.startswith("-")}
    return {"python", "python3", "sh", "zan"} | packages


def _healthcheck_binary(test: list[str] | str) -> str:
    if isinstance(test, str):
        return test.split()[0]
    if test[0] == "CMD-SHELL":
        return test[1].split()[0]
    assert test[0] == "CMD", test
    return test[1]


def test_healthchecks_call_what_their_image_has(compose: dict[str, Any]) -> None:
    ours = _dockerfile_binaries()
    checked = set()
    for name, service in compose["services"].items():
        if "healthcheck" not in service:
            continue
        binary = _healthcheck_binary(service["healthcheck"]["test"])
        image = str(service["image"]).split(":")[0]
        has = ours if "build" in service else IMAGE_BINARIES.get(image)
        assert has is not None, f"{name}: what does {image} hold? Name its binaries in IMAGE_BINARIES"
        assert binary in has, f"{name}'s healthcheck calls {binary}, which its image does not have ({sorted(has)})"
        checked.add(name)
    assert {"api", "postgres", "redis", "minio"} <= checked
    # the API's probe asks the port it serves on, and its Python is valid
    api = compose["services"]["api"]
    test = api["healthcheck"]["test"]
    port = api["command"][api["command"].index("--port") + 1]
    assert f"127.0.0.1:{port}/health" in " ".join(test)
    if test[1] == "python":
        compile(test[test.index("-c") + 1], "healthcheck", "exec")


def test_env_example_names_every_required_setting_without_a_value() -> None:
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert {"ZAN_SECRET_KEY", "ZAN_S3_ACCESS_KEY", "MINIO_ROOT_PASSWORD"} <= required
    example: dict[str, str] = {}
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    assert required <= set(example), sorted(required - set(example))
    # no secret gets a value anyone could copy into production
    secret = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY")
    assert not {k: v for k, v in example.items() if secret.search(k) and v}
