app_name = "magazine"

urlpatterns: list = []
