from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created


class FipeConfig(AppConfig):
    name = "fipe"

    def ready(self):
        from fipe.freshness import watch

        connection_created.connect(watch, dispatch_uid="fipe-freshness")
        for connection in connections.all(initialized_only=True):
            watch(connection)
