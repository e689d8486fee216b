import datetime as dt
import re

from django import forms
from django.utils import timezone

from members.models import NetworkMembership, User
from worq.lib.vocab import WorkStyle

KANA_RE = re.compile(r"^[ァ-ヶー・　 ]+$")


def validate_nickname_text(value: str) -> str:
    value = value.strip()
    if len(value) < 2:
        raise forms.ValidationError("ニックネームは2文字以上で入力してください。")
    if "@" in value:
        raise forms.ValidationError("ニックネームにメールアドレスは使えません。")
    return value


class SignupExtraForm(forms.Form):
    """Added to allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    nickname = forms.CharField(
        label="ニックネーム",
        max_length=30,
        help_text="サイト上で表示される名前です。本名や取引先が分かる名前は避けてください。",
        error_messages={"required": "ニックネームを入力してください。"},
    )
    agree_terms = forms.BooleanField(
        label="利用規約とプライバシーポリシーに同意します",
        error_messages={"required": "登録には利用規約とプライバシーポリシーへの同意が必要です。"},
    )

    field_order = ["email", "nickname", "password1", "password2", "agree_terms"]

    def clean_nickname(self):
        value = validate_nickname_text(self.cleaned_data["nickname"])
        if User.objects.filter(nickname__iexact=value).exists():
            raise forms.ValidationError("このニックネームはすでに使われています。別の名前にしてください。")
        return value

    def signup(self, request, user):
        user.nickname = self.cleaned_data["nickname"]
        user.save(update_fields=["nickname"])


class MembershipForm(forms.ModelForm):
    work_styles = forms.MultipleChoiceField(
        label="働き方",
        choices=WorkStyle.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="あてはまるものをすべて選んでください。",
        error_messages={"required": "働き方を1つ以上選んでください。"},
    )
    agree_terms = forms.BooleanField(
        label="利用規約とプライバシーポリシーに同意します",
        error_messages={"required": "会員登録には利用規約とプライバシーポリシーへの同意が必要です。"},
    )

    class Meta:
        model = NetworkMembership
        fields = [
            "full_name",
            "full_name_kana",
            "birth_date",
            "sex",
            "prefecture",
            "occupation",
            "work_styles",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "full_name_kana": forms.TextInput(attrs={"placeholder": "ヤマダ タロウ"}),
        }
        help_texts = {
            "full_name": "会員証に印字されます。他の利用者には表示されません。",
            "sex": "任意です。Wor-Q共済の掛金計算にだけ使います。",
        }
        error_messages = {
            "full_name": {"required": "氏名を入力してください。"},
            "full_name_kana": {"required": "フリガナを入力してください。"},
            "birth_date": {
                "required": "生年月日を入力してください。",
                "invalid": "生年月日は 1990-04-01 のように入力してください。",
            },
            "prefecture": {"required": "都道府県を選んでください。"},
            "occupation": {"required": "職種を選んでください。"},
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = True
        self.fields["sex"].required = False
        self.fields["sex"].choices = [("", "回答しない"), *list(self.fields["sex"].choices)[1:]]
        if editing:
            del self.fields["agree_terms"]

    def clean_full_name_kana(self):
        value = self.cleaned_data["full_name_kana"].strip()
        if not KANA_RE.match(value):
            raise forms.ValidationError("フリガナはカタカナで入力してください。")
        return value

    def clean_birth_date(self):
        value: dt.date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError("生年月日が未来の日付になっています。")
        age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
        if age < 15:
            raise forms.ValidationError("連合ネットワーク会員には15歳からご登録いただけます。")
        if age > 120:
            raise forms.ValidationError("生年月日をご確認ください。")
        return value


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["nickname", "newsletter_opt_in", "reply_notifications"]
        labels = {
            "newsletter_opt_in": "Wor-Q Letters（メールマガジン）を受け取る",
            "reply_notifications": "コミュニティで返信があったらメールで知らせる",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nickname"].required = True
        self.fields["nickname"].error_messages["required"] = "ニックネームを入力してください。"

    def clean_nickname(self):
        value = validate_nickname_text(self.cleaned_data["nickname"])
        if User.objects.filter(nickname__iexact=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("このニックネームはすでに使われています。別の名前にしてください。")
        return value


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label="パスワード", widget=forms.PasswordInput)
    confirm = forms.BooleanField(
        label="退会すると、登録情報は削除され元に戻せないことを理解しました",
        error_messages={"required": "内容をご確認のうえ、チェックを入れてください。"},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        value = self.cleaned_data["password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("パスワードが正しくありません。")
        return value
