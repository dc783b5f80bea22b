import pytest

from stiltgrid.metrics.classification import accuracy


def test_accuracy_percent():
    # positions 0 and 1 agree, 2 and 3 do not: 2 / 4 = 50 %
    assert accuracy(["a", "b", "c", "a"], ["a", "b", "b", "b"]) == pytest.approx(50.0)


def test_accuracy_exact_comparison():
    # labels are compared as they are: "A" != "a" -> 1 / 3 correct = 33.33 %
    assert accuracy(["A", "b", "c"], ["a", "b", "x"]) == pytest.approx(100 / 3)


def test_accuracy_all_and_none():
    assert accuracy([1, 2, 3], [1, 2, 3]) == 100.0
    assert accuracy([0, 0], [1, 1]) == 0.0


def test_accuracy_errors():
    with pytest.raises(ValueError, match="2 predictions for 3 references"):
        accuracy(["a", "b"], ["a", "b", "c"])
    with pytest.raises(ValueError, match="no examples"):
        accuracy([], [])
