"""The demo seeder: lesson plans in every state, through the services, chain intact."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app.extensions import db


def test_seed_records_on_the_demo_school(app) -> None:
    from app.audit import services as audit
    from app.records.demo import seed_records
    from app.records.models import Record
    from app.school.demo import seed_school

    with app.app_context():
        rng = random.Random(2024)
        demo = seed_school(rng)
        db.session.commit()
        seed_records(demo, rng)
        db.session.commit()
        states = dict(db.session.execute(select(Record.state, func.count()).group_by(Record.state)).all())
        assert set(states) == {"draft", "submitted", "returned", "approved"}
        gv = demo.users["gv.toan"]
        mine = db.session.scalars(select(Record).where(Record.author_id == gv.id)).all()
        assert {r.state for r in mine} >= {"draft", "returned", "approved"}
        assert any(r.comments for r in mine)
        assert audit.verify().ok
