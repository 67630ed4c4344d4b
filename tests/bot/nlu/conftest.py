import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource


@pytest.fixture
def model_storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture
def execution_context():
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture
def make_component(model_storage, execution_context):
    """Create a graph component the way Rasa's training graph does."""

    def make(cls, name="component", config=None):
        return cls.create({**cls.get_default_config(), **(config or {})}, model_storage,
                          Resource(name), execution_context)

    return make


@pytest.fixture
def load_component(model_storage, execution_context):
    def load(cls, name="component"):
        return cls.load(cls.get_default_config(), model_storage, Resource(name), execution_context)

    return load
