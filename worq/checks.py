"""System checks that `manage.py check --deploy` runs before a release."""

from django.conf import settings
from django.core import checks

from worq.lib.secretkey import GENERATE_HINT, secret_key_problem


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problem = secret_key_problem(settings.SECRET_KEY, known=settings.WORQ_KNOWN_SECRET_KEYS)
    if problem is None:
        return []
    return [checks.Error(problem, hint=GENERATE_HINT, id="worq.E001")]
