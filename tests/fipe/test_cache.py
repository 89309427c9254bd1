"""The file cache that one machine's workers share without Redis."""

from unittest import mock

from fipe.cache import CULL_EVERY, FileCache


def file_cache(folder, max_entries: int) -> FileCache:
    return FileCache(str(folder), {"OPTIONS": {"MAX_ENTRIES": max_entries}})


def test_the_file_cache_counts_its_files_once_in_a_hundred_writes(tmp_path):
    cache = file_cache(tmp_path, max_entries=20_000)
    with mock.patch.object(cache, "_list_cache_files", wraps=cache._list_cache_files) as listing:
        for number in range(2 * CULL_EVERY):
            cache.set(f"page-{number}", "x")
    assert listing.call_count == 2


def test_the_file_cache_still_culls_past_its_bound(tmp_path):
    cache = file_cache(tmp_path, max_entries=5 * CULL_EVERY)
    for number in range(20 * CULL_EVERY):
        cache.set(f"page-{number}", "x")
    assert len(list(tmp_path.glob("*.djcache"))) <= 6 * CULL_EVERY
    assert cache.get(f"page-{20 * CULL_EVERY - 1}") == "x"
