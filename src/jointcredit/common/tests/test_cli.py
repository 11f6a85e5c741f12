"""The `jointcredit` console script's translation to manage.py commands."""

from jointcredit.cli import _translate


def test_worker_polls_every_fifth_of_a_second_unless_told_otherwise():
    assert _translate(["worker"]) == ["worker", "--queue-name", "*", "--interval", "0.2"]
    assert _translate(["worker", "--interval", "2"]) == ["worker", "--queue-name", "*", "--interval", "2"]
    assert _translate(["worker", "--interval=2", "--batch"]) == [
        "worker",
        "--queue-name",
        "*",
        "--interval=2",
        "--batch",
    ]


def test_compound_commands_map_to_their_management_commands():
    assert _translate(["import", "penalties", "f.csv", "--department", "scjgj"]) == [
        "import_records",
        "penalties",
        "f.csv",
        "--department",
        "scjgj",
    ]
    assert _translate(["migrate"]) == ["migrate"]
