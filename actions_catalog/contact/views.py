"""``/actions/<slug>/contact/``: write to the centre of a published sheet, without seeing any address.

GET shows the form; POST validates it and calls ``core.contact.relay``. Each answer says what happened, in French:
sent (a redirect to the sheet with a message), invalid (400), the honeypot filled (400), a limit reached (429).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from actions_catalog.contact.forms import ContactForm
from actions_catalog.core import contact
from actions_catalog.core.models import Action

HONEYPOT_MESSAGE = (
    "Votre message n'est pas envoyé : le champ « Ne remplissez pas ce champ », invisible à l'écran, a été rempli "
    "(ce que font les robots qui envoient des messages indésirables). Si vous n'êtes pas un robot, videz-le et "
    "envoyez de nouveau."
)


def contact_centre(request, slug):
    action = get_object_or_404(Action.objects.published().select_related("centre__departement"), slug=slug)
    if request.method != "POST":
        return _render(request, action, ContactForm())
    form = ContactForm(request.POST)
    if form.caught_a_robot:
        form.add_error(None, HONEYPOT_MESSAGE)
        return _render(request, action, form, status=400)
    if not form.is_valid():
        return _render(request, action, form, status=400)
    message = contact.ContactMessage(**{name: form.cleaned_data[name] for name in ("name", "email", "message")})
    try:
        relayed = contact.relay(action, message)
    except contact.ContactRefused as refusal:
        form.add_error(None, str(refusal))
        return _render(request, action, form, status=429 if isinstance(refusal, contact.ContactLimitReached) else 503)
    if relayed.to_federation:
        text = (
            f"Votre message est envoyé. {action.centre.name} n'a pas encore de compte sur le catalogue : la "
            f"fédération le lui transmet. La réponse vous parviendra à {message.email}."
        )
    else:
        text = f"Votre message est envoyé à l'équipe de {action.centre.name}, qui vous répondra à {message.email}."
    messages.success(request, text)
    return redirect(action)


def _render(request, action, form, *, status=200):
    errors = [(None, message) for message in form.non_field_errors()]
    errors += [(form[name], message) for name in form.fields for message in form.errors.get(name, [])]
    context = {"action": action, "form": form, "errors": errors}
    return render(request, "contact/contact_centre.html", context, status=status)
