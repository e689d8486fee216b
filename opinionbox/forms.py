from django import forms

from opinionbox.models import TEXT_MAX_LENGTH, Opinion


class OpinionForm(forms.ModelForm):
    class Meta:
        model = Opinion
        fields = ["text", "occupation", "work_style", "publication", "wants_result_email"]
        labels = {
            "text": "ご意見",
            "publication": "このご意見をサイトに載せてもよいですか",
            "wants_result_email": "結果がまとまったら、メールで知らせてほしい",
        }
        help_texts = {
            "text": f"{TEXT_MAX_LENGTH:,}文字まで。お名前や取引先の名前など、人や会社が特定できることは書かないでください。",
            "occupation": "集計に使います。答えたくなければ空欄のままで大丈夫です。",
            "work_style": "いちばん近いものを選んでください。集計に使います。",
            "publication": "載せるかどうかは運営が選びます。「公開しない」を選ぶと、運営だけが読みます。",
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
            "publication": forms.RadioSelect,
        }
        error_messages = {
            "text": {
                "required": "ご意見を書いてください。",
                "max_length": f"ご意見は{TEXT_MAX_LENGTH:,}文字以内でお願いします（いま%(show_value)d文字です）。",
            },
            "publication": {"required": "サイトに載せてよいかを選んでください。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [("", "答えない"), *list(self.fields["occupation"].choices)[1:]]
        self.fields["work_style"].choices = [("", "答えない"), *list(self.fields["work_style"].choices)[1:]]
        self.fields["publication"].choices = list(Opinion.Publication.choices)
        self.fields["text"].widget.attrs["maxlength"] = TEXT_MAX_LENGTH


class OpinionChoicesForm(forms.ModelForm):
    """What the author may change after sending."""

    class Meta:
        model = Opinion
        fields = ["publication", "wants_result_email"]
        labels = OpinionForm.Meta.labels
        help_texts = {"publication": "「公開しない」に変えると、掲載中のご意見もすぐにサイトから外れます。"}
        widgets = {"publication": forms.RadioSelect}
