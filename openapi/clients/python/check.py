"""CI: the Python client that openapi-python-client generates from openapi/openapi.json,
used the way an app team would use it.

    python check.py                  # the generated package imports, and parses what a later
                                     # version may send (unknown enum values, problem codes)
    python check.py http://HOST:PORT # also drives the core loop against a running server

Run from the folder the client was generated into (`werkmatch_client` must be importable).
"""

import copy
import datetime
import json
import sys
import uuid

from werkmatch_client import AuthenticatedClient, Client
from werkmatch_client.api.accounts import create_employer_account, create_youth_account, get_me
from werkmatch_client.api.competences import list_competences, list_occupations
from werkmatch_client.api.matching import (
    create_message,
    list_candidates,
    list_feed,
    list_matches,
    list_messages,
    swipe_candidate,
    swipe_vacancy,
)
from werkmatch_client.api.profile import generate_profile_text, replace_competences, replace_profile
from werkmatch_client.api.sessions import create_session, refresh_session, revoke_session
from werkmatch_client.api.vacancies import create_vacancy
from werkmatch_client.models import (
    CandidatePage,
    CompetenceCode,
    CompetencePage,
    CompetencesBody,
    Decision,
    EducationLevel,
    FeedPage,
    Location,
    Login,
    MatchPage,
    Message,
    MessagePage,
    NewMessage,
    NewOrganisation,
    NewVacancy,
    NewVacancyStatus,
    OccupationCode,
    OccupationPage,
    Problem,
    Profile,
    ProfileForm,
    Reason,
    RefreshTokenBody,
    RegisterEmployer,
    RegisterYouth,
    Session,
    SwipeBody,
    SwipeResult,
    Vacancy,
    WorkKind,
)
from werkmatch_client.types import UNSET

PASSWORD = "correct horse battery"
EINDHOVEN = Location(lat=51.4416, lon=5.4697)


def ok(response, kind):
    """The parsed body of a 2xx answer of the expected type; anything else fails loudly."""
    if not (200 <= response.status_code < 300) or not isinstance(response.parsed, kind):
        raise AssertionError(f"expected {kind.__name__}, got {response.status_code}: {response.content!r}")
    return response.parsed


def forward_compatible(feed_page: dict) -> None:
    """What a later version may add must not break this client: a new reason, kind of work
    or problem code parses as a plain string next to the known values."""
    later = copy.deepcopy(feed_page)
    card = later["items"][0]
    card["why"]["reasons"].append("reason_added_in_2030")
    card["kind"] = "kind_added_in_2030"
    card["field_added_in_2030"] = {"anything": True}
    page = FeedPage.from_dict(later)
    parsed = page.items[0]
    assert "reason_added_in_2030" in parsed.why.reasons, parsed.why.reasons
    assert any(isinstance(r, Reason) for r in parsed.why.reasons), "known reasons stay typed"
    assert parsed.kind == "kind_added_in_2030"
    problem = Problem.from_dict(
        {
            "type": "urn:werkmatch:problem:code_added_in_2030",
            "title": "Conflict",
            "status": 409,
            "detail": "A rule added later.",
            "code": "code_added_in_2030",
            "request_id": "r-1",
            "errors": [],
        }
    )
    assert problem.code == "code_added_in_2030"


def core_loop(base_url: str) -> None:
    run = uuid.uuid4().hex[:12]
    anonymous = Client(base_url=base_url)

    # A youth registers (one Session shape for registration, login and refresh).
    youth_session = ok(
        create_youth_account.sync_detailed(
            client=anonymous,
            body=RegisterYouth(email=f"youth-{run}@werkmatch.test", password=PASSWORD, first_name="Sanne"),
        ),
        Session,
    )
    assert youth_session.account.role == "youth"
    youth = AuthenticatedClient(base_url=base_url, token=youth_session.access_token)
    ok(
        replace_profile.sync_detailed(
            client=youth,
            body=ProfileForm(
                first_name="Sanne",
                last_name="de Vries",
                birth_date=datetime.date(2007, 5, 14),
                place_name="Eindhoven",
                location=EINDHOVEN,
                education_level=EducationLevel.MBO2,
                hours_min=16,
                hours_max=32,
                kinds=[WorkKind.JOB],
            ),
        ),
        Profile,
    )
    ok(
        replace_competences.sync_detailed(
            client=youth,
            body=CompetencesBody(
                competences=[CompetenceCode.TEAMWORK, CompetenceCode.RELIABILITY, CompetenceCode.PUNCTUALITY]
            ),
        ),
        Profile,
    )
    profile = ok(generate_profile_text.sync_detailed(client=youth), Profile)
    assert profile.profile_text, "a generated text"

    # An employer registers with an organisation and opens a vacancy next door.
    employer_session = ok(
        create_employer_account.sync_detailed(
            client=anonymous,
            body=RegisterEmployer(
                email=f"employer-{run}@werkmatch.test",
                password=PASSWORD,
                contact_name="Petra Jansen",
                organisation=NewOrganisation(name=f"Bakkerij {run}", city="Eindhoven"),
            ),
        ),
        Session,
    )
    employer = AuthenticatedClient(base_url=base_url, token=employer_session.access_token)
    vacancy = ok(
        create_vacancy.sync_detailed(
            client=employer,
            body=NewVacancy(
                title=f"Medewerker bakkerij {run}",
                description="Brood bakken en klanten helpen in onze winkel in het centrum.",
                occupation=OccupationCode(list(OccupationCode)[0].value),
                competences=[CompetenceCode.TEAMWORK, CompetenceCode.RELIABILITY],
                kind=WorkKind.JOB,
                hours_min=16,
                hours_max=24,
                place_name="Eindhoven",
                location=EINDHOVEN,
                status=NewVacancyStatus.OPEN,
            ),
        ),
        Vacancy,
    )

    # The youth pages through the feed until the vacancy shows, and likes it.
    found, cursor, raw_page = None, UNSET, None
    for _ in range(20):
        response = list_feed.sync_detailed(client=youth, limit=5, cursor=cursor)
        page = ok(response, FeedPage)
        raw_page = raw_page or (json.loads(response.content) if page.items else None)
        found = next((c for c in page.items if c.vacancy_id == vacancy.id), None)
        if found or page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert found is not None, "the new vacancy is in the youth's feed"
    assert Reason.COMPETENCE_MATCH in found.why.reasons, found.why.reasons
    forward_compatible(raw_page)
    ok(swipe_vacancy.sync_detailed(vacancy_id=found.vacancy_id, client=youth, body=SwipeBody(decision=Decision.LIKE)), SwipeResult)

    # The employer sees the anonymous candidate and likes back: a match.
    candidates = ok(list_candidates.sync_detailed(vacancy_id=vacancy.id, client=employer), CandidatePage)
    assert candidates.items, "the youth is a candidate"
    result = ok(
        swipe_candidate.sync_detailed(
            vacancy_id=vacancy.id,
            candidate_id=candidates.items[0].candidate_id,
            client=employer,
            body=SwipeBody(decision=Decision.LIKE),
        ),
        SwipeResult,
    )
    assert result.match_id, "a mutual like makes a match"
    matches = ok(list_matches.sync_detailed(client=youth), MatchPage)
    assert any(m.id == result.match_id for m in matches.items)
    ok(create_message.sync_detailed(match_id=result.match_id, client=youth, body=NewMessage(text="Hoi! Wanneer kan ik langskomen?")), Message)
    messages = ok(list_messages.sync_detailed(match_id=result.match_id, client=employer), MessagePage)
    assert messages.items[0].text.startswith("Hoi")

    # Sessions: login and refresh answer the same shape; a revoked session is refused.
    login = ok(create_session.sync_detailed(client=anonymous, body=Login(email=f"youth-{run}@werkmatch.test", password=PASSWORD)), Session)
    refreshed = ok(refresh_session.sync_detailed(client=anonymous, body=RefreshTokenBody(refresh_token=login.refresh_token)), Session)
    assert refreshed.access_token != login.access_token
    revoke_session.sync_detailed(client=anonymous, body=RefreshTokenBody(refresh_token=refreshed.refresh_token))
    refused = get_me.sync_detailed(client=AuthenticatedClient(base_url=base_url, token=refreshed.access_token))
    assert refused.status_code == 401 and isinstance(refused.parsed, Problem), refused.content
    assert refused.parsed.code == "session_revoked"

    # The catalogue pages, and revalidates with its ETag.
    competences, cursor = [], UNSET
    while True:
        response = list_competences.sync_detailed(client=anonymous, limit=20, cursor=cursor, accept_language="en")
        page = ok(response, CompetencePage)
        competences.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(competences) == 52
    occupations = ok(list_occupations.sync_detailed(client=anonymous, q="kok"), OccupationPage)
    etag = list_occupations.sync_detailed(client=anonymous, q="kok").headers["etag"]
    again = list_occupations.sync_detailed(client=anonymous, q="kok", if_none_match=etag)
    assert again.status_code == 304 and occupations.items


if __name__ == "__main__":
    if len(sys.argv) > 1:
        core_loop(sys.argv[1].rstrip("/"))
        print("python client: core loop OK against", sys.argv[1])
    else:
        print("python client: imports OK")
