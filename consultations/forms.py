from django import forms

from consultations import terms_checker
from consultations.models import ConsultationRequest, EngagementRecord, LawyerReferral
from kyosai.forms import UploadField


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


# --- 取引記録 -------------------------------------------------------------------------------
class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_ERRORS = {"invalid": "日付の形が正しくありません（例：2026-04-01）。"}


class EngagementForm(forms.ModelForm):
    """What the member types. Cross-field rules (end ≥ start, due ≥ delivery…)
    live in the model's clean() and CheckConstraints; the form adds only what
    depends on today."""

    class Meta:
        model = EngagementRecord
        fields = [
            "client_name",
            "client_has_employees",
            "work",
            "start_on",
            "end_on",
            "renewals",
            "renewed_until",
            "fee",
            "fee_note",
            "delivered_on",
            "agreed_due_on",
            "original_due_on",
        ]
        widgets = {
            "client_has_employees": forms.RadioSelect,
            "work": forms.Textarea(attrs={"rows": 3}),
            **{
                name: DateInput()
                for name in [
                    "start_on",
                    "end_on",
                    "renewed_until",
                    "delivered_on",
                    "agreed_due_on",
                    "original_due_on",
                ]
            },
            "fee": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "renewals": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }
        help_texts = {
            "client_name": "会社名・屋号・個人名など。あなただけが見られます。",
            "client_has_employees": (
                "従業員を使っている取引先（週20時間以上・31日以上働く人がいる、または役員が2人以上）には、"
                "60日以内の支払いなど、より多くのルールが適用されます。"
            ),
            "work": "例：Webサイトのイラスト5点の制作",
            "start_on": "業務の委託を受けた日（最初の発注の日）。",
            "end_on": "期間の定めがないときは空欄のままにしてください。",
            "renewals": "契約を更新した回数。更新した期間も、取引の長さに含めて数えます。",
            "renewed_until": "更新したときは、いまの契約が終わる日。",
            "fee": "税込みの金額を数字で（例：50000）。",
            "fee_note": "例：1点1万円、月末締め",
            "delivered_on": "成果物を渡した日、またはサービスを提供した日。支払期日はこの日を1日目として数えます。",
            "agreed_due_on": "取引先と決めた支払いの日。決めていなければ空欄のままで大丈夫です。",
            "original_due_on": "再委託（取引先がさらに別の会社から受けた仕事）で、発注書に元委託支払期日が書かれているときだけ。",
        }
        error_messages = {
            "client_name": {"required": "取引先の名前を入力してください。"},
            "work": {"required": "仕事の内容を入力してください。"},
            "start_on": {"required": "取引の開始日を入力してください。", **DATE_ERRORS},
            "fee": {
                "invalid": "報酬は数字で入力してください（例：50000）。",
                "min_value": "報酬は0円以上の数字で入力してください。",
            },
            **{
                name: DATE_ERRORS
                for name in ["end_on", "renewed_until", "delivered_on", "agreed_due_on", "original_due_on"]
            },
        }

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_delivered_on(self):
        day = self.cleaned_data.get("delivered_on")
        if day and day > self.today:
            raise forms.ValidationError(
                "納品した日に、まだ来ていない日は選べません。納品したあとで入力してください。"
            )
        return day

    def clean_client_name(self):
        return self.cleaned_data["client_name"].strip()


class PaidForm(forms.Form):
    paid_on = forms.DateField(
        label="支払われた日",
        widget=DateInput(),
        error_messages={"required": "支払われた日を入力してください。", **DATE_ERRORS},
    )

    def __init__(self, *args, today, start_on, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.start_on = today, start_on

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > self.today:
            raise forms.ValidationError("まだ来ていない日は選べません。支払われた日を入力してください。")
        if day < self.start_on:
            raise forms.ValidationError("支払われた日は、取引の開始日と同じか後の日付にしてください。")
        return day


class EvidenceForm(forms.Form):
    file = UploadField(
        label="ファイル",
        help_text="発注のメール、納品の記録、チャットの画面など。PDF・JPEG・PNG、5MBまで。",
        error_messages={"required": "保存するファイルを選んでください。"},
    )
    note = forms.CharField(
        label="メモ",
        required=False,
        max_length=200,
        help_text="例：4月1日の発注メール",
        error_messages={"max_length": "メモは200文字以内で書いてください。"},
    )


class TermsTextForm(forms.Form):
    text = forms.CharField(
        label="取引先から届いた文面",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="発注書・メール・チャットの文面をそのまま貼り付けてください。保存するかどうかは、結果を見てから選べます。",
        error_messages={"required": "取引先から届いた文面を貼り付けてください。"},
    )

    def clean_text(self):
        try:
            return terms_checker.validate_text(self.cleaned_data["text"]).strip()
        except terms_checker.TermsInputError as exc:
            raise forms.ValidationError(str(exc)) from None
