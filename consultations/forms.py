from django import forms

from consultations.models import ConsultationRequest, LawyerReferral


def prefill_from_membership(user) -> dict:
    """What the site already knows about a network member: they need not type it again."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return {}
    return {
        "name": membership.full_name,
        "occupation": membership.occupation,
        "prefecture": membership.prefecture,
    }


class ConsultationRequestForm(forms.ModelForm):
    consent = forms.BooleanField(
        label="入力した内容を相談対応のために使うことに同意します",
        help_text="相談の内容は、相談担当のスタッフだけが読みます。",
        error_messages={"required": "相談を送るには、同意のチェックが必要です。"},
    )

    class Meta:
        model = ConsultationRequest
        fields = [
            "email",
            "name",
            "category",
            "occupation",
            "prefecture",
            "what_happened",
            "what_wanted",
            "contact_method",
            "phone",
        ]
        help_texts = {
            "email": "受付のお知らせと回答をこのアドレスに送ります。",
            "what_happened": "いつ、誰と、何があったかを書いてください。わかる範囲で大丈夫です。",
            "what_wanted": "例：払ってほしい、契約を続けたい、どこに相談すればよいか知りたい",
            "phone": "電話での連絡を希望するときだけ入力してください。",
        }
        widgets = {
            "what_happened": forms.Textarea(attrs={"rows": 6}),
            "what_wanted": forms.Textarea(attrs={"rows": 3}),
            "contact_method": forms.RadioSelect,
        }
        error_messages = {
            "email": {
                "required": "回答を送るメールアドレスを入力してください。",
                "invalid": "メールアドレスの形が正しくありません（例：name@example.jp）。",
            },
            "category": {"required": "相談のカテゴリを選んでください。"},
            "occupation": {"required": "職種を選んでください。"},
            "prefecture": {"required": "都道府県を選んでください。"},
            "what_happened": {"required": "困っていることを書いてください。"},
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            # Signed-in people get the reply at their account address.
            del self.fields["email"]
            if not self.is_bound:
                self.initial = {**prefill_from_membership(user), **self.initial}

    def clean_what_happened(self):
        text = self.cleaned_data["what_happened"].strip()
        if len(text) > 4000:
            raise forms.ValidationError("4,000文字以内で書いてください。長いときは要点だけで大丈夫です。")
        return text

    def clean(self):
        data = super().clean()
        if data.get("contact_method") == ConsultationRequest.Contact.PHONE and not data.get("phone"):
            self.add_error("phone", "電話での連絡を希望するときは、電話番号を入力してください。")
        phone = data.get("phone", "")
        if phone and not all(ch.isdigit() or ch in "-+() " for ch in phone):
            self.add_error("phone", "電話番号は数字とハイフンで入力してください。")
        return data


class LawyerReferralForm(forms.ModelForm):
    class Meta:
        model = LawyerReferral
        fields = ["category", "prefecture", "summary", "preferred_times", "online_ok"]
        help_texts = {
            "summary": "何があって、弁護士に何を相談したいかを書いてください。",
            "preferred_times": "例：平日の夜、土曜日の午前",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "category": {"required": "相談のカテゴリを選んでください。"},
            "prefecture": {"required": "都道府県を選んでください。"},
            "summary": {"required": "相談したいことを書いてください。"},
        }

    def clean_summary(self):
        text = self.cleaned_data["summary"].strip()
        if len(text) > 4000:
            raise forms.ValidationError("4,000文字以内で書いてください。")
        return text
