"""Norm files: the shipped ones load, and a broken one is refused naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from salur.errors import InputError
from salur.norms.loader import NORMS_DIR, available, load_norm


def test_shipped_norms_load() -> None:
    """Pemilu 2024 has five ballot types and Pilkada 2024 allows 600 voters per TPS."""
    assert {"pemilu-2024", "pilkada-2024"} <= set(available())
    pemilu = load_norm("pemilu-2024").norm
    assert [b.code for b in pemilu.ballot_types] == ["ppwp", "dpr", "dpd", "dprd_prov", "dprd_kab"]
    assert str(pemilu.ballots.reserve_percent) == "2"
    assert pemilu.ballots.psu_reserve == 1000
    pilkada = load_norm("pilkada-2024").norm
    assert pilkada.max_voters_per_tps == 600
    assert str(pilkada.ballots.reserve_percent) == "2.5"


BROKEN = {
    "negative quantity": ("per_tps = 5", "per_tps = -5", "items.0.per_tps"),
    "unknown district": (
        'district = "dpr_ri"',
        'district = "kecamatan"',
        "ballot_types.1.district",
    ),
    "missing field": ("max_voters_per_tps = 300\n", "", "max_voters_per_tps"),
    "unknown field": ('kind = "pemilu"', 'kind = "pemilu"\ncolor = "red"', "color"),
    "duplicate code": ('code = "bilik"', 'code = "kotak"', None),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_norm_file_is_refused_with_its_field(tmp_path: Path, case: str) -> None:
    """Each defect is reported with the file and, where it has one, the field."""
    old, new, field = BROKEN[case]
    text = (NORMS_DIR / "pemilu-2024.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_norm(str(path))
    assert caught.value.file == str(path)
    if field is not None:
        assert caught.value.field == field
    assert "broken.toml" in str(caught.value)


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    """Syntax errors name the file and the parser's reason."""
    path = tmp_path / "bad.toml"
    path.write_text("id = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.toml"):
        load_norm(str(path))


def test_an_unknown_norm_lists_the_shipped_ones() -> None:
    """Asking for a norm that does not exist says which ones do."""
    with pytest.raises(InputError, match="pemilu-2024"):
        load_norm("pemilu-1999")
