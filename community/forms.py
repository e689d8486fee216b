from django import forms

from community import rules, textcheck
from community.models import Post, Reaction, Report

BODY_HELP = (
    "ニックネームだけが表示されます。相手やあなたがわかる名前・連絡先は書かないでください。"
    "空行で段落、行頭の「- 」で箇条書き、https:// のアドレスはリンクになります。"
)


class _BodyForm(forms.Form):
    body = forms.CharField(
        label="本文",
        help_text=BODY_HELP,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": rules.MAX_BODY_LENGTH}),
        error_messages={"required": "本文を入力してください。"},
    )
    confirmed = forms.BooleanField(
        label="内容を見直しました。このまま投稿します",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > rules.MAX_BODY_LENGTH:
            raise forms.ValidationError(
                f"本文は{rules.MAX_BODY_LENGTH:,}文字以内にしてください（いまは{len(body):,}文字です）。"
                "長くなるときは、いくつかに分けて投稿してください。"
            )
        problems = textcheck.problems(body)
        if problems:
            raise forms.ValidationError(problems)
        return body

    def clean(self):
        cleaned = super().clean()
        body = cleaned.get("body")
        if body and not cleaned.get("confirmed"):
            self.warnings = textcheck.personal_info_warnings(body)
            if self.warnings:
                # Not saved yet: the person sees the warning and may confirm.
                raise forms.ValidationError(
                    "投稿する前に、もう一度だけ見直してください。", code="needs_confirmation"
                )
        return cleaned

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warnings)


class PostForm(_BodyForm):
    kind = forms.ChoiceField(
        label="どんな投稿ですか",
        choices=Post.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "投稿の種類を選んでください。",
            "invalid_choice": "投稿の種類を選んでください。",
        },
    )
    field_order = ["kind", "body", "confirmed"]


class ReplyForm(_BodyForm):
    pass


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="通報の理由",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "通報の理由を選んでください。",
            "invalid_choice": "通報の理由を選んでください。",
        },
    )
    note = forms.CharField(
        label="補足（任意）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="どこが問題か、わかる範囲で教えてください。通報した人の名前は投稿者には伝わりません。",
        error_messages={"max_length": "補足は1,000文字以内にしてください。"},
    )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)
    on = forms.BooleanField(required=False)


class ModerationForm(forms.Form):
    """Reason (and for suspensions, a period) asked for by admin actions."""

    reason = forms.CharField(
        label="理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="記録に残ります。非表示や利用停止では、本人にも伝わります。",
        error_messages={"required": "理由を入力してください。"},
    )


class SuspendForm(ModerationForm):
    days = forms.IntegerField(
        label="停止する日数",
        min_value=1,
        max_value=365,
        initial=7,
        error_messages={
            "required": "日数を入力してください。",
            "min_value": "1日以上にしてください。",
            "max_value": "365日以内にしてください。",
        },
    )
