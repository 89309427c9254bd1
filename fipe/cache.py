"""The cache in files that one machine's workers share when no Redis server is named (REDIS_URL)."""

import itertools

from django.core.cache.backends.filebased import FileBasedCache

# Writes between two counts of the folder's files.
CULL_EVERY = 100


class FileCache(FileBasedCache):
    """Django's file cache, counting its files at one write in CULL_EVERY rather than at each.

    Django lists the whole folder at every write to see whether it holds more than MAX_ENTRIES files.
    With the sessions and the pages kept for their visitors, that folder holds thousands of files: the
    listing then costs more than the page (55 ms a write with 10,000 files), and the API's throttle
    writes at every call. Counted at one write in a hundred, the folder may pass MAX_ENTRIES by at
    most a hundred files a worker before Django's own cull removes a third of them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writes = itertools.count(1)

    def _cull(self):
        if next(self._writes) % CULL_EVERY == 0:
            super()._cull()
