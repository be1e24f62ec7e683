import pytest
from pydantic import ValidationError

from app.accounts.models import Role
from app.accounts.oidc import Grant, grant_for_groups
from app.config import Settings

MAP = {
    "sg-kwaliteit": {"role": "kwaliteit"},
    "sg-team-noord": {"role": "medewerker", "team": "team-noord"},
    "sg-beheer": {"role": "beheerder"},
}


def test_one_group_gives_its_role_and_team():
    assert grant_for_groups(["sg-team-noord"], MAP) == Grant(Role.medewerker, "team-noord")


def test_highest_role_wins_and_keeps_a_team():
    assert grant_for_groups(["sg-team-noord", "sg-kwaliteit"], MAP) == Grant(Role.kwaliteit, "team-noord")
    assert grant_for_groups(["sg-beheer", "sg-kwaliteit", "x"], MAP).role == Role.beheerder


@pytest.mark.parametrize("groups", [[], ["andere-groep"], None, 42, [None]])
def test_no_mapped_group_gives_no_access(groups):
    assert grant_for_groups(groups, MAP) is None


def test_settings_read_the_map_from_json(monkeypatch):
    monkeypatch.setenv("KENNISBANK_OIDC_GROUP_MAP", '{"sg-kwaliteit": {"role": "kwaliteit"}}')
    settings = Settings()
    assert settings.oidc_group_map == {"sg-kwaliteit": {"role": "kwaliteit"}}
    assert not settings.oidc_enabled
    assert settings.oidc_leeway_seconds == 60
    assert Settings(oidc_issuer="https://idp.example", oidc_client_id="kb").oidc_enabled


def test_settings_refuse_an_unknown_role():
    with pytest.raises(ValidationError, match="OIDC_GROUP_MAP"):
        Settings(oidc_group_map={"sg-x": {"role": "koning"}})


def test_settings_refuse_no_way_to_log_in_and_plain_http_elsewhere():
    with pytest.raises(ValidationError, match="no way to log in"):
        Settings(local_login=False)
    assert not Settings(local_login=False, oidc_issuer="https://idp.example", oidc_client_id="kb").local_login
    with pytest.raises(ValidationError, match="https"):
        Settings(oidc_issuer="http://idp.example", oidc_client_id="kb")
    assert Settings(oidc_issuer="http://127.0.0.1:8080", oidc_client_id="kb").oidc_enabled
