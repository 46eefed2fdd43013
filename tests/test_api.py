"""The public surface: what ``qualcode`` exports, and that every name resolves."""

import qualcode


def test_all_is_sorted_and_resolves():
    assert qualcode.__all__ == sorted(qualcode.__all__)
    for name in qualcode.__all__:
        assert getattr(qualcode, name) is not None, name


def test_unknown_name_raises_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        qualcode.no_such_thing  # noqa: B018
