"""The automatic first guess of covered key points: a pure, local function of the texts."""

from __future__ import annotations

import pytest

from bot.key_point_guess import content_stems, coverage_score, guess_covered, stem

HTTP_POINTS = (
    "401 means missing or invalid credentials; re-authenticating can fix it",
    "401 responses carry a WWW-Authenticate header",
    "403 means identity is known but access is refused",
    "404 hides the existence of another tenant's resource",
    "Returning 401 for permission errors causes token drops and login loops",
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("caching", "cache"),
        ("indexes", "index"),
        ("indexing", "index"),
        ("authenticating", "authentication"),
        ("authenticate", "authenticated"),
        ("credentials", "credential"),
        ("responses", "response"),
        ("databases", "database"),
    ],
)
def test_word_forms_meet_at_one_stem(a, b):
    assert stem(a) == stem(b)


def test_filler_words_and_punctuation_carry_no_meaning():
    assert content_stems("The index is on the (customer_id, created_at) columns!") == {
        stem("index"), stem("customer"), "id", stem("created"), stem("columns")
    }
    assert content_stems("it is what it is") == frozenset()


def test_a_real_answer_is_matched_to_the_points_it_makes():
    answer = (
        "401 is for missing or invalid credentials, the client should authenticate again. "
        "403 means we know the identity but refuse access. For another tenant's invoice I'd "
        "return 404 so the resource's existence stays hidden."
    )
    assert guess_covered(HTTP_POINTS, answer) == (1, 3, 4)


def test_an_unrelated_or_empty_answer_covers_nothing():
    assert guess_covered(HTTP_POINTS, "I would restart the server and hope.") == ()
    assert guess_covered(HTTP_POINTS, "") == ()


def test_one_shared_word_is_not_enough_for_a_longer_point():
    # "header" alone is one of the point's four content words.
    assert guess_covered(HTTP_POINTS, "Put it in a header.") == ()
    assert 0 < coverage_score(HTTP_POINTS[1], "Put it in a header.") < 0.5


def test_short_points_need_all_their_words_only_when_they_have_one_or_two():
    points = ("idempotency", "first point", "second point")
    assert guess_covered(points, "Idempotent retries? Idempotency keys! The first point.") == (1, 2)
    assert coverage_score("", "anything") == 0.0
