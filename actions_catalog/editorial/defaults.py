"""The French texts of the site's pages until an admin edits them (``SitePage``), in the format of ``markup.py``.

Facts only the federation knows (publisher, host, dates) are ``[À compléter : …]`` placeholders, shown marked.
The accessibility statement says what the test suite checks (tests/browser/test_accessibility.py, and
tests/browser/test_follows.py for the follows' pages): keep both in step.
"""

from actions_catalog.editorial.models import SitePage

Slug = SitePage.Slug

LEGAL_NOTICE = """\
## Éditeur
Le Catalogue des actions des centres sociaux est édité par [À compléter : nom de la fédération, forme juridique, adresse du siège, numéro RNA ou SIREN].

Directeur ou directrice de la publication : [À compléter : nom et fonction].

Contact : {courriel}.

## Hébergement
[À compléter : nom de l'hébergeur, adresse, téléphone].

## Contenus
Les fiches actions sont rédigées par les équipes des centres sociaux et publiées après validation par la fédération. Chaque centre reste responsable du contenu de ses fiches. Pour signaler une erreur ou demander une correction, écrivez-nous à {courriel}.

## Réutilisation
Les données du catalogue sont publiées sous la Licence Ouverte / Open Licence version 2.0 d'Etalab : voir la page [Données ouvertes](/donnees/).

Le fond de carte de la page d'accueil est « France, departments » de Victor Cazanave d'après MapSVG, sous licence [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/deed.fr).
"""

ACCESSIBILITY = """\
[À compléter : nom de la fédération] s'engage à rendre ce site accessible. Cette déclaration d'accessibilité s'applique au Catalogue des actions des centres sociaux ([À compléter : adresse du site]).

## État de conformité
Le Catalogue des actions des centres sociaux est partiellement conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1.2 : aucun audit n'a été réalisé, et seules des vérifications automatiques ont été faites.

## Résultats des tests
Aucun audit de conformité au RGAA n'a été réalisé. Cette déclaration repose uniquement sur des vérifications automatiques : à chaque modification du site, ses tests contrôlent avec l'outil axe-core, dans le navigateur Chromium, à 1280 et à 390 pixels de large, qu'aucune erreur n'est détectée, quel que soit son niveau de gravité, sur les pages suivantes :
- l'accueil ;
- la liste des actions, sans filtre, filtrée et sans résultat ;
- la fiche d'une action ;
- l'annuaire des centres et la page d'un centre ;
- la page « Page introuvable » ;
- la page de connexion de l'espace des centres ;
- les pages pour suivre une recherche : la demande, sa confirmation, l'arrêt du suivi, et les recherches suivies d'un membre ;
- les pages Mentions légales, Accessibilité, Données personnelles, Contact et Données ouvertes.

Les tests vérifient aussi qu'on peut, au clavier seul, filtrer la liste, ouvrir une action et revenir aux mêmes résultats, et qu'aucune de ces pages ne défile horizontalement sur un écran de 390 pixels de large.

Les outils automatiques ne détectent qu'une partie des défauts d'accessibilité : ces résultats ne valent pas conformité.

## Contenus non accessibles
- Les fiches sont rédigées par les centres sociaux : leurs textes n'ont pas été vérifiés (structure, langage clair, abréviations).
- Les fichiers joints aux fiches (PDF, images, documents) peuvent ne pas être accessibles.
- La carte de la page d'accueil est doublée d'un tableau des départements.
- L'espace des centres (proposition et modération des fiches) et l'administration n'ont pas été vérifiés.

## Établissement de cette déclaration
Cette déclaration a été établie le [À compléter : date].

Technologies utilisées : HTML, CSS, SVG ; JavaScript en complément (le site fonctionne sans).

Environnement des vérifications : navigateur Chromium, outil axe-core.

## Retour d'information et contact
Si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez-nous à {courriel} : nous vous indiquerons un autre moyen d'y accéder.

## Voies de recours
Si vous nous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un service et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez :
- écrire un message au [Défenseur des droits](https://formulaire.defenseurdesdroits.fr/) ;
- contacter [le délégué du Défenseur des droits dans votre région](https://www.defenseurdesdroits.fr/saisir/delegues) ;
- envoyer un courrier par la poste (gratuit, sans timbre) : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.
"""

PERSONAL_DATA = """\
## Responsable du traitement
[À compléter : nom et adresse de la fédération], joignable à {courriel}. [À compléter : coordonnées du délégué à la protection des données, s'il y en a un.]

## Visiteurs
Consulter le catalogue ne demande aucun compte. Le site ne dépose aucun cookie de mesure d'audience ni de publicité et ne fait appel à aucun service tiers : les pages, les feuilles de style et les scripts viennent tous de ce site.

Comme tout serveur web, le site enregistre dans des journaux techniques l'adresse IP et les pages demandées, pour sa sécurité et son bon fonctionnement. Durée de conservation : [À compléter].

## Équipes des centres
Les membres de l'espace des centres ont un compte : identifiant, adresse électronique, centre, mot de passe chiffré. Se connecter dépose un cookie de session et un cookie de protection des formulaires, nécessaires au service. Les tentatives de connexion (identifiant, adresse IP, date) sont enregistrées pour bloquer les essais répétés de mots de passe.

Base légale : [À compléter]. Durée de conservation des comptes : [À compléter].

## Recherches suivies
Toute personne peut suivre une recherche du catalogue en donnant son adresse électronique. Cette adresse sert uniquement à envoyer le lien de confirmation, puis les nouvelles actions de la recherche à la fréquence choisie (chaque jour ou chaque semaine) : elle n'est ni publiée, ni transmise, ni utilisée à d'autres fins. Sont enregistrés l'adresse, la recherche suivie, la fréquence et les dates de la demande, de la confirmation et du dernier envoi. Faire la demande dépose un cookie de protection des formulaires.

Une demande non confirmée est effacée au bout de 7 jours. Un suivi est effacé dès qu'il est arrêté, par le lien présent dans chaque e-mail (sans compte ni mot de passe) ou, pour les membres, depuis l'espace des centres. Pour éviter les envois abusifs, les demandes sont comptées pendant une heure par adresse et par connexion (adresse IP), sous la forme d'empreintes où elles ne figurent pas en clair, effacées au bout de deux jours.

Base légale : votre consentement, donné en confirmant le suivi et retiré à tout moment en l'arrêtant.

## Fiches actions
Les fiches décrivent les actions des centres et ne doivent contenir aucune donnée personnelle sur les habitants. Les noms des centres et de leurs partenaires sont publics.

## Vos droits
Vous pouvez accéder aux données qui vous concernent, les faire rectifier ou effacer, vous opposer à leur traitement ou en demander la limitation : écrivez-nous à {courriel}. Si vous estimez, après nous avoir contactés, que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la [CNIL](https://www.cnil.fr/fr/plaintes).
"""

CONTACT = """\
Pour une question sur le catalogue, pour signaler une erreur dans une fiche ou pour demander un compte pour l'équipe de votre centre, écrivez-nous à {courriel}.

Les équipes des centres qui ont un compte proposent et modifient leurs fiches depuis l'[espace des centres](/comptes/connexion/).
"""

OPEN_DATA = """\
Les actions publiées dans le catalogue sont des données ouvertes : vous pouvez les télécharger, les copier, les modifier et les réutiliser, y compris à des fins commerciales, sous la [Licence Ouverte / Open Licence version 2.0](https://www.etalab.gouv.fr/licence-ouverte-open-licence/) d'Etalab, en mentionnant leur source (« Catalogue des actions des centres sociaux ») et la date de leur dernière mise à jour.
"""

#: (title, body) of each page.
DEFAULTS = {
    Slug.LEGAL_NOTICE: ("Mentions légales", LEGAL_NOTICE),
    Slug.ACCESSIBILITY: ("Déclaration d'accessibilité", ACCESSIBILITY),
    Slug.PERSONAL_DATA: ("Données personnelles", PERSONAL_DATA),
    Slug.CONTACT: ("Contact", CONTACT),
    Slug.OPEN_DATA: ("Données ouvertes", OPEN_DATA),
}


def page(slug: str) -> SitePage:
    """The page ``slug`` as the admins last saved it, else its default (unsaved): one query."""
    found = SitePage.objects.filter(slug=slug).first()
    if found is not None:
        return found
    title, body = DEFAULTS[slug]
    return SitePage(slug=slug, title=title, body=body)
