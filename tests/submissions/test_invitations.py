"""Invitations of colleagues: a member invites an address to their centre; the colleague gets a link to choose a
password; the membership gives no right until an admin approves it in the admin."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from actions_catalog.core import invitations, merging, permissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.rate_limits import RateLimitHit
from centres.models import InvitationState, Membership, MembershipInvitation
from tests.factories import CentreFactory, UserFactory, make_action
from tests.submissions.conftest import CREATE_URL, edit_url

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:centres_membershipinvitation_changelist")


def invite_url(centre):
    return reverse("espace:centre_invite", kwargs={"slug": centre.slug})


@pytest.fixture
def approver(django_user_model):
    """An admin who may add members to centres (and so approve invitations), not a superuser."""
    user = UserFactory(username="admin-federation", email="admin@federation.example")
    user.is_staff = True
    user.save()
    for codename in ("add_membership", "view_membershipinvitation"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def invite(member_client, centre, django_capture_on_commit_callbacks):
    def send(email, client=member_client):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(invite_url(centre), {"email": email})

    return send


def link_in(body: str) -> str:
    return re.search(r"https://catalogue\.example(/comptes/nouveau-mot-de-passe/\S+/)", body)[1]


def test_a_member_invites_a_new_colleague_who_gets_a_link_and_no_rights_yet(
    invite, centre, member, approver, mailoutbox, django_user_model
):
    draft = make_action("Fête de quartier", centre, state=PublicationState.DRAFT)
    response = invite("Sacha.Martin@Example.org")
    assert response.status_code == 302 and response["Location"] == invite_url(centre)

    invitation = MembershipInvitation.objects.get()
    colleague = invitation.user
    assert (invitation.centre, invitation.email, invitation.invited_by) == (centre, "Sacha.Martin@example.org", member)
    assert invitation.state == InvitationState.PENDING
    assert colleague.username == "Sacha.Martin@example.org" and not colleague.has_usable_password()
    # one e-mail to the colleague (not the admin's account invitation as well), one to the admin who approves
    assert sorted(message.to[0] for message in mailoutbox) == ["Sacha.Martin@example.org", "admin@federation.example"]
    to_colleague = next(message for message in mailoutbox if message.to == ["Sacha.Martin@example.org"])
    assert (
        to_colleague.subject == f"Invitation à rejoindre « {centre} » sur le catalogue des actions des centres sociaux"
    )
    assert "Votre identifiant : Sacha.Martin@example.org" in to_colleague.body
    assert "prend effet quand la fédération l'a validé" in to_colleague.body
    to_admin = next(message for message in mailoutbox if message.to == ["admin@federation.example"])
    assert f"https://catalogue.example{CHANGELIST}?state__exact=pending" in to_admin.body

    # the colleague chooses a password and logs in: a pending membership gives no right
    client = Client()
    form_url = client.get(link_in(to_colleague.body))["Location"]
    client.post(form_url, {"new_password1": "Jardin-2024-partage", "new_password2": "Jardin-2024-partage"})
    login = client.post(reverse("login"), {"username": "Sacha.Martin@example.org", "password": "Jardin-2024-partage"})
    assert login.status_code == 302
    assert not permissions.member_centres(colleague).exists()
    dashboard = client.get(reverse("espace:dashboard")).content.decode()
    assert f"Votre rattachement à « {centre} » attend la validation de la fédération" in dashboard.replace(
        "&#x27;", "'"
    )
    assert client.get(CREATE_URL).status_code == 403
    assert client.get(edit_url(draft)).status_code == 404
    assert client.get(invite_url(centre)).status_code == 403


def test_an_admin_approves_in_the_admin_and_the_colleague_becomes_a_member(
    invite, centre, approver, mailoutbox, django_capture_on_commit_callbacks
):
    draft = make_action("Fête de quartier", centre, state=PublicationState.DRAFT)
    invite("sacha@example.org")
    invitation = MembershipInvitation.objects.get()
    admin = Client()
    admin.force_login(approver)
    page = admin.get(CHANGELIST).content.decode()
    assert "sacha@example.org" in page and "Valider le rattachement des invitations sélectionnées" in page
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [invitation.pk]})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.APPROVED and invitation.decided_by == approver
    assert Membership.objects.filter(user=invitation.user, centre=centre).exists()
    assert [message.to for message in mailoutbox] == [["sacha@example.org"]]
    assert mailoutbox[0].subject == f"Vous êtes membre de « {centre} »"
    colleague = Client()
    colleague.force_login(invitation.user)
    assert colleague.get(edit_url(draft)).status_code == 200
    # decided once: approving again changes nothing
    admin.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [invitation.pk]})
    assert Membership.objects.filter(user=invitation.user).count() == 1
    with pytest.raises(invitations.InvitationError):
        invitations.refuse(invitation, by=approver)


def test_a_refused_invitation_gives_nothing_and_tells_the_member(
    invite, centre, member, approver, mailoutbox, django_capture_on_commit_callbacks
):
    invite("sacha@example.org")
    invitation = MembershipInvitation.objects.get()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitations.refuse(invitation, by=approver)
    assert not Membership.objects.filter(user=invitation.user).exists()
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert "n'a pas été validé" in mailoutbox[0].subject
    assert invite("sacha@example.org").status_code == 302  # may be invited again
    assert MembershipInvitation.objects.pending().count() == 1


def test_an_existing_account_is_told_to_log_in_not_given_a_password_link(invite, centre, mailoutbox):
    existing = UserFactory(username="dominique", email="dominique@example.org")
    assert invite("DOMINIQUE@example.org").status_code == 302
    invitation = MembershipInvitation.objects.get()
    assert invitation.user == existing
    body = next(message.body for message in mailoutbox if message.to == ["dominique@example.org"])  # its own address
    assert "Vous avez déjà un compte" in body and "https://catalogue.example/comptes/connexion/" in body
    assert "nouveau-mot-de-passe" not in body
    assert existing.has_usable_password()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("pas-une-adresse", "Saisissez une adresse e-mail valide"),
        ("", "Indiquez l&#x27;adresse e-mail de votre collègue."),
        ("camille@example.org", "est déjà membre de"),  # the member themself
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_sent(invite, member, email, message, mailoutbox):
    response = invite(email)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MembershipInvitation.objects.exists()
    assert mailoutbox == []
    assert not RateLimitHit.objects.exists()  # bad input uses none of the member's invitations


def test_an_existing_member_and_an_address_already_invited_are_refused(invite, centre, mailoutbox):
    UserFactory(username="alex", email="alex@example.org", centres=[centre])
    response = invite("Alex@Example.org")
    assert response.status_code == 400
    assert f"Alex@example.org est déjà membre de « {centre} »" in response.content.decode().replace("&#x27;", "'")
    assert invite("sacha@example.org").status_code == 302
    mailoutbox.clear()
    again = invite("SACHA@example.org")
    assert again.status_code == 400
    assert "est déjà invité(e) : son rattachement attend la validation" in again.content.decode()
    assert MembershipInvitation.objects.count() == 1
    assert mailoutbox == []


def test_the_database_holds_one_pending_invitation_per_address_and_centre(centre, member):
    user = UserFactory(username="sacha", email="sacha@example.org")
    MembershipInvitation.objects.create(centre=centre, email="sacha@example.org", user=user, invited_by=member)
    with pytest.raises(IntegrityError):
        MembershipInvitation.objects.create(centre=centre, email="Sacha@Example.org", user=user, invited_by=member)


def test_only_members_of_the_centre_invite_to_it(client, centre, other_centre, outsider, member):
    assert client.get(invite_url(centre)).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(invite_url(centre)).status_code == 403
    assert client.post(invite_url(centre), {"email": "sacha@example.org"}).status_code == 403
    assert client.get(reverse("espace:centre_invite", kwargs={"slug": "nexiste-pas"})).status_code == 404
    with pytest.raises(PermissionDenied):
        invitations.invite(inviter=outsider, centre=centre, email="sacha@example.org")
    assert not MembershipInvitation.objects.exists()


def test_invitations_are_limited_per_member_and_day(invite, settings):
    settings.INVITATIONS_PER_DAY = 2
    assert [invite(f"collegue{n}@example.org").status_code for n in range(3)] == [302, 302, 429]
    refused = invite("collegue9@example.org")
    assert "Vous avez déjà invité 2 collègues aujourd&#x27;hui" in refused.content.decode()
    assert MembershipInvitation.objects.count() == 2


def test_only_admins_who_add_members_decide(invite, centre, member, django_user_model):
    invite("sacha@example.org")
    invitation = MembershipInvitation.objects.get()
    staff = UserFactory(username="staff")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="view_membershipinvitation"))
    client = Client()
    client.force_login(staff)
    assert "approve_selected" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [invitation.pk]})
    for who in (staff, member):
        with pytest.raises(PermissionDenied):
            invitations.approve(invitation, by=who)
    assert MembershipInvitation.objects.get().state == InvitationState.PENDING
    assert not Membership.objects.filter(user=invitation.user).exists()


def test_the_dashboard_links_each_centre_to_its_invitation_page(member_client, centre):
    page = member_client.get(reverse("espace:dashboard")).content.decode()
    assert f'href="{invite_url(centre)}"' in page


def test_merging_centres_moves_their_invitations_once_per_address(centre, member):
    twin = CentreFactory(name="Centre social Reynerie", departement_id="31")
    sacha = UserFactory(username="sacha", email="sacha@example.org")
    alex = UserFactory(username="alex", email="alex@example.org")
    MembershipInvitation.objects.create(centre=centre, email="sacha@example.org", user=sacha, invited_by=member)
    MembershipInvitation.objects.create(centre=twin, email="SACHA@example.org", user=sacha, invited_by=member)
    MembershipInvitation.objects.create(centre=twin, email="alex@example.org", user=alex, invited_by=member)
    merging.merge(centre, [twin])
    assert sorted(centre.invitations.values_list("email", flat=True)) == ["alex@example.org", "sacha@example.org"]
