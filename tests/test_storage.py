"""Uploaded files in S3-compatible object storage, shared by several app servers (LIVSKRAFT_S3_BUCKET).

The object storage is moto's standalone server, a third-party S3 stand-in started by the test on a port of its
own; the portal talks to it through django-storages and boto3 over HTTP, as it would to any S3 service.
"""

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from plans.models import ExampleStatus, GoodExample
from tests import factories as make
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

BUCKET = "livskraft-media"
KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


def png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def object_storage(settings, tmp_path):
    """An S3 server with an empty bucket, the portal's default storage; MEDIA_ROOT points at an empty folder."""
    server = Path(sys.executable).parent / "moto_server"
    if not server.exists():
        skip_or_fail("moto_server is not installed (pip install -r requirements-dev.txt)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-north-1", **_boto_keys())
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "region_name": "eu-north-1",
                    "file_overwrite": False,
                    "default_acl": None,
                    **KEYS,
                },
            },
        }
        yield client
    finally:
        process.terminate()
        process.wait(10)


def _boto_keys() -> dict:
    return {"aws_access_key_id": KEYS["access_key"], "aws_secret_access_key": KEYS["secret_key"]}


def objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


@pytest.fixture
def planner(kongsberg):
    return make.role(make.user("planlegger-kongsberg"), kongsberg, "planner")


def test_an_uploaded_image_lives_in_the_bucket_and_is_served_from_it(
    client, planner, coordinator, object_storage, settings
):
    client.force_login(planner)
    response = client.post(
        "/rapportering/3303/gode-eksempler/ny/",
        {
            "title": "Bruktbu",
            "year": 2024,
            "text": "Vi åpnet en bruktbu.",
            "image": SimpleUploadedFile("bilde.png", png("#1b4d36"), content_type="image/png"),
            "image_alt": "Bruktbua sett utenfra",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    example = GoodExample.objects.get()
    stored = objects(object_storage)
    assert list(stored) == [example.image.name]  # in the bucket every app server reads
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on this server's disk
    image = client.get(f"/gode-eksempler/{example.pk}/bilde/")
    assert image.status_code == 200 and b"".join(image.streaming_content) == stored[example.image.name]

    client.force_login(coordinator)
    client.post(f"/rapportering/gode-eksempler/{example.pk}/vurdering/", {"action": "publish"})
    client.logout()
    public = client.get(f"/gode-eksempler/{example.pk}/bilde/")
    assert public.status_code == 200 and b"".join(public.streaming_content) == stored[example.image.name]


@pytest.mark.django_db(transaction=True)  # a backup reads in a snapshot transaction of its own
def test_a_backup_takes_the_images_from_the_bucket_and_a_restore_puts_them_back(
    kongsberg, object_storage, settings, tmp_path
):
    from django.core.files.base import ContentFile

    published = GoodExample.objects.create(
        municipality=kongsberg, year=2024, title="Bruktbua", text="Tekst", image_alt="Bruktbua",
        status=ExampleStatus.PUBLISHED, published_at=timezone.now(),
    )  # fmt: skip
    published.image.save("gode-eksempler/1/bruktbu.png", ContentFile(png("#1b4d36")))
    draft = GoodExample.objects.create(
        municipality=kongsberg, year=2024, title="Sykkelbyen", text="Utkast", image_alt="Sykler"
    )
    draft.image.save("gode-eksempler/1/sykkel.png", ContentFile(png("#a4262c")))
    before = objects(object_storage)
    assert len(before) == 2

    backup = tmp_path / "backup"
    call_command("backup", str(backup), stdout=io.StringIO())
    assert (backup / "public" / "media" / published.image.name).read_bytes() == before[published.image.name]
    assert (backup / "private" / "media" / draft.image.name).read_bytes() == before[draft.image.name]
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing went through the local folder

    from tests.test_backup import empty_the_database

    empty_the_database()
    object_storage.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": key} for key in before]})
    call_command("restore", str(backup), stdout=io.StringIO())
    assert objects(object_storage) == before
    assert GoodExample.objects.get(title="Bruktbua").image.name == published.image.name
