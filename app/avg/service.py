"""People's own data under the AVG: what the kennisbank keeps about a person (their download).
Removing a departed person's personal data is app/avg/erasure.py.

"""

from typing import Any

from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import ROLE_LABELS, User
from app.audit import service as audit
from app.audit.models import Action
from app.goals import records as goals_records
from app.inbox import decisions
from app.meetings import agenda
from app.meetings import attendance as attendance_service
from app.questions import service as questions_service
from app.usage import service as usage_service
from app.wiki import history

# Tables whose text is not scrubbed: the account itself (rewritten field by field) and the login
# attempts (removed).
NOT_SCRUBBED = {"user", "login_attempt", "alembic_version"}
PLACEHOLDER_DOMAIN = "anoniem.invalid"  # .invalid never resolves (RFC 2606): no mail goes out


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def own_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the kennisbank keeps about this person, as plain JSON values. Of sessions
    and tokens only what they are, never their hashes."""
    team = accounts_service.get_team(session, user.team_id) if user.team_id else None
    return {
        "account": {
            "id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "role_label": ROLE_LABELS.get(user.role, user.role),  # type: ignore[call-overload]
            "team": team.name if team else None, "function": user.function,
            "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
        },
        "web_sessions": [{"created_at": _iso(s.created_at), "expires_at": _iso(s.expires_at), "method": s.method}
                         for s in accounts_service.web_sessions(session, user)],
        "api_tokens": [{"name": t.name, "prefix": t.prefix, "created_at": _iso(t.created_at),
                        "last_used_at": _iso(t.last_used_at), "revoked_at": _iso(t.revoked_at)}
                       for t in accounts_service.all_api_tokens(session, user)],
        "attendance": [{"meeting_id": p.meeting.id, "kind": p.meeting.kind, "team": p.team.name if p.team else None,
                        "starts_at": _iso(p.meeting.starts_at), "present": p.present, "active": p.active}
                       for p in attendance_service.participation(session, user)],
        "questions_asked": [_question(q) for q in questions_service.mine(session, user, limit=100_000)],
        "questions_handled": [_question(q, with_role=user) for q in questions_service.handled_by(session, user)],
        "appraisals": [{"held_on": _iso(a.held_on), "discussed": a.discussed, "recorded_at": _iso(a.created_at)}
                       for a in goals_records.appraisals_of(session, user)],
        "usage_days": [{"day": _iso(d.day), "kind": d.kind} for d in usage_service.days_used(session, user)],
        "item_versions_written": [{"item": i.slug, "title": r.title, "version": r.number, "at": _iso(r.created_at),
                                   "note": r.note} for r, i in history.written_by(session, user.id)],  # type: ignore[arg-type]
        "items_checked": [{"item": i.slug, "title": i.title, "at": _iso(c.checked_at), "note": c.note}
                          for c, i in history.checked_by(session, user.id)],  # type: ignore[arg-type]
        "agenda_changes": [{"meeting_id": m.id, "starts_at": _iso(m.starts_at), "action": e.action, "at": _iso(e.at),
                            "reason": e.reason} for e, m in agenda.events_by(session, user.id)],  # type: ignore[arg-type]
        "inbox_steps": [{"entry": entry.title, "step": step.step, "at": _iso(step.at), "note": step.note}
                        for step, entry in decisions.steps_by(session, user.id)],  # type: ignore[arg-type]
        # Of the appraisals a leidinggevende recorded: only that they did and when, not whose.
        "appraisals_recorded": [{"held_on": _iso(a.held_on), "recorded_at": _iso(a.created_at)}
                                for a in goals_records.appraisals_by(session, user)],
        "audit_events": [{"at": _iso(e.at), "action": e.action, "label": audit.label(e.action),
                          "summary": e.summary, "address": e.address}
                         for e in audit.of_actor(session, user.id)],  # type: ignore[arg-type]
        # What the log says about the account that the person did not do themself (a failed
        # login on it, a role given by the beheerder, a link sent).
        "audit_events_about_you": [{"at": _iso(e.at), "action": e.action, "label": audit.label(e.action),
                                    "summary": e.summary, "address": e.address}
                                   for e in audit.about(session, "user", user.id) if e.actor_id != user.id],
    }


def _question(q, with_role: User | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    out = {"id": q.id, "asked_at": _iso(q.asked_at), "channel": q.channel, "text": q.text,
           "answer": q.answer, "answered_at": _iso(q.answered_at)}
    if with_role is not None:
        out["you"] = "beantwoord" if q.answered_by_id == with_role.id else "vastgelegd"
    return out


def downloaded(session: Session, user: User, how: str) -> None:
    audit.record(session, Action.data_downloaded, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary=f"Eigen gegevens bekeken of gedownload ({how})", detail={"format": how})


