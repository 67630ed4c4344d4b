from bot.nlu.text_folding import fold, fold_with_offsets, has_latin_accents


def test_case_width_accents_and_arabic_variants_fold_together():
    assert fold("Cáncer de MAMA") == fold("cancer de mama")
    assert fold("ＩＯＲＴ") == "iort"
    assert fold("ung thư vú") == fold("ung thu vu")
    assert fold("Đà Nẵng") == "da nang"
    assert fold("أورام") == fold("اورام")
    assert fold("الجمجمة") == fold("الجمجمه")


def test_offsets_point_back_into_the_original_text():
    text = "Ｉ have cáncer"
    folded, offsets = fold_with_offsets(text)
    start = folded.index("cancer")
    assert text[offsets[start]:offsets[start + len("cancer") - 1] + 1] == "cáncer"


def test_latin_accents_can_be_kept_while_other_marks_go():
    assert fold("Trạng Thái", keep_latin_accents=True) == "trạng thái"
    assert fold("ёжик й", keep_latin_accents=True) == "ежик и"
    assert has_latin_accents("cáncer") and has_latin_accents("đau") and not has_latin_accents("рак груди")
