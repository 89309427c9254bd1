from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm


class LoginForm(DsfrBaseForm, AuthenticationForm):
    username = UsernameField(label=_("Identifiant"), widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect. Les majuscules comptent."),
        "inactive": _("Ce compte est désactivé."),
    }
