app_name = "opinionbox"

urlpatterns: list = []
