"""Where the time of one message goes: Rasa's agent in this process, the real action server beside it.

Usage: python -m bot.tools.profile_messages [--messages 300]

Loads the latest model with endpoints.yml (SQLite tracker store in a temporary folder), sends held-out test
messages in all 8 languages through `Agent.handle_message` under cProfile, and prints the time per message
spent in each stage: language detection, tokenization, featurization, intent classification, red flags,
policies, custom action calls, NLG and the tracker store.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from bot.benchmark import messages
from bot.serve import HOST, free_port, latest_model, service_env, start_action_server, stop, wait_until_ready

# Stage -> (file path fragment, function name) whose cumulative time is the stage's.
STAGES: Dict[str, List[Tuple[str, str]]] = {
    "language detection": [("bot/nlu/language_detector.py", "process")],
    "tokenization (spaCy blank pipelines)": [("rasa/nlu/tokenizers/tokenizer.py", "process")],
    "featurization (2 count vectorizers)": [("count_vectors_featurizer.py", "process")],
    "intent classification (TF-IDF + LR)": [("logistic_regression_classifier.py", "process")],
    "fallback classifier": [("rasa/nlu/classifiers/fallback_classifier.py", "process")],
    "unsupported language check": [("bot/nlu/unsupported_language.py", "process")],
    "entities (lexicon)": [("bot/nlu/lexicon_entity_extractor.py", "process")],
    "red flags (patterns + net)": [("bot/nlu/red_flag_classifier.py", "process")],
    "NLU graph, total": [("rasa/core/processor.py", "parse_message")],
    "policies (rule, memoization)": [("rasa/core/processor.py", "_predict_next_with_tracker")],
    "custom action calls (HTTP to the action server)": [("rasa/utils/endpoints.py", "request")],
    "NLG (localized responses)": [("bot/nlg.py", "generate")],
    "tracker store: read": [("rasa/core/tracker_store.py", "retrieve")],
    "tracker store: write": [("rasa/core/tracker_store.py", "save")],
    "whole message (Agent.handle_message)": [("rasa/core/agent.py", "handle_message")],
}


def stage_seconds(stats: pstats.Stats) -> Dict[str, float]:
    """Cumulative seconds per stage. Where a name matches several functions (a wrapper and what it wraps), the
    largest, outermost one counts."""
    totals = dict.fromkeys(STAGES, 0.0)
    for (path, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        for stage, targets in STAGES.items():
            if any(path.endswith(fragment) and function == name for fragment, name in targets):
                totals[stage] = max(totals[stage], cumulative)
    return totals


async def send_all(agent, texts: List[str], per_conversation: int = 6) -> None:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    for number, text in enumerate(texts):
        sender = f"profile-{number // per_conversation}"
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with most cumulative time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        action_port = free_port()
        env = service_env(action_port, Path(tmp), free_port())
        os.environ.update({k: v for k, v in env.items() if k.isupper()})
        actions = start_action_server(action_port, env, Path(tmp) / "actions.log")
        try:
            wait_until_ready(f"http://{HOST}:{action_port}/health", actions)
            from rasa.core.agent import load_agent
            from rasa.core.utils import AvailableEndpoints
            from rasa.utils.common import configure_logging_and_warnings
            from rasa.utils.log_utils import configure_structlog

            configure_logging_and_warnings(logging.WARNING)  # as `rasa run` does; debug logs would be timed too
            configure_structlog(logging.WARNING)

            started = time.monotonic()
            agent = asyncio.run(load_agent(model_path=str(latest_model()),
                                           endpoints=AvailableEndpoints.read_endpoints("endpoints.yml")))
            print(f"model load in process: {time.monotonic() - started:.1f} s")
            loop = asyncio.new_event_loop()
            loop.run_until_complete(send_all(agent, messages(args.warmup, seed=3)))
            profiler = cProfile.Profile()
            texts = messages(args.messages)
            started = time.perf_counter()
            profiler.enable()
            loop.run_until_complete(send_all(agent, texts))
            profiler.disable()
            wall = time.perf_counter() - started
        finally:
            stop(actions)
    stats = pstats.Stats(profiler)
    if args.top:
        stats.sort_stats("cumulative").print_stats(args.top)
    totals = stage_seconds(stats)
    print(f"{len(texts)} messages, {wall / len(texts) * 1000:.1f} ms each (wall, under the profiler)")
    print("| stage | ms per message |\n|---|---:|")
    for stage, seconds in totals.items():
        print(f"| {stage} | {seconds / len(texts) * 1000:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
