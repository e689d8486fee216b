import datetime as dt
import re
import unicodedata

from django import forms

from consultations import freelance_act, terms_checker
from consultations.models import ConsultationRequest, EngagementRecord, LawyerReferral
from kyosai.forms import UploadField


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


class TermsCheckForm(forms.Form):
    """取引条件チェッカー: pasted text or a PDF. Nothing here is saved."""

    text = forms.CharField(
        label="発注者から届いた文章",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "autocomplete": "off", "spellcheck": "false"}),
        help_text="発注書・メール・チャットの文章をそのまま貼り付けてください（50,000文字まで）。",
    )
    pdf = UploadField(
        label="またはPDFを選ぶ",
        required=False,
        help_text="文字の入ったPDF（5MBまで）。スキャンした画像のPDFは読めません。",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    client_name = forms.CharField(
        label="依頼文の宛名",
        required=False,
        max_length=60,
        help_text="例：株式会社〇〇 ご担当者。空欄なら「ご担当者様」にします。",
    )
    sender_name = forms.CharField(label="あなたの名前", required=False, max_length=60)

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        if not upload:
            return None
        if upload.sniffed_type != "application/pdf":
            raise forms.ValidationError(
                "画像からは文字を読み取れません。文字をコピーして貼り付けるか、文字の入ったPDFを選んでください。"
            )
        try:
            return terms_checker.pdf_text(upload.read())
        except terms_checker.TermsInputError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        pdf_text = data.get("pdf")
        text = pdf_text if pdf_text else data.get("text", "")
        try:
            data["checked_text"] = terms_checker.validate_text(text)
        except terms_checker.TermsInputError as exc:
            self.add_error("pdf" if pdf_text else "text", str(exc))
        return data


# --- Freelance Act tools (public, GET forms: nothing is stored) -------------

_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?\s*$")


class JapaneseDateField(forms.DateField):
    """A date typed as 2026-03-01, 2026/3/1 or 2026年3月1日 (full-width digits too).

    An impossible day such as 2026年2月30日 gets its own message, so the
    person sees what is wrong rather than "enter a valid date".
    """

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, dt.date):
            return super().to_python(value)
        text = unicodedata.normalize("NFKC", str(value))
        match = _DATE_RE.match(text)
        if not match:
            raise forms.ValidationError("日付は「2026-03-01」または「2026年3月1日」の形で入力してください。")
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(
                f"{year}年{month}月{day}日という日はありません。カレンダーで日付を確かめてください。"
            ) from None


class PaymentDeadlineForm(forms.Form):
    """支払期日の計算. ``today`` (Japan time) bounds the received date."""

    received = JapaneseDateField(
        label="受領日（納品した日・サービスを提供した日）",
        help_text="発注者が成果物を受け取った日、またはサービスを提供した日です。この日を1日目として数えます。",
        error_messages={"required": "納品した日（受領日）を入力してください。"},
    )
    agreed = JapaneseDateField(
        label="約束した支払期日",
        required=False,
        help_text="発注書やメールで決めた支払日です。決めていないときは空欄のままにしてください。",
    )
    original_due = JapaneseDateField(
        label="元委託支払期日（再委託の場合だけ）",
        required=False,
        help_text="発注者がさらに上の発注者から受けた仕事をあなたに任せた「再委託」で、"
        "通知に元委託支払期日が書かれているときだけ入力してください。",
    )
    monthly_closing = forms.BooleanField(
        label="月単位の締め日で支払われる（例：月末締め翌月末払い）",
        required=False,
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_received(self):
        received = self.cleaned_data["received"]
        if received > self.today:
            raise forms.ValidationError(
                "受領日が未来の日付になっています。納品・サービス提供が済んだ日を入力してください。"
            )
        if received.year < 2000:
            raise forms.ValidationError("受領日の年を確かめてください。")
        return received

    def clean(self):
        data = super().clean()
        received = data.get("received")
        if received is None:
            return data
        agreed, original_due = data.get("agreed"), data.get("original_due")
        if agreed and agreed < received:
            self.add_error("agreed", "約束した支払期日が受領日より前になっています。日付を確かめてください。")
        if original_due and original_due < received:
            self.add_error(
                "original_due", "元委託支払期日が受領日より前になっています。日付を確かめてください。"
            )
        return data


class WhereToGoForm(forms.Form):
    """どこに相談する？ Only answers, no personal data, so the URL can be shared."""

    EMPLOYEES = [("yes", "はい、雇っている"), ("no", "いいえ、雇っていない"), ("unknown", "わからない")]
    LENGTHS = [("0", "1か月未満"), ("1", "1か月以上6か月未満"), ("6", "6か月以上")]

    employees = forms.ChoiceField(
        label="発注者は、従業員を雇っていますか",
        help_text="週20時間以上・31日以上働く見込みの人を1人でも雇っていれば「はい」です。"
        "会社に役員が2人以上いる場合も「はい」にあたります。",
        choices=EMPLOYEES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "発注者が従業員を雇っているか選んでください。わからなければ「わからない」を選んでください。"
        },
    )
    length = forms.ChoiceField(
        label="この発注者との仕事の期間（更新を含めて）",
        help_text="契約を更新してきた場合は、最初の契約から通算した期間です。",
        choices=LENGTHS,
        widget=forms.RadioSelect,
        error_messages={"required": "仕事の期間を選んでください。"},
    )
    signs = forms.MultipleChoiceField(
        label="あてはまるものを選んでください（いくつでも）",
        help_text="働き方の実態が「雇われて働く人」に近いかどうかの目安です。あてはまらなければ選ばずに進んでください。",
        choices=[(s.code, s.question) for s in freelance_act.WORKER_SIGNS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "選択肢にない答えが含まれています。もう一度選んでください。"},
    )

    def advice(self) -> freelance_act.Advice:
        data = self.cleaned_data
        employees = {"yes": True, "no": False}.get(data["employees"])
        return freelance_act.consultation_advice(
            client_has_employees=employees, months=int(data["length"]), signs=set(data["signs"])
        )


# --- 取引記録 -------------------------------------------------------------------------------
ENGAGEMENT_DATES = ["start_on", "end_on", "renewed_until", "delivered_on", "agreed_due_on", "original_due_on"]


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
            "start_on": {"required": "取引の開始日を入力してください。"},
            "fee": {
                "invalid": "報酬は数字で入力してください（例：50000）。",
                "min_value": "報酬は0円以上の数字で入力してください。",
            },
        }
        # Typed dates such as 2026年3月1日 are read; an impossible day gets its own message.
        field_classes = dict.fromkeys(ENGAGEMENT_DATES, JapaneseDateField)

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
    paid_on = JapaneseDateField(
        label="支払われた日", error_messages={"required": "支払われた日を入力してください。"}
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
