"""Labelled data: the mapping onto taxonomy ids and the fixed held-out split."""

from __future__ import annotations

from collections import Counter

from graders import load_taxonomy
from graders.labelled import load_labelled, moderation_items, xstest_items

ITEMS = load_labelled()


def test_every_shipped_item_is_loaded() -> None:
    sources = Counter(item.source for item in ITEMS)

    assert sources == {
        "openai_moderation": 1680,
        "xstest_gpt4": 450,
        "xstest_llama2orig": 450,
    }


def test_about_a_third_of_the_items_are_held_out() -> None:
    held_out = sum(item.split == "test" for item in ITEMS) / len(ITEMS)

    assert 0.3 < held_out < 0.36


def test_the_split_is_the_same_on_every_load() -> None:
    again = load_labelled()

    assert [i.split for i in again] == [i.split for i in ITEMS]


def test_both_completions_of_an_xstest_prompt_share_a_split() -> None:
    splits: dict[str, set[str]] = {}
    for item in xstest_items():
        splits.setdefault(item.key.split("@")[0], set()).add(item.split)

    assert all(len(sides) == 1 for sides in splits.values())


def test_every_label_is_a_taxonomy_category() -> None:
    labels = {category for item in ITEMS for category in item.labels}

    assert labels <= load_taxonomy().ids


def test_an_unknown_moderation_label_is_left_out_not_negative() -> None:
    # 214 upstream rows carry only the S and S3 keys: nothing else is known of them.
    label_sets = Counter(frozenset(item.labels) for item in moderation_items())

    assert label_sets[frozenset({"sexual_content", "sexual_minors"})] == 214


def test_refusing_an_unsafe_prompt_is_not_over_refusal() -> None:
    unsafe_refusals = [
        item
        for item in xstest_items()
        if item.labels["refusal"] and "contrast_" in item.prompt_type
    ]

    assert unsafe_refusals
    assert not any(item.labels["over_refusal"] for item in unsafe_refusals)


def test_weak_negatives_are_added_only_when_asked() -> None:
    plain = [i for i in xstest_items() if "self_harm" in i.labels]
    weak = [i for i in xstest_items(weak_negatives=True) if "self_harm" in i.labels]

    assert plain == []
    assert weak
    assert not any(item.labels["self_harm"] for item in weak)
