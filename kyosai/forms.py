import datetime as dt

from django import forms
from django.utils import timezone

from kyosai import eligibility, premiums, services
from kyosai.models import Application, Document, HealthQuestion, ProductCode, RateTable
from worq.lib.pagecache import remember

UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# First bytes of the file types we accept; the name and the browser's claim are not trusted.
MAGIC = [(b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png")]
SEX_CHOICES = [("", "選んでください"), *premiums.SEXES.items()]


def _table(product: str, on: dt.date):
    return (
        RateTable.objects.in_force(on)
        .filter(product=product)
        .prefetch_related("rates")
        .order_by("-valid_from")
        .first()
    )


def _values(product: str, field: str, on: dt.date) -> list:
    table = _table(product, on)
    if table is None:
        return []
    return sorted({getattr(r, field) for r in table.rates.all()} - {"", None})


def option_choices(on: dt.date) -> dict[str, list]:
    """Select options built from the rate tables in force (never hard-coded),
    kept until a rate table changes (``worq.lib.pagecache.remember``)."""
    return remember("kyosai-option-choices", (on,), lambda: _option_choices(on))


def _option_choices(on: dt.date) -> dict[str, list]:
    income = _table("income", on)
    job_names = income.extra.get("job_classes", {}) if income else {}
    return {
        "plan": [("", "入らない")] + [(p, f"{p}プラン") for p in _values("life", "plan", on)],
        "job_class": [("", "選んでください")]
        + [(str(j), f"{j}級：{job_names.get(str(j), '')}") for j in _values("income", "job_class", on)],
        "benefit": [("", "入らない")]
        + [(str(b), f"月額 {b // 10000}万円") for b in _values("income", "benefit", on)],
        "daily": [("", "入らない")] + [(str(d), premiums.yen(d)) for d in _values("rosai", "daily", on)],
        "freelance_daily": [("", "入らない")]
        + [(str(d), premiums.yen(d)) for d in _values("rosai_freelance", "daily", on)],
        "medical_daily": [(str(d), premiums.yen(d)) for d in _values("medical", "daily", on)],
        "payment": [("", "入らない"), *list(premiums.PAYMENTS.items())],
    }


class OptionsMixin(forms.Form):
    """The product choices the simulator and the wizard share."""

    life_plan = forms.ChoiceField(label="団体生命共済（オプション1）", required=False)
    medical_payment = forms.ChoiceField(label="総合医療共済（オプション2）の払込方法", required=False)
    medical_daily = forms.TypedChoiceField(
        label="総合医療共済の入院日額", coerce=int, required=False, empty_value=None
    )
    liability = forms.BooleanField(label="賠償補償制度（オプション3）に入る", required=False)
    income_benefit = forms.TypedChoiceField(
        label="所得補償制度（オプション4）の保険金額", coerce=int, required=False, empty_value=None
    )
    income_job_class = forms.TypedChoiceField(
        label="職種級別",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="1級：事務・営業・管理職など／2級：軽作業を伴う職種など／3級：軽作業を超える作業を伴う職種",
    )
    rosai_daily = forms.TypedChoiceField(
        label="労災保険特別加入（建設の一人親方）の給付基礎日額",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="建設業の一人親方の方向けです。",
    )
    rosai_freelance_daily = forms.TypedChoiceField(
        label="労災保険特別加入（特定フリーランス）の給付基礎日額",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="企業などから業務委託を受けて働くフリーランスの方向けです（年額。団体の会費は別）。",
    )

    def set_option_choices(self, on: dt.date) -> None:
        c = option_choices(on)
        self.fields["life_plan"].choices = c["plan"]
        self.fields["medical_payment"].choices = c["payment"]
        self.fields["medical_daily"].choices = c["medical_daily"]
        self.fields["income_benefit"].choices = c["benefit"]
        self.fields["income_job_class"].choices = c["job_class"]
        self.fields["rosai_daily"].choices = c["daily"]
        self.fields["rosai_freelance_daily"].choices = c["freelance_daily"]
        self.fields["medical_payment"].help_text = medical_published_note(on)

    def clean(self):
        data = super().clean()
        if data.get("income_benefit") and not data.get("income_job_class"):
            self.add_error("income_job_class", "所得補償に入るときは、職種級別を選んでください。")
        if data.get("rosai_daily") and data.get("rosai_freelance_daily"):
            self.add_error(
                "rosai_freelance_daily",
                "労災保険の特別加入は、建設の一人親方か特定フリーランスのどちらか一つです。"
                "お仕事に合うほうを選んでください。",
            )
        return data

    def selection(self, *, club: bool) -> dict[str, dict]:
        d = self.cleaned_data
        chosen: dict[str, dict] = {"club": {}} if club else {}
        if d.get("life_plan"):
            chosen["life"] = {"plan": d["life_plan"]}
        if d.get("medical_payment"):
            chosen["medical"] = {"payment": d["medical_payment"], "daily": d.get("medical_daily")}
        if d.get("liability"):
            chosen["liability"] = {}
        if d.get("income_benefit"):
            chosen["income"] = {"benefit": d["income_benefit"], "job_class": d.get("income_job_class")}
        if d.get("rosai_daily"):
            chosen["rosai"] = {"daily": d["rosai_daily"]}
        if d.get("rosai_freelance_daily"):
            chosen["rosai_freelance"] = {"daily": d["rosai_freelance_daily"]}
        return chosen


def medical_published_rates(on: dt.date) -> list:
    table = _table("medical", on)
    return list(table.rates.all()) if table else []


def medical_published_note(on: dt.date) -> str:
    """Said before the person chooses: which 総合医療共済 premiums the source publishes."""
    return remember("kyosai-medical-note", (on,), lambda: _medical_published_note(on))


def _medical_published_note(on: dt.date) -> str:
    examples = {
        f"{r.age_min}歳・{r.get_sex_display()}・入院日額{premiums.yen(r.daily)}"
        for r in medical_published_rates(on)
        if r.age_min is not None
    }
    if not examples:
        return "掛金は個別にお見積りします（見積依頼）。"
    return (
        f"資料に公表されている掛金は「{'、'.join(sorted(examples))}」の例だけです。"
        "ほかの年齢・性別の方の掛金は、担当者が個別にお見積りします（見積依頼）。"
    )


def medical_published_for(*, age: int | None, sex: str, on: dt.date) -> bool:
    return any(
        r.covers_age(age) and r.sex in ("", sex) for r in (x.as_pure() for x in medical_published_rates(on))
    )


FIELD_FOR = {
    "life": "life_plan",
    "medical": "medical_payment",
    "income": "income_benefit",
    "rosai": "rosai_daily",
    "rosai_freelance": "rosai_freelance_daily",
    "liability": "liability",
    "club": None,
}


def initial_from_selection(selection: dict[str, dict]) -> dict:
    initial = {}
    for product, choice in selection.items():
        if product == "life":
            initial["life_plan"] = choice.get("plan")
        elif product == "medical":
            initial["medical_payment"] = choice.get("payment")
            initial["medical_daily"] = choice.get("daily")
        elif product == "liability":
            initial["liability"] = True
        elif product == "income":
            initial["income_benefit"] = choice.get("benefit")
            initial["income_job_class"] = choice.get("job_class")
        elif product == "rosai":
            initial["rosai_daily"] = choice.get("daily")
        elif product == "rosai_freelance":
            initial["rosai_freelance_daily"] = choice.get("daily")
    return initial


class SimulatorForm(OptionsMixin):
    birth_date = forms.DateField(
        label="生年月日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="年齢は、保障が始まる日の満年齢で計算します。",
    )
    age = forms.IntegerField(label="または年齢", required=False, min_value=0, max_value=120)
    sex = forms.ChoiceField(label="性別", choices=SEX_CHOICES, required=False)

    def __init__(self, *args, start: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.start = start
        self.set_option_choices(start)

    def clean_birth_date(self):
        birth = self.cleaned_data.get("birth_date")
        if birth and birth > timezone.localdate():
            raise forms.ValidationError("生年月日が未来の日付になっています。もう一度ご確認ください。")
        return birth

    def clean(self):
        data = super().clean()
        if data.get("birth_date"):
            data["age"] = premiums.age_on(data["birth_date"], self.start)
        return data


class OptionsForm(OptionsMixin):
    """Wizard step 2. Checks eligibility against the applicant's age when known."""

    # The fields that belong to each product, so a product the member already
    # has is not offered again.
    PRODUCT_FIELDS = {
        "life": ("life_plan",),
        "medical": ("medical_payment", "medical_daily"),
        "liability": ("liability",),
        "income": ("income_benefit", "income_job_class"),
        "rosai": ("rosai_daily",),
        "rosai_freelance": ("rosai_freelance_daily",),
    }

    def __init__(self, *args, start: dt.date, age: int | None, sex: str, user, held=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.start, self.age, self.sex, self.user = start, age, sex, user
        self.set_option_choices(start)
        self.held = list(held)
        for enrolment in self.held:
            for name in self.PRODUCT_FIELDS.get(enrolment.product, ()):
                del self.fields[name]
        if "medical_payment" in self.fields and age is not None and sex:
            if not medical_published_for(age=age, sex=sex, on=start):
                self.fields["medical_payment"].help_text = (
                    f"{age}歳・{premiums.SEXES.get(sex, '')}の方の掛金は公表されていないため、"
                    "先に見積依頼をお願いします。回答をお受け取りになってから、ここで選べます。"
                )

    def clean(self):
        data = super().clean()
        if self.errors or self.age is None:
            return data  # the age is checked again on the review step
        for product, choice in self.selection(club=False).items():
            line = services.price_choice(product, choice, age=self.age, sex=self.sex, on=self.start)
            if line.needs_quote and services.answered_quote(
                user=self.user, product=product, age=self.age, sex=self.sex, choice=choice
            ):
                continue
            if line.needs_quote:
                self.add_error(
                    FIELD_FOR[product],
                    line.error + "見積りの回答をお受け取りになってから、お申し込みください。",
                )
            elif line.error:
                self.add_error(FIELD_FOR[product], line.error)
        return data


class ClubForm(forms.Form):
    join = forms.BooleanField(
        label="Wor-Qライフサポートクラブに入会する",
        required=True,
        error_messages={
            "required": "オプションに入るには、まずクラブへの入会が必要です。チェックを入れてください。"
        },
    )


class DetailsForm(forms.Form):
    full_name = forms.CharField(label="氏名", max_length=60)
    birth_date = forms.DateField(label="生年月日", widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label="性別", choices=SEX_CHOICES)
    beneficiary = forms.CharField(
        label="死亡共済金の受取人",
        max_length=200,
        required=False,
        help_text="お名前と続柄を書いてください（例：山田 花子（配偶者））。",
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        products = application.product_codes()
        self.needs_beneficiary = ProductCode.LIFE in products
        if not self.needs_beneficiary:
            del self.fields["beneficiary"]
        else:
            self.fields["beneficiary"].required = True
        self.eligibility = eligibility.QUESTIONS if ProductCode.ROSAI_FREELANCE in products else ()
        for q in self.eligibility:
            self.fields[f"q{q.code}"] = forms.ChoiceField(
                label=f"{q.text}（労災保険特別加入・特定フリーランス）",
                choices=[("yes", "はい"), ("no", "いいえ")],
                widget=forms.RadioSelect,
                help_text=q.hint,
                error_messages={"required": "「はい」か「いいえ」を選んでください。"},
            )
        self.questions = list(HealthQuestion.objects.filter(product__in=products, is_active=True))
        for q in self.questions:
            label = f"{q.text}（{q.get_product_display()}）"
            self.fields[f"q{q.pk}"] = forms.ChoiceField(
                label=label,
                choices=[("no", "いいえ"), ("yes", "はい")],
                widget=forms.RadioSelect,
                help_text="これは見本の質問です。実際の告知事項ではありません。" if q.is_sample else "",
                error_messages={"required": "「はい」か「いいえ」を選んでください。"},
            )

    def clean_birth_date(self):
        birth = self.cleaned_data["birth_date"]
        if birth > timezone.localdate():
            raise forms.ValidationError("生年月日が未来の日付になっています。もう一度ご確認ください。")
        return birth

    def clean(self):
        data = super().clean()
        given = {q.code: data.get(f"q{q.code}") for q in self.eligibility}
        for code, refusal in eligibility.refusals(given).items():
            self.add_error(f"q{code}", refusal)
        return data

    def answers(self) -> list[dict]:
        return [eligibility.answer(q, self.cleaned_data[f"q{q.code}"]) for q in self.eligibility] + [
            {
                "id": q.pk,
                "question": q.text,
                "product": q.product,
                "is_sample": q.is_sample,
                "answer": self.cleaned_data[f"q{q.pk}"],
            }
            for q in self.questions
        ]


def sniff(upload) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return next((kind for magic, kind in MAGIC if head.startswith(magic)), None)


class UploadField(forms.FileField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"ファイルが大きすぎます（{upload.size / 1024 / 1024:.1f}MB）。"
                f"{UPLOAD_MAX_BYTES // 1024 // 1024}MB以下にしてください。"
            )
        kind = sniff(upload)
        if kind is None:
            raise forms.ValidationError(
                "PDF・JPEG・PNGのファイルだけを受け付けます。ファイルの中身がこれらの形式ではありません。"
            )
        upload.sniffed_type = kind
        return upload


class DocumentsForm(forms.Form):
    identity = UploadField(
        label=Document.Kind.IDENTITY.label,
        required=False,
        help_text="運転免許証・マイナンバーカード（表面のみ）など。PDF・JPEG・PNG、5MBまで。",
    )
    work_proof = UploadField(
        label=Document.Kind.WORK_PROOF.label,
        required=False,
        help_text="業務委託契約書、発注書、開業届の控えなど。PDF・JPEG・PNG、5MBまで。",
    )

    def __init__(self, *args, have: set[str], freelance: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if freelance:
            self.fields["work_proof"].label = "事業者から業務委託を受けていることがわかる書類"
            self.fields[
                "work_proof"
            ].help_text = "業務委託契約書、発注書、発注のメールや画面の写しなど。PDF・JPEG・PNG、5MBまで。"
        for name in self.fields:
            if name not in have:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = "ファイルを選んでください。"


class SubmitForm(forms.Form):
    application = forms.IntegerField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label="重要事項を読み、内容に同意します",
        required=True,
        error_messages={"required": "重要事項を読み、同意のチェックを入れてください。"},
    )


class QuoteRequestForm(forms.Form):
    age = forms.IntegerField(label="年齢（保障開始日の満年齢）", min_value=15, max_value=120)
    sex = forms.ChoiceField(label="性別", choices=SEX_CHOICES)
    payment = forms.ChoiceField(label="払込方法", choices=list(premiums.PAYMENTS.items()))
    daily = forms.TypedChoiceField(label="入院日額", coerce=int)
    message = forms.CharField(
        label="ご質問・ご要望（任意）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, on: dt.date, known: tuple[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["daily"].choices = option_choices(on)["medical_daily"]
        # Age and sex the member already gave are not asked again.
        self.known = known
        if known:
            del self.fields["age"], self.fields["sex"]

    def clean(self):
        data = super().clean()
        if self.known:
            data["age"], data["sex"] = self.known
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不承認の理由（申込者にメールで伝わります）",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "不承認の理由を入力してください。申込者にメールで伝わります。"},
    )


# --- 共済金・保険金の請求 ------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleUploadField(UploadField):
    """Several files at once, each checked as an enrolment upload is (size, real type)."""

    def __init__(self, *args, attrs: dict | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf", **(attrs or {})})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleUploadField, self).clean(f, initial) for f in files if f]


class ClaimKindForm(forms.Form):
    kind = forms.ChoiceField(
        label="何がありましたか",
        widget=forms.RadioSelect,
        error_messages={"required": "あてはまるものを一つ選んでください。"},
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils.html import format_html

        self.fields["kind"].choices = [
            (
                k.code,
                format_html('{}<br><span class="small">{}</span>', k.label, k.hint) if k.hint else k.label,
            )
            for k in kinds
        ]


class ClaimDetailsForm(forms.Form):
    """The fields every claim has, plus those its kind needs."""

    event_date = forms.DateField(
        label="できごとの日",
        help_text="入院した日、手術の日、事故や災害の日、働けなくなった日など。",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "日付を入力してください。", "invalid": "日付を正しく入力してください。"},
    )
    hospital_days = forms.IntegerField(
        label="入院した日数",
        help_text="入院した日と退院した日を含めて数えます。日帰り入院は1日です。",
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    outpatient_days = forms.IntegerField(
        label="通院した日数",
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    work_off_from = forms.DateField(
        label="働けなかった最初の日", widget=forms.DateInput(attrs={"type": "date"})
    )
    work_off_to = forms.DateField(
        label="働けなかった最後の日",
        help_text="まだ働けないときは、今日の日付を入れてください。あとから担当者と調整できます。",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    subtype = forms.ChoiceField(label="あてはまるもの", widget=forms.RadioSelect)
    description = forms.CharField(
        label="どのようなことがあったか（任意）",
        help_text="病名やけがの様子、事故の状況など、わかる範囲で。",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    MESSAGES = {
        "required": "入力してください。",
        "invalid": "正しく入力してください。",
        "min_value": "1以上の数を入力してください。",
        "max_value": "数が大きすぎます。",
        "invalid_choice": "選び直してください。",
    }

    def __init__(self, *args, kind, subtypes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("hospital_days", "outpatient_days", "work_off_from", "work_off_to", "subtype"):
            if name not in kind.fields:
                del self.fields[name]
        for name, field in self.fields.items():
            if name != "event_date":
                field.error_messages = {**field.error_messages, **self.MESSAGES}
        if "subtype" in self.fields:
            self.fields["subtype"].choices = [(s, s) for s in subtypes]
        if kind.code == "liability_accident":
            self.fields["description"].required = True
            self.fields["description"].label = "事故の状況"
            self.fields[
                "description"
            ].help_text = (
                "いつ・どこで・何をしていて・どなたの何に損害を与えたか。相手の方のお名前と連絡先もわかれば。"
            )


class ClaimDocumentsForm(forms.Form):
    requirement = forms.TypedChoiceField(
        label="どの書類ですか", coerce=int, empty_value=None, required=False, widget=forms.RadioSelect
    )
    files = MultipleUploadField(
        label="ファイルを選ぶ",
        help_text="写真（JPEG・PNG）かPDF、1つ5MBまで。いくつでも選べます。",
    )
    camera = MultipleUploadField(
        label="カメラで撮る",
        help_text="スマートフォンでは、その場で書類を撮影できます。",
        attrs={"accept": "image/*", "capture": "environment"},
    )

    def __init__(self, *args, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(r.pk, r.name) for r in requirements] + [("", "その他の書類")]
        self.fields["requirement"].choices = choices
        self.requirements = {r.pk: r for r in requirements}

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("files") or data.get("camera")):
            self.add_error("files", "ファイルを選ぶか、カメラで撮ってください。")
        return data

    def uploads(self) -> list:
        return [*self.cleaned_data.get("files", []), *self.cleaned_data.get("camera", [])]

    def chosen_requirement(self):
        return self.requirements.get(self.cleaned_data.get("requirement"))


class ClaimSubmitForm(forms.Form):
    claim = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="入力した内容と書類に間違いがないことを確認しました",
        error_messages={"required": "内容を確かめて、チェックを入れてください。"},
    )


RELATIONSHIPS = ["配偶者", "子", "父母", "兄弟姉妹", "その他の親族"]


class FamilyClaimForm(forms.Form):
    policy_number = forms.CharField(
        label="加入者の証券番号",
        help_text="加入証明書に書かれている番号です（例：WQK-2026-000123）。",
        max_length=30,
        error_messages={"required": "証券番号を入力してください。"},
    )
    holder_name = forms.CharField(
        label="加入者のお名前",
        help_text="証券に書かれたとおりに入力してください。",
        max_length=60,
        error_messages={"required": "加入者のお名前を入力してください。"},
    )
    family_reason = forms.ChoiceField(
        label="ご家族が請求する理由",
        choices=[("deceased", "加入者が亡くなった"), ("unable", "加入者がご自身で手続きできない")],
        widget=forms.RadioSelect,
        error_messages={"required": "理由を選んでください。"},
    )
    claimant_name = forms.CharField(
        label="あなたのお名前", max_length=60, error_messages={"required": "お名前を入力してください。"}
    )
    relationship = forms.ChoiceField(
        label="加入者との続柄",
        choices=[("", "選んでください"), *((r, r) for r in RELATIONSHIPS)],
        error_messages={"required": "続柄を選んでください。"},
    )
    phone = forms.RegexField(
        label="日中に連絡がつく電話番号",
        help_text="続柄の確認のため、担当者からお電話することがあります。数字とハイフンで。",
        regex=r"^[0-9０-９\-－]{10,15}$",
        max_length=20,
        error_messages={
            "required": "電話番号を入力してください。",
            "invalid": "電話番号を数字とハイフンで入力してください。",
        },
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class ClaimReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由・お願いする書類（請求した方にメールで伝わります）",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClaimAmountForm(forms.Form):
    amount = forms.IntegerField(label="お支払い額（円）", min_value=0)
    payment_date = forms.DateField(label="お支払い予定日", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="目安と違う額にする理由・金額の根拠",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
