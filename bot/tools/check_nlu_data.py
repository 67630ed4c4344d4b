"""Check one language's NLU training and test data: counts, metadata, entities, leaks.

Usage: python -m bot.tools.check_nlu_data <lang> [<lang> ...]
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "spec" / "intents.md"
MIN_TRAIN = 15
MIN_TEST = 3
ENTITY_NAMES = {"treatment", "cancer_type", "language"}


def spec_intents() -> list[str]:
    rows = re.findall(r"^\| ([a-z_]+) \|", SPEC.read_text(encoding="utf-8"), flags=re.M)
    return [r for r in rows if r != "intent"]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def read(paths):
    reader = RasaYAMLReader()
    data = [reader.read(p) for p in paths]
    return data[0].merge(*data[1:]) if len(data) > 1 else data[0]


def check(lang: str) -> list[str]:
    problems: list[str] = []
    train_files = sorted((ROOT / "data" / "nlu" / lang).glob("*.yml"))
    test_file = ROOT / "tests" / "nlu" / f"{lang}.yml"
    if not train_files:
        return [f"no training files in data/nlu/{lang}/"]
    if not test_file.exists():
        problems.append(f"missing test file {test_file.relative_to(ROOT)}")
    shared = [ROOT / "data" / "nlu" / "synonyms.yml", ROOT / "data" / "nlu" / "entities.yml"]
    train = read(train_files + shared)
    test = read([test_file] + shared) if test_file.exists() else None
    synonyms = {k.casefold(): v for k, v in train.entity_synonyms.items()}
    value_entity = {
        v: table["name"] for table in train.lookup_tables for v in table["elements"]
    }
    for name, data in (("train", train), ("test", test)):
        if data is None:
            continue
        counts = Counter()
        for ex in data.intent_examples:
            counts[ex.get("intent")] += 1
            meta = (ex.get("metadata") or {}).get("intent") or {}
            if meta.get("language") != lang:
                problems.append(f"{name}: intent block {ex.get('intent')} lacks metadata language: {lang}")
            for ent in ex.get("entities") or []:
                surface = ex.get("text")[ent["start"]:ent["end"]]
                if ent["entity"] not in ENTITY_NAMES:
                    problems.append(f"{name}: unknown entity {ent['entity']!r} in {ex.get('text')!r}")
                    continue
                value = synonyms.get(surface.casefold(), surface.casefold())
                if value_entity.get(value) != ent["entity"]:
                    problems.append(
                        f"{name}: surface {surface!r} ({ent['entity']}) has no synonym "
                        f"mapping to a {ent['entity']} value"
                    )
        wanted = MIN_TRAIN if name == "train" else MIN_TEST
        for intent in spec_intents():
            if counts[intent] < wanted:
                problems.append(f"{name}: intent {intent} has {counts[intent]} examples, need {wanted}")
        extra = set(counts) - set(spec_intents())
        if extra:
            problems.append(f"{name}: intents not in the spec: {sorted(extra)}")
        dupes = [t for t, c in Counter(normalise(e.get("text")) for e in data.intent_examples).items() if c > 1]
        if dupes:
            problems.append(f"{name}: duplicate examples: {dupes[:10]}")
    if test is not None:
        seen = defaultdict(set)
        for ex in train.intent_examples:
            seen[normalise(ex.get("text"))].add(ex.get("intent"))
        for ex in test.intent_examples:
            if normalise(ex.get("text")) in seen:
                problems.append(f"test example also in training data: {ex.get('text')!r}")
    return problems


def main(argv: list[str]) -> int:
    status = 0
    for lang in argv or ["en", "zh", "ru", "ar", "es", "fr", "id", "vi"]:
        problems = check(lang)
        print(f"{lang}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        for p in problems[:80]:
            print("  -", p)
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
