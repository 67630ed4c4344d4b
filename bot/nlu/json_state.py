"""Base for trainable graph components whose whole trained state is one JSON document."""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

logger = logging.getLogger(__name__)


class JsonStateComponent(GraphComponent):
    """Creates, persists and loads a component from `STATE_FILE` in the model storage.

    Subclasses set `STATE_FILE` and implement `use_state(state)`, which receives
    None for an untrained component.
    """

    STATE_FILE = "state.json"

    def __init__(self, model_storage: ModelStorage, resource: Resource, state: Optional[Any] = None):
        self._model_storage = model_storage
        self._resource = resource
        self.use_state(state)

    def use_state(self, state: Optional[Any]) -> None:
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "JsonStateComponent":
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "JsonStateComponent":
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / cls.STATE_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("%s: no trained state in the model; running untrained.", cls.__name__)
            state = None
        return cls(model_storage, resource, state)

    def persist(self, state: Any) -> Resource:
        """Store the trained state and start using it."""
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.STATE_FILE).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        self.use_state(state)
        return self._resource
