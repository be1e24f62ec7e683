"""The werkoverleg commands, run as real processes: kennisbank rule, teams, agenda build."""

from datetime import timedelta

import pytest

from app import clock
from app.meetings import calendar
from app.web.templating import nl_day
from tests.conftest import BACKENDS, new_database
from tests.test_cli import CONTENT, kennisbank, ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_rule_teams_and_a_manual_agenda_build(backend, tmp_path):
    engine, url, cleanup = new_database(backend)
    try:
        ok(kennisbank(url, "migrate"))
        ok(kennisbank(url, "import", str(CONTENT), data_dir=tmp_path))
        ok(kennisbank(url, "team", "add", "noord", "--name", "Team Noord"))
        out = ok(kennisbank(url, "rule", "noord", "--day", "dinsdag", "--week", "tweede", "--time", "10:00",
                            "--place", "Kamer 1"))
        assert out.strip() == "Vaste tijd: tweede dinsdag van de maand, 10:00."
        refused = kennisbank(url, "rule", "noord", "--day", "zondag", "--week", "tweede", "--time", "10:00")
        assert refused.returncode == 1 and "--day: kies uit maandag" in refused.stderr

        today = clock.today()
        following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        month = f"{following:%Y-%m}"
        meeting_day = calendar.next_working_day(calendar.nth_weekday(following.year, following.month, 1, 2))
        first = ok(kennisbank(url, "agenda", "build", "--team", "noord", "--month", month))
        # Every starter item was published today: all of them are new for the first agenda.
        assert first.strip() == f"{nl_day(meeting_day)}  Team Noord: samengesteld (50 punten)"
        again = ok(kennisbank(url, "agenda", "build", "--team", "noord", "--month", month))
        assert again.strip().endswith("Team Noord: bestond al (50 punten)")
        wrong = kennisbank(url, "agenda", "build", "--month", "2026-13")
        assert wrong.returncode == 1 and "JJJJ-MM" in wrong.stderr
        unknown = kennisbank(url, "agenda", "build", "--team", "nergens")
        assert unknown.returncode == 1 and "bestaat niet" in unknown.stderr

        teams = ok(kennisbank(url, "teams"))
        assert "noord" in teams and "tweede dinsdag van de maand, 10:00; volgende: " in teams
        assert "vakoverleg" in teams and "geen vaste tijd" in teams
    finally:
        cleanup()  # type: ignore[operator]
