"""Serve chosen files from installed packages (Bootstrap from npm, plotly.js from PyPI) as static files."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class VendorFinder(BaseFinder):
    """Expose exactly the files named in settings.VENDOR_STATIC_FILES, each under its static path."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.files = {name: Path(path) for name, path in settings.VENDOR_STATIC_FILES.items()}

    def check(self, **kwargs):
        return [
            Error(
                f"The static file {name} is missing: {path} does not exist.",
                hint="Run `npm ci` and `pip install -r requirements.txt` in the project folder.",
                id="livskraft.E001",
            )
            for name, path in self.files.items()
            if not path.is_file()
        ]

    def find(self, path, find_all=False, **kwargs):
        match = str(self.files[path]) if path in self.files and self.files[path].is_file() else None
        if find_all:
            return [match] if match else []
        return match

    def list(self, ignore_patterns):
        for name, path in self.files.items():
            if path.is_file():
                storage = FileSystemStorage(location=path.parent)
                storage.prefix = str(Path(name).parent)
                yield path.name, storage
