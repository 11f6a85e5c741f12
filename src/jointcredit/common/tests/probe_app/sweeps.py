AFTER = ("lists", "nonexistent")  # an app that is not installed is ignored

RUNS: list = []


def run(*, now, stdout) -> dict[str, int]:
    RUNS.append(now)
    return {"探针": len(RUNS)}
