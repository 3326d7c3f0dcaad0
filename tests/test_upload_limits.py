"""Every upload and file-size limit is a setting: lowered, it refuses a file the default takes, and says the new size."""

import io
import random
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from indicators import jsonstat
from indicators.entry import ImportForm
from indicators.importers.base import ImportRejected
from indicators.importers.national_csv import read_national_csv
from indicators.importers.ssb_population import parse_population
from indicators.models import Municipality
from indicators.opendata import SsbImportForm
from plans.forms import GoodExampleForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ONE_MB = 2**20


def noise_png() -> bytes:
    """A PNG of random pixels, which no compression shrinks: a little over 1 MB."""
    pixels = random.Random(0).randbytes(640 * 640 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (640, 640), pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def refused(read, data: bytes) -> list[str]:
    """Return the messages that refuse the data: a form's errors, or the problems an importer raises."""
    try:
        return read(data)
    except ImportRejected as rejected:
        return [str(problem) for problem in rejected.problems]
    except jsonstat.JsonStatError as error:
        return error.problems


def spreadsheet_form(data: bytes) -> list[str]:
    form = ImportForm(data={}, files={"file": SimpleUploadedFile("verdier.csv", data)})
    return form.errors.get("file", []) if not form.is_valid() else []


def image_form(data: bytes) -> list[str]:
    municipality = Municipality.objects.create(name="Kongsberg")
    files = {"image": SimpleUploadedFile("bilde.png", data, content_type="image/png")}
    form = GoodExampleForm(data={"title": "Bruktbu"}, files=files, municipality=municipality)
    form.is_valid()
    return form.errors.get("image", [])


def open_data_form(data: bytes) -> list[str]:
    form = SsbImportForm(data={}, files={"file": SimpleUploadedFile("07459.json", data)})
    form.is_valid()
    return form.errors.get("file", [])


def population_csv(data: bytes) -> list[str]:
    parse_population(data)
    return []


def jsonstat_file(data: bytes) -> list[str]:
    jsonstat.parse(data)
    return []


def national_csv(data: bytes) -> list[str]:
    read_national_csv(data, "nasjonal.csv", last_year=2024)
    return []


TEXT = b"region;Persons 2024\n" + b"K-0301 Oslo;709037\n" * 60_000  # a little over 1 MB
CASES = [
    ("LIVSKRAFT_MAX_UPLOAD_BYTES", spreadsheet_form, TEXT),
    ("LIVSKRAFT_MAX_IMAGE_BYTES", image_form, noise_png()),
    ("LIVSKRAFT_MAX_OPEN_DATA_BYTES", open_data_form, TEXT),
    ("LIVSKRAFT_MAX_OPEN_DATA_BYTES", population_csv, TEXT),
    ("LIVSKRAFT_MAX_JSONSTAT_BYTES", jsonstat_file, TEXT),
    ("LIVSKRAFT_MAX_NATIONAL_CSV_BYTES", national_csv, TEXT),
]


@pytest.mark.parametrize(
    ("setting", "read", "data"), CASES, ids=[f"{setting}-{read.__name__}" for setting, read, _data in CASES]
)
def test_a_lower_limit_in_settings_refuses_a_file_the_default_takes(settings, setting, read, data):
    assert ONE_MB < len(data) < 2 * ONE_MB
    assert not [m for m in refused(read, data) if " MB" in m]  # other problems, perhaps, but not its size
    setattr(settings, setting, ONE_MB)
    assert [m for m in refused(read, data) if re.search(r"(larger than|takes is) 1 MB\b", m)]
