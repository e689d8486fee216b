"""E-mail backends for tests: the locmem outbox plus scripted SMTP failures."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class WorkerKilled(BaseException):
    """Stands for the worker process dying (SIGKILL): no except clause runs."""


class ScriptedBackend(LocmemBackend):
    """``bounce``: addresses refused with 550; ``kill_after``: die after n sent;
    ``transient_after``: the server drops the connection after n sent."""

    bounce: set[str] = set()
    kill_after: int | None = None
    transient_after: int | None = None
    accepted = 0

    @classmethod
    def reset(cls) -> None:
        cls.bounce, cls.kill_after, cls.transient_after, cls.accepted = set(), None, None, 0

    def send_messages(self, messages):
        cls = type(self)
        for message in messages:
            if cls.kill_after is not None and cls.accepted >= cls.kill_after:
                cls.kill_after = None
                raise WorkerKilled
            if cls.transient_after is not None and cls.accepted >= cls.transient_after:
                cls.transient_after = None
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if message.to[0] in cls.bounce:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"5.1.1 User unknown")})
            super().send_messages([message])
            cls.accepted += 1
        return len(messages)
