"""`rasa data validate --fail-on-warnings`, where a response sent by code or a form counts as used.

Rasa's validator only sees responses named in rules and stories. Responses that actions send
(`response="utter_..."` in actions/), that the NLG or a channel sends (bot/*.py) and the questions of
forms (`utter_ask_<slot>`) are used too. Intents that only messaging connectors send (files, stickers:
bot/channels/messaging.py) have no NLU examples on purpose.
Usage: python -m bot.tools.validate
"""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path
from typing import Set

from rasa.cli.utils import validate_files
from rasa.shared.core.domain import Domain
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.utils.common import EXPECTED_WARNINGS

from bot.channels.messaging import SHARE_DOCUMENT, UNSUPPORTED

ROOT = Path(__file__).resolve().parents[2]
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
QUOTED_RESPONSE = re.compile(r"[\"'](utter_\w+)[\"']")
RESPONSE_IN_DATA = re.compile(r"\b(utter_\w+)\b")
NO_EXAMPLES = re.compile(
    r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data\.")
CHANNEL_INTENTS = {SHARE_DOCUMENT.lstrip("/"), UNSUPPORTED.lstrip("/")}


def responses_used_outside_rules(domain: Domain) -> Set[str]:
    """Responses named in the code and in the actions' data, and the questions of every form."""
    named: Set[str] = set()
    sources = [*(ROOT / "actions").rglob("*.py"), *(ROOT / "actions").rglob("*.yml"), *(ROOT / "bot").rglob("*.py")]
    for path in sources:
        pattern = QUOTED_RESPONSE if path.suffix == ".py" else RESPONSE_IN_DATA
        named.update(pattern.findall(path.read_text(encoding="utf-8")))
    for form in domain.forms.values():
        named.update(f"utter_ask_{slot}" for slot in form.get("required_slots", []))
    return named


def expected(warning: warnings.WarningMessage) -> bool:
    """Warnings Rasa itself always gives and filters (rasa.utils.common.EXPECTED_WARNINGS)."""
    return any(
        issubclass(warning.category, category) and re.match(pattern, str(warning.message))
        for category, pattern in EXPECTED_WARNINGS
    )


def main() -> int:
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "bot" / "config.yml"), str(ROOT / "bot" / "domain"), [str(ROOT / "data")]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validate_files(fail_on_warnings=False, max_history=None, importer=importer)  # exits on errors
    allowed = responses_used_outside_rules(importer.get_domain())
    problems = []
    for warning in caught:
        if not issubclass(warning.category, UserWarning) or expected(warning):
            continue
        unused = UNUSED.search(str(warning.message))
        if unused and unused.group(1) in allowed:
            continue
        no_examples = NO_EXAMPLES.search(str(warning.message))
        if no_examples and no_examples.group(1) in CHANNEL_INTENTS:
            continue
        problems.append(str(warning.message))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"Validation: {len(problems)} warning(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
