"""The audience rule, written once in ingest.models and called by the reader, the stores, the chain and the web."""
import pytest

from ingest.models import public_only, visible


@pytest.mark.parametrize(("item", "audience", "shown"), [
    ("public", "public", True),
    ("internal", "public", False),
    ("public", "internal", True),
    ("internal", "internal", True),
    ("internal", None, True),  # no audience: maintenance and benchmarks see the whole index
    ("internal", "visitor", False),  # an audience nobody defined is the public, never more
])
def test_the_public_see_public_items_only(item, audience, shown):
    assert visible(item, audience) is shown


def test_only_the_public_need_a_filter():
    assert public_only("public") and public_only("someone") and not public_only("internal") and not public_only(None)
