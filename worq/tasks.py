import smtplib

from celery import shared_task

from worq.lib.mail import send_templated_email


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email_task(*, template: str, context: dict, to: list[str]) -> None:
    send_templated_email(template=template, context=context, to=to)
