import django_filters
from django import forms

from consultations.models import CaseSearchDocument
from worq.lib.vocab import ConsultationCategory, Occupation


class CaseFilter(django_filters.FilterSet):
    """The search page's filters. Without words it filters the index directly;
    with words, ``consultations.listing`` applies the same cleaned values to
    the ranked hits. Choice labels get their counts from the listing."""

    q = django_filters.CharFilter(
        label="キーワード",
        method="filter_nothing",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "maxlength": 200,
                "autocomplete": "off",
                "placeholder": "例：ギャラ 未払い、契約 打ち切り",
            }
        ),
    )
    category = django_filters.ChoiceFilter(
        label="相談カテゴリ", choices=ConsultationCategory.choices, empty_label="すべて"
    )
    occupation = django_filters.ChoiceFilter(
        label="職種", choices=Occupation.choices, empty_label="すべて", method="filter_occupation"
    )
    sort = django_filters.ChoiceFilter(
        label="並び順",
        choices=[("relevance", "関連度順"), ("newest", "新しい順")],
        empty_label=None,
        method="filter_nothing",
    )

    class Meta:
        model = CaseSearchDocument
        fields = ["q", "category", "occupation", "sort"]

    def filter_occupation(self, queryset, name, value):
        return queryset.filter(occupations__contains=f"|{value}|")

    def filter_nothing(self, queryset, name, value):
        return queryset
