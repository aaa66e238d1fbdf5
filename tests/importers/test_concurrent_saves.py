"""``save_sheet`` while other requests write their sheets: the form's path has no import lock.

Found by the load test (``make loadtest``): members sending sheets at the same moment created the same new
partner, chose the same free slug, or sent one sheet twice (a double click), and the second write died on a
unique constraint (HTTP 500). The loader now tries again when a retry can succeed (it then finds the other
request's rows) and names the other action when the title itself is taken.
"""

import threading

import pytest
from django.db import connection

from actions_catalog.core import slugs
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action, Partner
from actions_catalog.core.writer import SheetLoader, TitleTaken
from tests.factories import make_sheet

DRAFT = PublicationState.DRAFT


@pytest.mark.django_db
def test_a_partner_created_since_the_loader_read_its_labels_is_reused():
    loader = SheetLoader()
    loader.save_sheet(make_sheet(title="Atelier cuisine", partners=["ANCV"]), action=None, state=DRAFT)
    # Another request creates a partner this loader has not seen (its identity map was read above).
    SheetLoader().save_sheet(make_sheet(title="Repair café", partners=["Mairie de Lyon"]), action=None, state=DRAFT)

    sheet = make_sheet(title="Jardin partagé", partners=["Mairie de Lyon"])
    action = loader.save_sheet(sheet, action=None, state=DRAFT)

    partner = Partner.objects.get(normalized_label="mairie de lyon")
    assert list(action.partners.all()) == [partner]
    assert Partner.objects.filter(label="Mairie de Lyon").count() == 1


@pytest.mark.django_db
def test_a_title_taken_since_the_form_was_checked_names_the_other_action():
    first = SheetLoader().save_sheet(make_sheet(title="Jardin partagé"), action=None, state=DRAFT)

    with pytest.raises(TitleTaken) as raised:
        SheetLoader().save_sheet(make_sheet(title="JARDIN  partagé", summary="Autre texte."), action=None, state=DRAFT)

    assert raised.value.action == first
    assert Action.objects.count() == 1
    first.refresh_from_db()
    assert first.summary == "Une semaine à la mer pour douze familles."


@pytest.mark.django_db
def test_an_edit_to_the_title_of_another_action_of_the_centre_is_refused_as_taken():
    first = SheetLoader().save_sheet(make_sheet(title="Jardin partagé"), action=None, state=DRAFT)
    second = SheetLoader().save_sheet(make_sheet(title="Atelier vélo"), action=None, state=DRAFT)

    with pytest.raises(TitleTaken) as raised:
        SheetLoader().save_sheet(make_sheet(title="Jardin partagé"), action=second, state=DRAFT)

    assert raised.value.action == first
    assert sorted(Action.objects.values_list("title", flat=True)) == ["Atelier vélo", "Jardin partagé"]


def run_together(*jobs):
    """Run each job in its own thread (and database connection); return their results or exceptions."""
    results = [None] * len(jobs)

    def run(index, job):
        try:
            results[index] = job()
        except Exception as error:  # reported by the test's assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_centres_saving_the_same_title_at_once_get_two_slugs(reference_data, monkeypatch):
    both_chose = threading.Barrier(2, timeout=30)
    waited = threading.local()
    choose = slugs.unique_slugs

    def choose_then_wait(model, texts, **kwargs):
        chosen = choose(model, texts, **kwargs)
        if model is Action and not getattr(waited, "done", False):
            waited.done = True
            both_chose.wait()  # both requests picked the same free slug before either writes it
        return chosen

    monkeypatch.setattr(slugs, "unique_slugs", choose_then_wait)

    def save(centre):
        sheet = make_sheet(title="Jardin partagé", centre_name=centre, partners=[], keywords=[])
        return SheetLoader().save_sheet(sheet, action=None, state=DRAFT)

    results = run_together(lambda: save("Centre social des Tilleuls"), lambda: save("Centre social du Lac"))

    assert all(isinstance(result, Action) for result in results), results
    assert sorted(Action.objects.values_list("slug", flat=True)) == ["jardin-partage", "jardin-partage-2"]
