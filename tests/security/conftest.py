import sys
from collections import Counter


def pytest_terminal_summary(terminalreporter):
    """The fuzz run's figures: tests, requests and the status codes they got (when it ran)."""
    fuzz = sys.modules.get("tests.security.test_fuzz_api")
    if fuzz is None or not fuzz.ANSWERS:
        return
    codes, tests = Counter(), {(operation, role) for operation, role, _code in fuzz.ANSWERS}
    for (_operation, _role, code), n in fuzz.ANSWERS.items():
        codes[code] += n
    terminalreporter.write_line(
        f"fuzz: {len(tests)} operation × role tests, {sum(codes.values())} requests, "
        f"status codes {dict(sorted(codes.items()))}"
    )
