"""A real SMTP server on 127.0.0.1 (aiosmtpd), started by the tests that deliver the outbox."""

import logging
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the server received, and how it answers: `refuse` makes it refuse every message (a 451)."""

    def __init__(self):
        self.received = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Service momentanément indisponible"
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.original_content, policy=policy.default),
            }
        )
        return "250 OK"

    @property
    def messages(self):
        return [item["message"] for item in self.received]


@pytest.fixture
def smtp_server(settings):
    """An SMTP server the settings point at; stopped after the test."""
    # aiosmtpd logs every connection it sees open and close (« connection lost »), its own start-up
    # check included, which is no news here.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, timeout=5)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    inbox.port = port
    inbox.controller = controller
    try:
        yield inbox
    finally:
        controller.stop()
        server_log.setLevel(level)


@pytest.fixture
def no_smtp_server(settings):
    """Settings pointing at a port where nothing listens: the connection is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    return settings.EMAIL_PORT


@pytest.fixture
def silent_smtp_server(settings):
    """A server that takes the connection and never answers: the client waits for EMAIL_TIMEOUT."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = listener.getsockname()
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 1
        yield listener
