"""The centre's side of the messages with the federation about a sheet it sent (``/espace/actions/<slug>/echanges/``).

Members of the action's centre read the whole conversation and answer while the sheet (or its change) waits for a
decision or was refused; anyone else gets a 404, as for the sheet's form. Moderators answer from the review page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from actions_catalog.core import comments, permissions
from actions_catalog.members.review_forms import CommentForm

LABEL = "Votre message à la fédération"


@login_required
def action_comments(request, slug):
    action = get_object_or_404(permissions.member_actions(request.user).select_related("centre"), slug=slug)
    form = CommentForm(request.POST or None, label=LABEL)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                comments.add_comment(action, request.user, form.cleaned_data["text"], from_moderation=False)
            except comments.CommentError as error:
                form.add_error("text", str(error))
            else:
                messages.success(request, "Votre message est envoyé à la fédération.")
                return redirect(reverse("espace:action_comments", kwargs={"slug": action.slug}) + "#nouveau-message")
        status = 400
    return render(
        request,
        "espace/comments.html",
        {"action": action, "conversation": comments.conversation(action), "form": form},
        status=status,
    )
