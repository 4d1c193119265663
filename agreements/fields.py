"""Form fields that choose municipalities.

A municipality's label names its state ("Acevedo (Miranda)"): a choice field that read
the states one by one made a query per choice, hundreds on a page that offers every
member municipality. These fields read the states with the choices, whatever queryset
a form gives them.
"""

from django import forms


class _ReadsTheirStates:
    def _set_queryset(self, queryset):
        super()._set_queryset(None if queryset is None else queryset.select_related("region"))

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)


class MunicipalityChoiceField(_ReadsTheirStates, forms.ModelChoiceField):
    pass


class MunicipalityMultipleChoiceField(_ReadsTheirStates, forms.ModelMultipleChoiceField):
    pass
