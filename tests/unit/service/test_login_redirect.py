"""After signing in with the HTML form, `next` may only lead to a page of this site."""

from __future__ import annotations

import pytest

from salur.service.routes.auth import _local_path


@pytest.mark.parametrize("target", ["/dashboard/14", "/web/sign-in?next=%2Ffield%2F", "/public"])
def test_a_local_page_is_followed(target: str) -> None:
    assert _local_path(target)


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "/\\/evil.example", "/\tevil", "/x\nhost", "https://x"],
)
def test_anything_that_can_reach_another_host_is_refused(target: str) -> None:
    assert not _local_path(target)
