"""Signed PDF/A-3b letters from their HTML, through WeasyPrint and pyHanko, one at a time or by a
pool of renderers.

WeasyPrint and pyHanko only ever see the HTML string and the description of the signatory's key
(no secret, see `signing.SigningKey`), so a batch can hand the rendering and signing — the slow
part — to processes that never touch the database, and store the results back in the parent.
"""

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from functools import partial

from weasyprint.urls import FatalURLFetchingError

from fipe.pdf import render_pdf
from projects.letters.signing import SigningKey, sign_pdf
from projects.models import KeySource

logger = logging.getLogger(__name__)

# WeasyPrint raises FatalURLFetchingError, a BaseException, when a resource cannot be fetched.
RENDERING_ERRORS = (Exception, FatalURLFetchingError)


def render_signed_pdf(html: str, *, key: SigningKey) -> bytes:
    return sign_pdf(render_pdf(html), key=key)


def _render_job(job: tuple[int, str, SigningKey | None]) -> tuple[int, bytes | None, str]:
    """One PDF in a pool worker, signed unless `key` is None; an error is returned, not raised, so one
    letter cannot stop the others."""
    index, html, key = job
    try:
        return index, render_pdf(html) if key is None else render_signed_pdf(html, key=key), ""
    except RENDERING_ERRORS as error:
        logger.exception("letter PDF rendering failed")
        return index, None, f"{type(error).__name__}: {error}"


def _signed_here(result: tuple[int, bytes | None, str], key: SigningKey) -> tuple[int, bytes | None, str]:
    """A renderer's unsigned PDF, signed in this process; an error is returned, as `_render_job` does."""
    index, pdf, _error = result
    if pdf is None:
        return result
    try:
        return index, sign_pdf(pdf, key=key), ""
    except Exception as error:
        logger.exception("letter PDF signature failed")
        return index, None, f"{type(error).__name__}: {error}"


RENDERER_SIGNALS = [
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP") if hasattr(signal, name)
]


def _renderer_started() -> None:
    """In each renderer: the default signal handlers, not the parent's.

    Forked from the task worker, a renderer would otherwise keep its graceful-shutdown
    handler, which only notes the signal: the pool's terminate() would then wait for ever on
    renderers that ignore its SIGTERM, and the worker with them.
    """
    for signum in RENDERER_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def render_pool(processes: int, letters: int):
    """A pool of `processes` PDF renderers, or no pool (None) when one process is enough.

    The pool is forked: its workers inherit the loaded code and never use the parent's
    database connections (they only ever receive HTML strings). Leaving the `with` block
    terminates them, whether the batch ended or failed.
    """
    if processes <= 1 or letters <= 1:
        return nullcontext(None)
    start = partial(multiprocessing.get_context("fork").Pool, min(processes, letters), initializer=_renderer_started)
    if threading.current_thread() is not threading.main_thread():  # where alone handlers can be set
        return start()
    # Forked with the default handlers too: a SIGTERM from terminate() reaching a renderer before its
    # initializer has run would otherwise be noted by the inherited handler and lost, and the pool
    # would wait for that renderer for ever.
    previous = {signum: signal.signal(signum, signal.SIG_DFL) for signum in RENDERER_SIGNALS}
    try:
        return start()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def render_in_pool(pool, htmls: list[str], key: SigningKey) -> Iterator[tuple[int, bytes | None, str]]:
    """(index, pdf, error) for each signed PDF, in completion order. A pool starts rendering at once.

    A key on a card or an HSM signs only in this process: a PKCS#11 session does not survive a
    fork (the standard leaves a forked process's use of it undefined), so the renderers render
    and this process signs, as the token would one signature at a time anyway.
    """
    signed_here = pool is not None and key.source == KeySource.PKCS11
    jobs = [(index, html, None if signed_here else key) for index, html in enumerate(htmls)]
    if pool is None:
        return map(_render_job, jobs)
    rendered = pool.imap_unordered(_render_job, jobs)
    return (_signed_here(result, key) for result in rendered) if signed_here else rendered


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
