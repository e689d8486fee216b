"""Keep the history in the one audit shape: the free-text actions of
ConsultationRequestEvent become their TextChoices codes, and every referral
already received gets the rows it would have had (received, and referred
when it was)."""

from django.db import migrations

ACTION_CODES = {"受付": "submitted", "状態の変更": "status_changed", "回答の送信": "replied"}


def actions_to_codes(apps, schema_editor):
    Event = apps.get_model("consultations", "ConsultationRequestEvent")
    for text, code in ACTION_CODES.items():
        Event.objects.filter(action=text).update(action=code)


def codes_to_actions(apps, schema_editor):
    Event = apps.get_model("consultations", "ConsultationRequestEvent")
    for text, code in ACTION_CODES.items():
        Event.objects.filter(action=code).update(action=text)


def _lawyer_name(lawyer) -> str:
    return f"{lawyer.name}（{lawyer.office}）" if lawyer.office else lawyer.name  # as Lawyer.__str__


def referral_history(apps, schema_editor):
    Referral = apps.get_model("consultations", "LawyerReferral")
    Event = apps.get_model("consultations", "LawyerReferralEvent")
    rows = []
    for referral in Referral.objects.filter(events__isnull=True).select_related("lawyer"):
        rows.append(
            Event(
                referral=referral,
                actor_id=referral.member_id,
                action="received",
                to_status="received",
                created_at=referral.created_at,
            )
        )
        if referral.referred_at and referral.lawyer_id:
            rows.append(
                Event(
                    referral=referral,
                    action="referred",
                    from_status="received",
                    to_status="referred",
                    note=_lawyer_name(referral.lawyer)[:200],
                    created_at=referral.referred_at,
                )
            )
    Event.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0007_one_audit_shape")]

    operations = [
        migrations.RunPython(actions_to_codes, codes_to_actions),
        migrations.RunPython(referral_history, migrations.RunPython.noop),
    ]
