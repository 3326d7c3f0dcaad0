"""Images of good examples are served as pixels only: no EXIF, GPS position or camera; upright; within the pixel
limits, refused with a message in the user's language above them; and what is served is what the portal encoded."""

import io
import random
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageDraw, PngImagePlugin

from plans.models import GoodExample
from tests import factories as make
from tests.concurrency import postgresql_only, table_locked

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1
CAMERA = "Livskraft-kamera"
# Mo i Rana, as a camera writes it into the GPS block of the EXIF.
GPS = {1: "N", 2: (66.0, 18.0, 30.0), 3: "E", 4: (14.0, 8.0, 0.0)}
MAKE, MODEL, ORIENTATION, GPS_IFD = 0x010F, 0x0110, 0x0112, 0x8825
# What Pillow reports of any file of the format, about how it is stored rather than about the picture.
STRUCTURE = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "background", "loop"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def planner(kongsberg, network):
    return make.role(make.user("planlegger-kongsberg"), kongsberg, "planner")


def camera_photo(fmt="JPEG", size=(80, 40), orientation=6) -> bytes:
    """A photo as a phone stores it: red on the left, blue on the right, lying on its side (EXIF orientation 6:
    turn it a quarter clockwise to show it), with the camera's name and the GPS position in its EXIF."""
    image = Image.new("RGB", size, "#0000ff")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill="#ff0000")
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[ORIENTATION], exif[GPS_IFD] = CAMERA, "Modell X", orientation, GPS
    out = io.BytesIO()
    image.save(out, fmt, exif=exif, quality=95)
    return out.getvalue()


def post_example(client, data: bytes, name="bilde.jpg", language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    image = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(
        "/rapportering/3303/gode-eksempler/ny/",
        {"title": "Bruktbu", "year": YEAR, "text": "Vi åpnet en bruktbu.", "image": image, "image_alt": "Bruktbua"},
    )


def served(client, example) -> bytes:
    response = client.get(f"/gode-eksempler/{example.pk}/bilde/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def metadata(data: bytes) -> dict:
    """Everything the served file says about itself besides its pixels."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return {
        "exif": dict(exif),
        "gps": dict(exif.get_ifd(GPS_IFD)),
        "info": {k: v for k, v in image.info.items() if k not in STRUCTURE},
    }


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_the_gps_position_and_the_camera_are_not_served(client, planner, media, fmt):
    photo = camera_photo(fmt)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)  # the upload carries them
    client.force_login(planner)
    assert post_example(client, photo).status_code == 302

    data = served(client, GoodExample.objects.get())
    assert metadata(data) == {"exif": {}, "gps": {}, "info": {}}
    assert CAMERA.encode() not in data
    # What is on disk is what is served: nothing keeps the original beside it.
    assert [path.read_bytes() for path in media.rglob("*") if path.is_file()] == [data]


def test_the_photo_stands_as_the_camera_held_it(client, planner, media):
    client.force_login(planner)
    post_example(client, camera_photo())
    image = Image.open(io.BytesIO(served(client, GoodExample.objects.get()))).convert("RGB")
    assert image.size == (40, 80)  # turned a quarter, before the orientation was left behind
    red, blue = image.getpixel((20, 10)), image.getpixel((20, 70))
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]  # the left half is now on top


def test_text_in_a_png_is_left_behind(client, planner, media):
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Tatt hjemme hos Kari, Storgata 1")
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (10, 120, 60, 128)).save(out, "PNG", pnginfo=text)
    client.force_login(planner)
    post_example(client, out.getvalue(), name="bilde.png")
    data = served(client, GoodExample.objects.get())
    assert b"Storgata" not in data
    assert Image.open(io.BytesIO(data)).getpixel((5, 5)) == (10, 120, 60, 128)  # transparency kept


def test_a_large_photo_is_stored_at_most_2048_pixels_on_its_longest_side(client, planner, media):
    client.force_login(planner)
    post_example(client, camera_photo(size=(4000, 3000), orientation=1))
    assert Image.open(io.BytesIO(served(client, GoodExample.objects.get()))).size == (2048, 1536)


def pixel_bomb() -> bytes:
    """12 000 × 12 000 black pixels: 140 kB as PNG, 144 MB once decoded."""
    out = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The image has too many pixels. The portal takes images of at most 50 megapixels and 10,000 pixels"),
        ("nb", "Bildet har for mange piksler. Portalen tar imot bilder på høyst 50 megapiksler og 10\xa0000 piksler"),
        ("nn", "Biletet har for mange pikslar. Portalen tek imot bilete på høgst 50 megapikslar og 10\xa0000 pikslar"),
    ],
)
def test_a_pixel_bomb_is_refused_with_a_message_and_nothing_is_stored(client, planner, media, language, message):
    bomb = pixel_bomb()
    assert len(bomb) < 150_000
    client.force_login(planner)
    response = post_example(client, bomb, name="bilde.png", language=language)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GoodExample.objects.exists()
    assert not any(media.rglob("*.*"))


def test_a_lower_pixel_limit_in_settings_refuses_an_image_the_default_takes(client, planner, media, settings):
    client.force_login(planner)
    settings.LIVSKRAFT_MAX_IMAGE_SIDE = 60
    page = post_example(client, camera_photo()).content.decode()
    assert "at most 50 megapixels and 60 pixels wide or tall" in page
    assert not GoodExample.objects.exists()
    settings.LIVSKRAFT_MAX_IMAGE_SIDE = 80  # the photo's longest side: taken
    assert post_example(client, camera_photo()).status_code == 302


def test_the_admin_takes_images_the_same_way(client, administrator, kongsberg, media):
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {"municipality": kongsberg.pk, "year": YEAR, "title": "Bruktbu", "text": "Vi åpnet en bruktbu.",
            "image_alt": "Bruktbua"}  # fmt: skip
    bomb = SimpleUploadedFile("bilde.png", pixel_bomb(), content_type="image/png")
    page = client.post("/forvaltning/plans/goodexample/add/", {**data, "image": bomb}).content.decode()
    assert "The image has too many pixels" in page
    assert not GoodExample.objects.exists()

    photo = SimpleUploadedFile("bilde.jpg", camera_photo(), content_type="image/jpeg")
    assert client.post("/forvaltning/plans/goodexample/add/", {**data, "image": photo}).status_code == 302
    assert metadata(served(client, GoodExample.objects.get())) == {"exif": {}, "gps": {}, "info": {}}


# --- a write that fails leaves no file behind -------------------------------------------------------------------


def noise_png() -> bytes:
    """A PNG of random pixels, which no encoding shrinks: about 1 MB."""
    pixels = random.Random(0).randbytes(600 * 600 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (600, 600), pixels).save(out, "PNG")
    return out.getvalue()


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.fixture
def small_disk(settings, tmp_path):
    """MEDIA_ROOT on a disk of its own with room for 64 kB (a tmpfs: mounting one needs root)."""
    mount = tmp_path / "media"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = mount
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_leaves_no_part_of_the_image_and_the_planner_is_told(client, planner, small_disk):
    client.force_login(planner)
    response = post_example(client, noise_png(), name="bilde.png")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The image could not be stored just now" in page and "Nothing was saved" in page
    assert 'value="Bruktbu"' in page  # what she wrote is still in the form
    assert not GoodExample.objects.exists()
    assert files_under(small_disk) == []
    # Room again: the same example is taken.
    assert post_example(client, camera_photo()).status_code == 302
    assert len(files_under(small_disk)) == 1


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_an_image_whose_example_cannot_be_saved_is_removed_again(client, planner, media):
    """The image is written, then the database gives up waiting for a lock on the examples' table: 503, no file."""
    client.force_login(planner)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        with table_locked(GoodExample):
            response = post_example(client, camera_photo())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.status_code == 503
    assert not GoodExample.objects.exists()
    assert files_under(media) == []


def test_an_image_replaced_or_cleared_is_removed_from_disk(client, planner, media, django_capture_on_commit_callbacks):
    client.force_login(planner)
    post_example(client, camera_photo())
    example = GoodExample.objects.get()
    first = media / example.image.name
    assert files_under(media) == [first]
    form = {"title": "Bruktbu", "year": YEAR, "text": "Vi åpnet en bruktbu.", "image_alt": "Bruktbua"}
    with django_capture_on_commit_callbacks(execute=True):
        photo = SimpleUploadedFile("ny.jpg", camera_photo(orientation=1), content_type="image/jpeg")
        assert client.post(f"/rapportering/gode-eksempler/{example.pk}/", {**form, "image": photo}).status_code == 302
    example.refresh_from_db()
    assert files_under(media) == [media / example.image.name] != [first]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/rapportering/gode-eksempler/{example.pk}/", {**form, "image-clear": "on"})
    example.refresh_from_db()
    assert not example.image and files_under(media) == []
