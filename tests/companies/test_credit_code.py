import pytest
from django.core.exceptions import ValidationError

from companies.credit_code import check_character, is_valid_credit_code, validate_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])  # published codes of enterprises
def test_real_codes_pass(code):
    assert is_valid_credit_code(code)
    validate_credit_code(code)


def test_check_character_completes_a_code():
    assert check_character("91330800MA0000001") == "K"
    assert is_valid_credit_code("91330800MA0000001K")


@pytest.mark.parametrize(
    "bad",
    ["", "91350100M000100Y44", "91350100M000100Y4", "91350100m000100y43", "9135010OM000100Y43", "91350100M000100Y4I"],
)
def test_wrong_length_characters_or_check_digit_are_refused(bad):
    with pytest.raises(ValidationError):
        validate_credit_code(bad)
