"""`query_alternatives` word by word, with the groups written out from its documented rules: the word's own term
first, then the same word with each hamza seat (ء، و، ي) when a seat is inside the word (not its last letter); a
word written with ة is kept whole; a joined ف/ب also offers the bare word; stop words are skipped, not an end."""

from __future__ import annotations

import pytest

from awn.core.text.arabic import query_alternatives


@pytest.mark.parametrize(
    ("typed", "groups"),
    [
        ("مسئول", [("مسيول", "مسءول", "مسوول")]),
        ("مسؤول", [("مسوول", "مسءول", "مسيول")]),
        ("في مسئول", [("مسيول", "مسءول", "مسوول")]),  # «في» is a stop word: skipped, the next word kept
        ("مسئول في المدرسه", [("مسيول", "مسءول", "مسوول"), ("مدرسه",)]),
        ("شيء", [("شيء",)]),  # the hamza is the last letter: no seat to vary
        ("مساءل", [("مساءل", "مساول", "مسايل")]),  # the seat just before the last letter still counts
        ("مسئوله", [("مسيوله", "مسءوله", "مسووله")]),  # a final ه in a query means the ة word, not a pronoun
        ("مؤقتة", [("موقته", "مءقته", "ميقته")]),  # written with ة: kept whole, never cut to a stem
        ("فمسئول", [("فمسيول", "مسيول", "فمسءول", "مسءول", "فمسوول", "مسوول")]),
        ("بالمسئول", [("مسيول", "مسءول", "مسوول")]),
        ("", []),
        ("في من", []),
    ],
)
def test_groups_follow_the_documented_rules(typed: str, groups: list[tuple[str, ...]]) -> None:
    assert query_alternatives(typed) == groups


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # ب/ف joined to a word: the bare word is indexed too, unless what is left is too short or starts with ال
        ("بمدرسة", ["بمدرسه", "مدرسه"]),  # written with ة: each form kept whole
        # a final ه may be ة or a pronoun: the index keeps the stem and the whole word; «فال» is an article prefix
        ("بمدرسه", ["بمدرس", "بمدرسه", "مدرس", "مدرسه"]),
        ("فالمدرسه", ["مدرس", "مدرسه"]),
        ("بيت", ["بيت"]),  # «ب» + «يت»: two letters are not a word
        # Latin and digits pass through unstemmed
        ("login 2024", ["login", "2024"]),
    ],
)
def test_search_terms_of_joined_particles_and_other_scripts(text: str, terms: list[str]) -> None:
    from awn.core.text.arabic import search_terms

    assert search_terms(text) == terms
