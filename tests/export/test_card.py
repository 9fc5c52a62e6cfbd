"""The model card's dataset list: what a run read, however its config names the QA data."""

from fa_nlp.export.card import training_specs


def test_a_build_folder_and_its_prepared_folder_give_the_same_datasets(qa_build, qa_prepared):
    via_prepared = training_specs(qa_prepared.parent, {"data": {"prepared": str(qa_prepared)}})
    via_build = training_specs(qa_build, {"data": {"prepared": str(qa_build)}})
    assert via_prepared and any(s.endswith("qa.json") for s in via_prepared)
    assert via_build == via_prepared
