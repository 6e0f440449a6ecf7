"""Story grouping (indexer.index.stories): each case of issue 14 on small texts, in real SQLite."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.index.stories import (
    GroupingRule,
    Signature,
    StoryGrouper,
    StoryStateError,
    similarity,
    text_signature,
)

# A wire story of five paragraphs, and paragraphs of other stories, in our own words.
HARBOUR = [
    "PORTSMOUTH, June 3 - The harbour authority said on Tuesday it would close the eastern "
    "container terminal for six weeks while engineers replace two cranes damaged in a storm.",
    "Ships due at the terminal will be sent to the western quay, where the authority expects "
    "waiting times of up to a day during the busiest part of the summer season.",
    "The chief engineer, Maria Olsen, said the new cranes had been ordered in March and were "
    "built to lift heavier containers than the ones they replace, which dated from 1988.",
    "Local hauliers welcomed the repairs but asked the authority to extend opening hours at the "
    "western gate so that lorries do not queue on the coast road into the town centre.",
    "The authority will publish a revised timetable for the terminal on its website next week, "
    "a spokesman said, adding that no jobs were at risk during the closure.",
]
ADDED = (
    "Shipping lines operating from the port said they had been told of the closure on Monday "
    "and were rearranging their schedules to avoid the worst of the delays expected in July."
)
ORCHARD = [
    "HEREFORD, June 4 - Apple growers in the county expect a smaller harvest this autumn after "
    "late frosts in April damaged blossom across many of the older orchards near the river.",
    "The growers' association said yields could fall by a fifth, although prices for cider "
    "apples were likely to rise enough to cover most of the loss for larger farms.",
    "Smaller orchards without frost protection were hit hardest, the association said, and "
    "several family farms have asked the council for help with the cost of new equipment.",
]
LIBRARY = [
    "LEEDS, June 5 - The city council approved plans on Wednesday to reopen the central library "
    "on Sundays from September, reversing a cut made three years ago to save money.",
    "Councillors said the extra opening day would be paid for by renting meeting rooms in the "
    "building to local businesses and charities at weekends and in the evenings.",
    "Library users had collected more than four thousand signatures asking for the change, and "
    "the head librarian said visits had risen every month since the building was refurbished.",
]


def text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


@pytest.fixture
def grouper() -> StoryGrouper:
    return StoryGrouper(sqlite3.connect(":memory:"))


def test_a_text_signature_is_its_distinct_word_5_gram_hashes() -> None:
    signature = text_signature("One two three four five six. ONE two three four five!")
    # "one two three four five", "two three four five six", "three four five six one", ...
    assert signature.size == 6
    assert list(signature.shingles) == sorted(set(signature.shingles.tolist()))
    assert text_signature("Short text").size == 1
    assert text_signature("  ... ").size == 0
    assert (
        text_signature("Same words, other case.").digest
        == text_signature("same WORDS other case").digest
    )


def test_a_signature_survives_bytes_and_pickling_for_the_worker_processes() -> None:
    signature = text_signature(text(*HARBOUR))
    again = Signature.from_bytes(signature.to_bytes())
    assert again.digest == signature.digest
    assert again.opening == signature.opening
    unpickled = pickle.loads(pickle.dumps(signature))
    assert unpickled.digest == signature.digest


def test_two_outlets_with_the_same_text_are_one_story_and_both_versions_are_kept(
    grouper: StoryGrouper,
) -> None:
    first = grouper.add("herald/harbour.html#0", text_signature(text(*HARBOUR)))
    second = grouper.add("valley-herald/cranes.html#0", text_signature(text(*HARBOUR)))
    assert second.story_id == first.story_id
    assert second.reason.kind == "identical"
    assert grouper.versions_of(first.story_id) == [
        "herald/harbour.html#0",
        "valley-herald/cranes.html#0",
    ]
    assert grouper.story_count() == 1
    assert grouper.version_count() == 2


def test_a_changed_headline_and_an_added_paragraph_join_the_story(grouper: StoryGrouper) -> None:
    # The headline is not part of the signed text; the added paragraph is.
    original = grouper.add("a.html#0", text_signature(text(*HARBOUR)))
    edited = grouper.add("b.html#0", text_signature(text(*HARBOUR[:2], ADDED, *HARBOUR[2:])))
    assert edited.story_id == original.story_id
    # The fuller text now represents the story; the original is contained in it.
    assert edited.reason.kind == "representative"
    reason = grouper.story_of("a.html#0").reason  # type: ignore[union-attr]
    assert reason.kind == "contained"
    assert reason.containment > 0.95  # the shingles across the new paragraph's edges differ
    assert 0.7 < reason.jaccard < 0.8
    assert reason.describe() == "97% of its text is in the story's main version"


def test_a_shortened_version_contained_in_a_longer_one_joins_it(grouper: StoryGrouper) -> None:
    full = grouper.add("full.html#0", text_signature(text(*HARBOUR)))
    teaser = grouper.add("section.html#3", text_signature(HARBOUR[0]))
    assert teaser.story_id == full.story_id
    assert teaser.reason.kind == "contained"
    assert teaser.reason.containment == 1.0
    assert teaser.reason.jaccard < 0.3


def test_a_teaser_seen_before_the_full_text_is_grouped_with_it(grouper: StoryGrouper) -> None:
    teaser = grouper.add("section.html#3", text_signature(text(*HARBOUR[:2])))
    full = grouper.add("full.html#0", text_signature(text(*HARBOUR)))
    assert full.story_id == teaser.story_id
    assert full.reason.kind == "representative"  # the full text now represents the story
    assert grouper.story_of("section.html#3").reason.kind == "contained"  # type: ignore[union-attr]


def test_unrelated_stories_stay_apart(grouper: StoryGrouper) -> None:
    stories = {
        grouper.add(name, text_signature(text(*paragraphs))).story_id
        for name, paragraphs in (("h", HARBOUR), ("o", ORCHARD), ("l", LIBRARY))
    }
    assert len(stories) == 3


@pytest.mark.parametrize("order", [("A", "B", "C"), ("B", "A", "C"), ("A", "C", "B")])
def test_a_digest_page_containing_two_unrelated_stories_does_not_chain_them(
    order: tuple[str, str, str],
) -> None:
    # A~B (A is inside B) and B~C (C is inside B), while A and C share nothing.
    texts = {"A": text(*HARBOUR), "B": text(*HARBOUR, *ORCHARD), "C": text(*ORCHARD)}
    a, b, c = (text_signature(texts[k]).shingles for k in "ABC")
    rule = GroupingRule()
    assert rule.matches(similarity(a, b)) and rule.matches(similarity(b, c))
    assert similarity(a, c).shared == 0
    grouper = StoryGrouper(sqlite3.connect(":memory:"))
    story = {name: grouper.add(name, text_signature(texts[name])).story_id for name in order}
    assert story["A"] != story["C"]


def test_a_rolling_chain_of_small_overlaps_does_not_reach_its_far_end(
    grouper: StoryGrouper,
) -> None:
    # Each link drops the first paragraph and adds a new one: neighbours share most of their text,
    # links three apart share little.
    paragraphs = HARBOUR + [ADDED] + ORCHARD + LIBRARY
    links = [text(*paragraphs[k : k + 5]) for k in range(5)]
    signatures = [text_signature(link) for link in links]
    assert similarity(signatures[0].shingles, signatures[4].shingles).jaccard < 0.2
    stories = [grouper.add(f"link{k}", s).story_id for k, s in enumerate(signatures)]
    assert stories[0] != stories[4]
    assert stories[0] != stories[3]


def test_an_edited_copy_moves_to_the_story_its_new_text_matches(grouper: StoryGrouper) -> None:
    harbour = grouper.add("h.html#0", text_signature(text(*HARBOUR))).story_id
    orchard = grouper.add("o.html#0", text_signature(text(*ORCHARD))).story_id
    assert grouper.add("copy.html#0", text_signature(text(*HARBOUR))).story_id == harbour
    moved = grouper.add("copy.html#0", text_signature(text(*ORCHARD, "Updated on Friday.")))
    assert moved.story_id == orchard
    assert grouper.versions_of(harbour) == ["h.html#0"]
    assert sorted(grouper.versions_of(orchard)) == ["copy.html#0", "o.html#0"]


def test_adding_the_same_version_again_changes_nothing(grouper: StoryGrouper) -> None:
    first = grouper.add("a.html#0", text_signature(text(*HARBOUR)))
    again = grouper.add("a.html#0", text_signature(text(*HARBOUR)))
    assert again == first
    assert grouper.version_count() == 1


def test_removing_a_copy_keeps_the_story_with_the_rest_and_removing_all_removes_it(
    grouper: StoryGrouper,
) -> None:
    story = grouper.add("a.html#0", text_signature(text(*HARBOUR))).story_id
    grouper.add("b.html#0", text_signature(text(*HARBOUR)))
    grouper.add("c.html#0", text_signature(HARBOUR[0]))
    removal = grouper.remove("a.html#0")
    assert removal is not None and not removal.story_removed
    assert grouper.versions_of(story) == ["b.html#0", "c.html#0"]
    grouper.remove("b.html#0")
    assert grouper.versions_of(story) == ["c.html#0"]
    assert grouper.story_of("c.html#0").reason.kind == "representative"  # type: ignore[union-attr]
    removal = grouper.remove("c.html#0")
    assert removal is not None and removal.story_removed
    assert grouper.story_count() == 0
    assert grouper.story_of("c.html#0") is None
    assert grouper.remove("c.html#0") is None


def test_removing_the_representative_regroups_versions_that_no_longer_match(
    grouper: StoryGrouper,
) -> None:
    # Two cuts of one text: each is a near-duplicate of the full text, not of the other.
    full = [*HARBOUR, ADDED, *ORCHARD[:2]]
    story = grouper.add("full.html#0", text_signature(text(*full))).story_id
    grouper.add("no-lead.html#0", text_signature(text(*full[1:])))
    grouper.add("no-end.html#0", text_signature(text(*full[:-1])))
    assert grouper.versions_of(story)[0] == "full.html#0"
    assert len(grouper.versions_of(story)) == 3
    removal = grouper.remove("full.html#0")
    assert removal is not None and not removal.story_removed
    no_lead = grouper.story_of("no-lead.html#0")
    no_end = grouper.story_of("no-end.html#0")
    assert no_lead is not None and no_end is not None
    assert no_lead.story_id != no_end.story_id
    assert story in (no_lead.story_id, no_end.story_id)
    assert [a.version_id for a in removal.moved] in (["no-lead.html#0"], ["no-end.html#0"])


def test_only_the_lead_excerpt_joins_when_two_excerpts_share_nothing(
    grouper: StoryGrouper,
) -> None:
    # A text contained in the main version must also match most other versions, which keeps a
    # digest page from bridging two stories; the price: a second, disjoint excerpt stays apart.
    story = grouper.add("full.html#0", text_signature(text(*HARBOUR))).story_id
    assert grouper.add("lead.html#0", text_signature(text(*HARBOUR[:2]))).story_id == story
    assert grouper.add("end.html#0", text_signature(text(*HARBOUR[3:]))).story_id != story


def test_changed_stories_are_reported_once_for_the_index_to_rewrite(
    grouper: StoryGrouper,
) -> None:
    harbour = grouper.add("a", text_signature(text(*HARBOUR))).story_id
    grouper.add("b", text_signature(text(*HARBOUR)))
    orchard = grouper.add("o", text_signature(text(*ORCHARD))).story_id
    assert grouper.take_changed_stories() == {harbour, orchard}
    assert grouper.take_changed_stories() == set()
    grouper.add("a", text_signature(text(*HARBOUR)))  # unchanged
    assert grouper.take_changed_stories() == set()
    grouper.remove("b")
    assert grouper.take_changed_stories() == {harbour}
    grouper.add("a", text_signature(text(*ORCHARD)))  # edited: moves
    assert grouper.take_changed_stories() == {harbour, orchard}


def test_a_text_without_words_is_a_story_of_its_own(grouper: StoryGrouper) -> None:
    first = grouper.add("empty1", text_signature(""))
    second = grouper.add("empty2", text_signature("--"))
    assert first.story_id != second.story_id


def test_grouping_persists_across_reopening_the_database(tmp_path: Path) -> None:
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    grouper = StoryGrouper(db)
    story = grouper.add("a.html#0", text_signature(text(*HARBOUR))).story_id
    grouper.add("b.html#0", text_signature(HARBOUR[0]))
    grouper.add("o.html#0", text_signature(text(*ORCHARD)))
    db.commit()
    db.close()
    reopened = StoryGrouper(sqlite3.connect(path))
    assert reopened.versions_of(story) == ["a.html#0", "b.html#0"]
    assert reopened.story_of("b.html#0").reason.kind == "contained"  # type: ignore[union-attr]
    # The reopened state keeps grouping: a new copy joins its story.
    assert reopened.add("c.html#0", text_signature(text(*HARBOUR))).story_id == story
    assert reopened.story_count() == 2


def test_uncommitted_changes_are_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    StoryGrouper(db).add("a.html#0", text_signature(text(*HARBOUR)))
    db.commit()
    StoryGrouper(db).add("b.html#0", text_signature(text(*ORCHARD)))
    db.close()  # without commit
    assert StoryGrouper(sqlite3.connect(path)).version_count() == 1


def test_state_made_with_other_parameters_asks_for_a_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    StoryGrouper(db, rule=GroupingRule(jaccard_min=0.5)).add("a", text_signature("x y z"))
    db.commit()
    with pytest.raises(StoryStateError, match="rebuild the index"):
        StoryGrouper(db)


def test_stories_lists_every_story_with_its_versions(grouper: StoryGrouper) -> None:
    grouper.add("a", text_signature(text(*HARBOUR)))
    grouper.add("b", text_signature(text(*ORCHARD)))
    grouper.add("c", text_signature(text(*HARBOUR)))
    assert [versions for _, versions in grouper.stories()] == [["a", "c"], ["b"]]
    assignment = grouper.story_of("c")
    assert assignment is not None
    assert assignment.to_dict()["representative"] == "a"


# Paragraphs to build versions from: the stories above, cut into pieces that combine.
_PIECES = [*HARBOUR, ADDED, *ORCHARD, *LIBRARY]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 7),  # version id
            st.one_of(
                st.none(),  # remove the version
                st.lists(st.integers(0, len(_PIECES) - 1), min_size=1, max_size=6),
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_member_matches_its_representative_whatever_the_changes(
    changes: list[tuple[int, list[int] | None]],
) -> None:
    db = sqlite3.connect(":memory:")
    grouper = StoryGrouper(db)
    present: set[str] = set()
    for number, pieces in changes:
        version = f"v{number}"
        if pieces is None:
            grouper.remove(version)
            present.discard(version)
        else:
            grouper.add(version, text_signature(text(*(_PIECES[k] for k in pieces))))
            present.add(version)
    listed = [v for _, versions in grouper.stories() for v in versions]
    assert sorted(listed) == sorted(present)  # every version in exactly one story
    assert grouper.story_count() == len({grouper.story_of(v).story_id for v in present})  # type: ignore[union-attr]
    for version in present:
        assignment = grouper.story_of(version)
        assert assignment is not None
        if assignment.reason.kind in ("representative", "identical"):
            continue
        assert grouper.rule.matches(
            similarity(
                text_signature_of(db, version).shingles,
                text_signature_of(db, assignment.representative).shingles,
            )
        ), assignment
    for version in present:
        grouper.remove(version)
    assert grouper.story_count() == 0


def text_signature_of(db: sqlite3.Connection, version: str) -> Signature:
    row = db.execute(
        "SELECT t.signature FROM story_versions v JOIN story_texts t ON t.text_id = v.text_id"
        " WHERE v.version_id = ?",
        (version,),
    ).fetchone()
    return Signature.from_bytes(row[0])
