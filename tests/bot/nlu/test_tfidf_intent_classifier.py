from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.multilingual_tokenizer import MultilingualTokenizer
from bot.nlu.tfidf_intent_classifier import TfidfLogisticRegressionClassifier

DATA = """
version: "3.1"
nlu:
- intent: ask_cost
  examples: |
    - how much does it cost
    - what is the price
    - is it expensive
    - cuánto cuesta
- intent: ask_recovery
  examples: |
    - when can I go home
    - how long is the hospital stay
    - recovery after surgery
    - cuándo vuelvo a casa
"""


def test_trains_persists_loads_and_ranks(make_component, load_component):
    tokenizer = make_component(MultilingualTokenizer, "tok")
    featurizer = make_component(CountVectorsFeaturizer, "cvf")
    data = tokenizer.process_training_data(RasaYAMLReader().reads(DATA))
    featurizer.train(data)
    featurizer.process_training_data(data)
    make_component(TfidfLogisticRegressionClassifier, "clf").train(data)

    classifier = load_component(TfidfLogisticRegressionClassifier, "clf")
    message = Message({"text": "how much is the price"})
    featurizer.process(tokenizer.process([message]))
    classifier.process([message])
    assert message.get("intent")["name"] == "ask_cost"
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_cost", "ask_recovery"]


def test_message_without_features_gets_a_low_confidence_not_an_error(make_component):
    tokenizer = make_component(MultilingualTokenizer, "tok")
    featurizer = make_component(CountVectorsFeaturizer, "cvf")
    data = tokenizer.process_training_data(RasaYAMLReader().reads(DATA))
    featurizer.train(data)
    featurizer.process_training_data(data)
    classifier = make_component(TfidfLogisticRegressionClassifier, "clf")
    classifier.train(data)

    messages = [Message({"text": "👍"}), Message({"text": "how much is it"})]
    featurizer.process(tokenizer.process(messages))
    classifier.process(messages)
    assert messages[0].get("intent")["confidence"] < 0.6
    assert messages[1].get("intent")["name"] == "ask_cost"


def test_the_loaded_classifier_keeps_its_weights_column_major_and_answers_the_same(make_component, load_component):
    tokenizer = make_component(MultilingualTokenizer, "tok")
    featurizer = make_component(CountVectorsFeaturizer, "cvf")
    data = tokenizer.process_training_data(RasaYAMLReader().reads(DATA + """- intent: greet
  examples: |
    - hello there
    - good morning
"""))
    featurizer.train(data)
    featurizer.process_training_data(data)
    trained = make_component(TfidfLogisticRegressionClassifier, "clf3")
    trained.train(data)
    loaded = load_component(TfidfLogisticRegressionClassifier, "clf3")
    assert loaded.clf[-1].coef_.shape[0] == 3 and loaded.clf[-1].coef_.flags.f_contiguous
    texts = ["how much is the price", "good morning, when can I go home", "👍"]
    rankings = []
    for classifier in (trained, loaded):
        messages = featurizer.process(tokenizer.process([Message({"text": text}) for text in texts]))
        classifier.process(messages)
        rankings.append([[(r["name"], round(r["confidence"], 12)) for r in m.get("intent_ranking")] for m in messages])
    assert rankings[0] == rankings[1]
