from django.apps import AppConfig
from django.db.models.signals import post_save


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Instruction et comités"

    def ready(self):
        from reviews.signals import give_new_call_the_default_grid

        post_save.connect(give_new_call_the_default_grid, sender="projects.Call", dispatch_uid="reviews.default_grid")
