"""The file storages: the one every upload, letter, minutes and archive is written through, and the static files' one.

Django's FileSystemStorage leaves the part already written on disk when a write fails (a
full disk, say), under a name no row points to. This one removes it, and names a full disk
in French so that pages (fipe.middleware.DiskFullMiddleware) and batches can say so.
"""

import contextlib
import errno
import os

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _
from whitenoise.storage import CompressedManifestStaticFilesStorage


class DiskFull(OSError):
    """The storage has no room left: nothing of the file was kept."""

    def __init__(self):
        super().__init__(errno.ENOSPC, _("Espace disque insuffisant : le fichier n’a pas été enregistré."))
        self.message = self.strerror


class CleanFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        existed = os.path.lexists(self.path(name))
        try:
            return super()._save(name, content)
        except OSError as error:
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.path(name))
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull from error
            raise


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed static files, each name's URL worked out once per process.

    The manifest does not change while a process runs, and every page asks for the same dozen
    URLs (style sheets, scripts, icons): working each out again costs more than its template tag.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        if name not in self._urls:
            self._urls[name] = super().url(name)
        return self._urls[name]
