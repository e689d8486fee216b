from django import forms


class CampaignScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label="予約日時",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="日本時間で入力してください。",
        error_messages={
            "required": "予約日時を入力してください。",
            "invalid": "日時の形式が正しくありません（例：2026-12-01 09:00）。",
        },
    )
