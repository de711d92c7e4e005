import pytest

from market.domain.codes import (credit_code_check_char, normalise_credit_code, normalise_patent_number,
                                 patent_check_char, patent_kind)

REAL_CREDIT_CODES = [
    "12100000400000624D",   # 清华大学 (public institution, 12...)
    "914403001922038216",   # 华为技术有限公司
    "9144030071526726XG",   # 深圳市腾讯计算机系统有限公司
    "91110000802100433B",   # 北京百度网讯科技有限公司
    "91330100799655058B",   # 浙江天猫网络有限公司
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_accepted(code):
    assert normalise_credit_code(code) == code


def test_credit_code_is_upper_cased_and_trimmed():
    assert normalise_credit_code(" 9144030071526726xg ") == "9144030071526726XG"


@pytest.mark.parametrize("code, reason", [
    ("914403001922038217", "校验位"),          # last character changed
    ("9144030071526726XA", "校验位"),
    ("91440300192203821", "18位"),             # 17 characters
    ("9144030019220382160", "18位"),
    ("91440300192203821I", "字符"),            # I is not in the GB 32100 alphabet
    ("9144O300192203821X", "字符"),            # letter O in the digits-only region code
    ("", "18位"),
])
def test_bad_credit_codes_are_rejected_with_a_reason(code, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_credit_code(code)


def test_credit_code_check_character_matches_the_standard_weights():
    # 31 - (sum mod 31), where a result of 31 is written 0
    body = "12100000400000624"
    total = sum("0123456789ABCDEFGHJKLMNPQRTUWXY".index(c) * w for c, w in
                zip(body, (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)))
    assert credit_code_check_char(body) == "0123456789ABCDEFGHJKLMNPQRTUWXY"[(31 - total % 31) % 31]


@pytest.mark.parametrize("raw, expected", [
    ("200410033212.6", "200410033212.6"),
    ("ZL200410033212.6", "200410033212.6"),
    ("ZL 200410033212.6", "200410033212.6"),
    ("zl200410033212.6", "200410033212.6"),
    ("2004100332126", "200410033212.6"),       # dot omitted
    ("98123456.9", "98123456.9"),              # legacy 8-digit number
])
def test_application_numbers_are_normalised(raw, expected):
    assert normalise_patent_number(raw) == expected


def test_lower_case_x_check_character_is_upper_cased():
    digits = next(f"2023101{n:05d}" for n in range(10_000) if patent_check_char(f"2023101{n:05d}") == "X")
    assert normalise_patent_number(f"{digits}.x") == f"{digits}.X"


@pytest.mark.parametrize("raw, reason", [
    ("200410033212.5", "校验位"),
    ("200410033212", "格式"),                   # 12 digits, no check character
    ("20041003321.6", "格式"),
    ("200440033212.6", "类型"),                 # type digit 4 does not exist
    ("178410033212.6", "年份"),
    ("", "格式"),
])
def test_bad_application_numbers_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_patent_number(raw)


def test_patent_type_digit_gives_the_ip_type():
    assert patent_kind("200410033212.6") == "发明专利"
    digits = "202320123456"
    assert patent_kind(f"{digits}.{patent_check_char(digits)}") == "实用新型"
