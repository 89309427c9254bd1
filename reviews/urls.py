from reviews.committee import urls as committee_urls
from reviews.instruction import urls as instruction_urls

app_name = "reviews"

urlpatterns = [*instruction_urls.urlpatterns, *committee_urls.urlpatterns]
