"""The CONLL tokenizer and tagger: exact offsets, punctuation apart, spans cut cleanly."""
import pytest

from label_studio.converters.conll import python_offsets, tag_tokens, tokens


@pytest.mark.parametrize("text", [
    "John  works\tat Acme-Corp. (NYC), don't 3.5kg!",
    "Zoë ate crème brûlée — très bien…",
    "👨‍👩‍👧 family 👍🏽 ok",
    "",
])
def test_tokens_cover_every_non_space_character_at_exact_offsets(text):
    found = tokens(text)
    assert "".join(text[a:b] for a, b in found) == "".join(text.split())
    assert all(text[a:b].strip() == text[a:b] != "" for a, b in found)
    assert found == sorted(found)


def test_punctuation_is_its_own_token():
    text = "Hi, Bob! (Yes.)"
    assert [text[a:b] for a, b in tokens(text)] == ["Hi", ",", "Bob", "!", "(", "Yes", ".", ")"]


def test_a_span_edge_inside_a_word_cuts_the_word():
    text = "Acme's shares"
    assert tag_tokens(text, [(0, 4, "ORG")]) == [("Acme", "B-ORG"), ("'s", "O"), ("shares", "O")]


def test_two_spans_side_by_side_both_start_with_b():
    text = "New York Times"
    assert tag_tokens(text, [(0, 8, "LOC"), (9, 14, "ORG")]) == [
        ("New", "B-LOC"), ("York", "I-LOC"), ("Times", "B-ORG")]


def test_offsets_that_match_the_text_are_kept():
    assert python_offsets("a 😀 b", 4, 5, "b") == (4, 5)


def test_utf16_offsets_are_mapped_to_python_indexes():
    text = "😀😀 Bob"                         # each emoji is 2 UTF-16 units, 1 Python index
    assert python_offsets(text, 5, 8, "Bob") == (3, 6)


def test_offsets_outside_the_text_are_refused():
    assert python_offsets("abc", 2, 10) is None
    assert python_offsets("abc", "0", 1) is None
