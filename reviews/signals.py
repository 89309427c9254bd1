from reviews.instruction.services import give_default_criteria


def give_new_call_the_default_grid(sender, instance, created, raw=False, **kwargs):
    """Every new call, however created (admin, import, demo), starts with the default FIPE grid.

    Skipped for fixtures (`raw`): they carry their own criteria.
    """
    if created and not raw:
        give_default_criteria(call=instance)
