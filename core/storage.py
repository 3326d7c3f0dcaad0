"""Local disk storage that never leaves part of a file behind.

Django's FileSystemStorage writes straight into the file's place: when the disk fills up halfway, the part written
stays there under its name, which nothing refers to. Here a file is written under a temporary name beside its
place, flushed to disk, and only then linked in under its name; a failed write removes the temporary file and
leaves nothing. A reader never sees half a file either.
"""

import contextlib
import os
import tempfile

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as target:
                for chunk in content.chunks():
                    target.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                target.flush()
                os.fsync(target.fileno())  # a full disk may only say so here
            os.chmod(temporary, self.file_permissions_mode or 0o644)
            while True:
                try:
                    os.link(temporary, full_path)  # refuses to replace a file of the same name, as O_EXCL does
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
