from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from dsfr.forms import DsfrBaseForm

from fipe.french import duration


class LoginForm(DsfrBaseForm, AuthenticationForm):
    username = UsernameField(label=_("Identifiant"), widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect. Les majuscules comptent dans le mot de passe."),
        "inactive": _("Ce compte est désactivé."),
    }

    def clean_username(self):
        """The account's own spelling of the name typed: « CAF-11 » and « caf-11 » are one account.

        Spaces around the name are already trimmed by the field. Only a name matching exactly one
        account is respelled, so two accounts differing by case (created before this rule) stay apart.
        """
        typed = self.cleaned_data["username"]
        matches = list(get_user_model().objects.filter(username__iexact=typed).values_list("username", flat=True)[:2])
        return matches[0] if len(matches) == 1 else typed

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                warning = self._last_attempt_warning()
                if warning:
                    raise ValidationError([error, warning]) from None
            raise

    def _last_attempt_warning(self) -> str:
        """Said when one more failure would lock the account (django-axes counts the failures)."""
        if not getattr(settings, "AXES_ENABLED", True) or self.request is None:
            return ""
        from axes.handlers.proxy import AxesProxyHandler

        failures = AxesProxyHandler.get_failures(self.request, {"username": self.cleaned_data.get("username")})
        remaining = settings.AXES_FAILURE_LIMIT - failures
        if remaining != 1:
            return ""
        return ngettext(
            "Attention : encore %(count)d essai avant que la connexion à ce compte soit bloquée pendant %(duration)s.",
            "Attention : encore %(count)d essais avant que la connexion à ce compte soit bloquée pendant %(duration)s.",
            remaining,
        ) % {"count": remaining, "duration": duration(settings.AXES_COOLOFF_TIME)}
