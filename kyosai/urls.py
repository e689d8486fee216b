app_name = "kyosai"

urlpatterns: list = []
