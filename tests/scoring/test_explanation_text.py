"""The engine's English explanations are shown in the reader's language."""

from __future__ import annotations

from django.utils import translation

from kaoping.scoring import calculations
from kaoping.scoring.explanation_text import (
    SENTENCES,
    node_status_label,
    translate_explanation,
)


def test_every_reason_the_engine_writes_has_a_translation_entry() -> None:
    reasons = set(calculations._NOT_COMPARABLE_REASONS.values())
    assert reasons <= set(SENTENCES)


def test_english_readers_see_the_engine_text_unchanged() -> None:
    line = "c = actual ÷ target = 4543.61 ÷ 6240 = 0.728143; P × min(c, cap) = 10 × 0.73"
    with translation.override("en"):
        assert translate_explanation(line) == line
        assert node_status_label("missing_input") == "no figure"


def test_chinese_readers_see_the_vocabulary_translated_and_the_numbers_kept() -> None:
    line = "c = actual ÷ target = 4543.61 ÷ 6240 = 0.728143; P × min(c, cap) = 10 × 0.73"
    with translation.override("zh-hans"):
        shown = translate_explanation(line)
        sentence = translate_explanation("the indicator does not apply to this unit")
        status = node_status_label("not_comparable")
    assert "actual" not in shown and "target" not in shown
    assert "完成值" in shown and "目标值" in shown
    assert "4543.61 ÷ 6240 = 0.728143" in shown
    assert sentence != "the indicator does not apply to this unit"
    assert status == "不可比"


def test_words_inside_identifiers_are_left_alone() -> None:
    with translation.override("zh-hans"):
        assert translate_explanation("bonus_cap") == "bonus_cap"
        assert translate_explanation("") == ""
