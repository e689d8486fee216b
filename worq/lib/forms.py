from django.forms.renderers import TemplatesSetting


class WorqFormRenderer(TemplatesSetting):
    """Every form renders label, help, errors and input the same accessible way."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
