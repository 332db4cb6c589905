from collections import Counter


def pytest_terminal_summary(terminalreporter):
    """The fuzz run's figures: tests, requests and the status codes they got."""
    from .test_fuzz_api import ANSWERS

    if not ANSWERS:
        return
    codes, tests = Counter(), {(operation, role) for operation, role, _code in ANSWERS}
    for (_operation, _role, code), n in ANSWERS.items():
        codes[code] += n
    terminalreporter.write_line(
        f"fuzz: {len(tests)} operation × role tests, {sum(codes.values())} requests, "
        f"status codes {dict(sorted(codes.items()))}"
    )
