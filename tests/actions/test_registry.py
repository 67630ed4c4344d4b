"""The action server serves exactly the custom actions the domain names."""
import json
import subprocess
import sys

from rasa.shared.core.domain import Domain

from bot.serve import ROOT

# A fresh interpreter, as the action server has: pytest's own imports would add test folders to the walk.
LIST_ACTIONS = ("import json; from rasa_sdk.executor import ActionExecutor; e = ActionExecutor(); "
                "e.register_package('actions'); print(json.dumps(sorted(e.actions)))")


def test_registered_actions_are_the_domains_custom_actions():
    output = subprocess.run([sys.executable, "-c", LIST_ACTIONS], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=120).stdout
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    assert json.loads(output.strip().splitlines()[-1]) == sorted(
        a for a in domain.user_actions if not a.startswith("utter_"))
