"""Keep the search index, the case vectors (in a task, after commit) and the
synonym cache in step with every save."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from consultations import search
from consultations.models import Case, GlossaryTerm


@receiver(post_save, sender=Case)
def _case_saved(sender, instance: Case, raw: bool = False, **kwargs):
    if not raw:
        search.index_case(instance)
        if instance.published:
            search.queue_embedding(instance.pk)


@receiver(post_delete, sender=Case)
def _case_deleted(sender, instance: Case, **kwargs):
    search.remove_case(instance.pk)


@receiver([post_save, post_delete], sender=GlossaryTerm)
def _term_changed(sender, **kwargs):
    search.forget_synonyms()
