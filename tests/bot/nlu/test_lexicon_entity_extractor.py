import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.lexicon_entity_extractor import LexiconEntityExtractor

DATA = """
version: "3.1"
nlu:
- lookup: cancer_type
  examples: |
    - breast
    - glioma
- lookup: treatment
  examples: |
    - iort
- lookup: language
  examples: |
    - ru
    - es
- synonym: breast
  examples: |
    - breast cancer
    - 乳腺癌
    - рак груди
    - cáncer de mama
    - ung thư vú
    - سرطان الثدي
- synonym: glioma
  examples: |
    - glioma
- synonym: iort
  examples: |
    - IORT
    - radioterapia intraoperatoria
- synonym: ru
  examples: |
    - Russian
    - по-русски
"""


@pytest.fixture
def extractor(make_component, load_component):
    trained = make_component(LexiconEntityExtractor, "lexicon")
    trained.train(RasaYAMLReader().reads(DATA))
    return load_component(LexiconEntityExtractor, "lexicon")  # what the server loads


def found(extractor, text):
    message = Message({"text": text})
    extractor.process([message])
    return [(text[e["start"]:e["end"]], e["entity"], e["value"]) for e in message.get("entities", [])]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我妈妈乳腺癌可以做IORT吗", [("乳腺癌", "cancer_type", "breast"), ("IORT", "treatment", "iort")]),
        ("у мамы рак груди", [("рак груди", "cancer_type", "breast")]),
        ("Cancer de mama y RADIOTERAPIA intraoperatoria", [
            ("Cancer de mama", "cancer_type", "breast"),
            ("RADIOTERAPIA intraoperatoria", "treatment", "iort")]),
        ("me me bi ung thu vu", [("ung thu vu", "cancer_type", "breast")]),
        ("هل ينفع IORT مع سرطان الثدى", [("IORT", "treatment", "iort"), ("سرطان الثدى", "cancer_type", "breast")]),
        ("ответьте по-русски", [("по-русски", "language", "ru")]),
        ("answer in Russian please", [("Russian", "language", "ru")]),
        ("l'IORT c'est quoi", [("IORT", "treatment", "iort")]),
    ],
)
def test_finds_surface_forms_in_every_language(extractor, text, expected):
    assert found(extractor, text) == expected


def test_needs_word_boundaries_outside_cjk(extractor):
    assert found(extractor, "gliomas and bioiort") == []


def test_canonical_codes_are_not_surface_forms(extractor):
    """'es' is a Spanish word and 'ru' a syllable: only synonyms are matched."""
    assert found(extractor, "es muy caro, ru") == []


def test_accents_matter_when_the_patient_typed_them(make_component):
    extractor = make_component(LexiconEntityExtractor, "lexicon")
    extractor.train(RasaYAMLReader().reads(DATA.replace("    - Russian\n", "    - Russian\n    - thai\n")))
    assert found(extractor, "trạng thái yêu cầu của tôi") == []
    assert found(extractor, "ung thư vú") == [("ung thư vú", "cancer_type", "breast")]
