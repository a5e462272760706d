"""Demo mentors: twelve mentors in Shenzhen, Shanghai, Dalian, Guangzhou, Ürümqi, Kashgar
and Tashkent with weekly availability, and past and upcoming bookings (idempotent)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..db import utcnow
from ..extensions import db

# email, display name, organisation key, city zh/en, zone, languages, sectors, modes, headline zh/en
DEMO_MENTORS = (
    ("mentor01@collab.demo", "李明", "shenzhen-offshore", "深圳", "Shenzhen", "Asia/Shanghai", "zh en",
     ["next_gen_it", "ecommerce_logistics"], "online", "硬件创业与供应链，十五年经验",
     "Hardware start-ups and supply chains, 15 years"),
    ("mentor02@collab.demo", "陈静", "shanghai-offshore", "上海", "Shanghai", "Asia/Shanghai", "zh en",
     ["biomedicine"], "both", "生物医药注册与临床转化", "Drug registration and clinical translation"),
    ("mentor03@collab.demo", "王磊", "dalian-offshore", "大连", "Dalian", "Asia/Shanghai", "zh ru",
     ["advanced_equipment", "new_materials"], "online", "装备制造出口俄语区", "Exporting equipment to Russian-speaking markets"),
    ("mentor04@collab.demo", "赵敏", "weplus-guangzhou", "广州", "Guangzhou", "Asia/Shanghai", "zh en",
     ["textiles_apparel", "ecommerce_logistics"], "online", "服装品牌与跨境电商", "Apparel brands and cross-border e-commerce"),
    ("mentor05@collab.demo", "阿依努尔·吐尔逊", "urumqi-hitech", "乌鲁木齐", "Ürümqi", "Asia/Urumqi", "zh ug ru",
     ["modern_agriculture", "culture_tourism"], "both", "特色农产品品牌与文旅", "Speciality farm brands and cultural tourism"),
    ("mentor06@collab.demo", "马俊", "xju-it-park", "乌鲁木齐", "Ürümqi", "Asia/Urumqi", "zh en",
     ["next_gen_it"], "online", "软件工程与技术团队建设", "Software engineering and building tech teams"),
    ("mentor07@collab.demo", "阿不都拉·买买提", "kashgar-edz", "喀什", "Kashgar", "Asia/Urumqi", "zh ug uz",
     ["ecommerce_logistics", "modern_agriculture"], "in_person", "口岸物流与中亚贸易",
     "Border logistics and Central Asian trade"),
    ("mentor08@collab.demo", "张慧", "changjiang-kashgar-fund", "喀什", "Kashgar", "Asia/Urumqi", "zh en",
     ["modern_services", "new_energy"], "online", "早期投资与融资路演", "Early-stage investment and pitching"),
    ("mentor@collab.demo", "Dilnoza Karimova", "tashkent-offshore", "塔什干", "Tashkent", "Asia/Tashkent", "ru uz en",
     ["ecommerce_logistics", "textiles_apparel"], "online", "乌兹别克斯坦市场准入", "Market entry in Uzbekistan"),
    ("mentor10@collab.demo", "Bakhodir Yusupov", "tashkent-offshore", "塔什干", "Tashkent", "Asia/Tashkent",
     "ru uz en zh", ["new_energy", "building_materials"], "both", "中亚光伏与建材项目",
     "Solar and building materials in Central Asia"),
    ("mentor11@collab.demo", "刘洋", "shenzhen-offshore", "深圳", "Shenzhen", "Asia/Shanghai", "zh en",
     ["new_energy", "energy_saving_env"], "online", "储能与节能环保技术", "Energy storage and clean technology"),
    ("mentor12@collab.demo", "孙伟", "shanghai-offshore", "上海", "Shanghai", "Asia/Shanghai", "zh en",
     ["modern_services"], "online", "企业服务与商业模式", "Business services and business models"),
)

# Weekly windows in each mentor's own zone (weekday, start, end), by position.
WINDOW_SETS = (
    [(0, "10:00", "12:00"), (2, "10:00", "12:00"), (4, "15:00", "17:00")],
    [(1, "14:00", "17:00"), (3, "14:00", "17:00")],
    [(0, "09:00", "11:00"), (1, "09:00", "11:00"), (3, "19:00", "21:00")],
    [(2, "13:00", "16:00"), (5, "10:00", "12:00")],
)


def _windows(position: int) -> list[dict]:
    return [{"weekday": d, "start": s, "end": e} for d, s, e in WINDOW_SETS[position % len(WINDOW_SETS)]]


def load_mentor_demo(password: str | None = None) -> dict[str, int]:
    """Upsert the demo mentors, their availability, and a few bookings; twice changes nothing."""
    from ..auth.models import User
    from ..auth.services import create_user
    from ..demo import DEMO_PASSWORD
    from ..orgs.models import Organisation
    from . import services

    password = password or DEMO_PASSWORD
    orgs = {o.key: o for o in db.session.scalars(select(Organisation))}
    created = 0
    profiles = []
    for position, (email, name, org_key, city_zh, city_en, tz, languages, sectors, modes, head_zh,
                   head_en) in enumerate(DEMO_MENTORS):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email=email, password=password, role="mentor", display_name=name,
                               locale="zh" if "zh" in languages.split()[:1] else "en", timezone=tz,
                               organisation=orgs.get(org_key))
        user.add_role("mentor")
        profile = services.ensure_profile(user)
        if not profile.windows and not profile.headline_en:  # not set up yet
            org = orgs.get(org_key)
            services.update_profile(
                profile, user, sectors=sectors, languages=languages.split(),
                headline_zh=head_zh, headline_en=head_en, city_zh=city_zh, city_en=city_en, timezone=tz,
                organisation_id=org.id if org else None,
                bio_zh=f"{name}，{head_zh}。欢迎预约交流。",
                bio_en=f"{head_en}. Happy to talk with founders in Xinjiang and offshore teams.",
                offers_online=modes in ("online", "both"), offers_in_person=modes in ("in_person", "both"),
                meeting_link="https://meet.collab.local/" + email.split("@")[0] if modes != "in_person" else None,
                base_id=org.id if org and modes != "online" else None,
                auto_confirm=position == len(DEMO_MENTORS) - 1, is_active=True)
            services.set_availability(profile, user, timezone=tz, weekly=_windows(position),
                                      session_minutes=60, buffer_minutes=15, min_notice_hours=12,
                                      horizon_days=45, monthly_cap=4)
            created += 1
        profiles.append(services.profile_of(user))
    db.session.flush()
    bookings = _demo_bookings(profiles)
    return {"mentors_created": created, "bookings_created": bookings}


def _demo_bookings(profiles) -> int:
    """A few past (completed, rated) and upcoming (confirmed, requested) sessions per mentor."""
    from ..auth.models import User
    from .models import Booking
    from .services import rules_for
    from .slots import candidate_slots, zone

    if db.session.scalar(select(func.count(Booking.id))):
        return 0
    bookers = list(db.session.scalars(select(User).where(User.email.in_(
        ("enterprise@collab.demo", "center@collab.demo", "admin@collab.demo"))).order_by(User.id)))
    if not bookers:
        return 0
    now = utcnow()
    topics = ("Market entry and first customers", "Fund-raising: preparing the pitch", "Landing the project in Kashgar",
              "Export logistics to Central Asia", "Hiring the first engineers")
    made = 0
    for index, profile in enumerate(profiles[:8]):
        rules = rules_for(profile)
        today = now.astimezone(zone(profile.timezone)).date()
        past = [s for d in range(1, 21) for s in candidate_slots(rules, today - timedelta(days=d))][:2]
        future = [s for d in range(2, 21) for s in candidate_slots(rules, today + timedelta(days=d))][:2]
        language = profile.language_list[0]
        for n, slot in enumerate(past):
            booker = bookers[(index + n) % len(bookers)]
            db.session.add(Booking(mentor=profile, booker=booker, start_at=slot.start, end_at=slot.end,
                                   status="completed", topic=topics[(index + n) % len(topics)], language=language,
                                   mode=profile.modes[0], timezone=profile.timezone, confirmed_at=slot.start
                                   - timedelta(days=3), closed_at=slot.end, rating=5 - (index + n) % 2,
                                   feedback="Clear, practical advice." if n == 0 else None, feedback_at=slot.end,
                                   reminded_24h_at=slot.start - timedelta(hours=24),
                                   reminded_1h_at=slot.start - timedelta(hours=1)))
            made += 1
        for n, slot in enumerate(future):
            booker = bookers[(index + n + 1) % len(bookers)]
            confirmed = n == 0
            db.session.add(Booking(mentor=profile, booker=booker, start_at=slot.start, end_at=slot.end,
                                   status="confirmed" if confirmed else "requested",
                                   topic=topics[(index + n + 2) % len(topics)], language=language,
                                   mode=profile.modes[0], timezone=profile.timezone,
                                   confirmed_at=now if confirmed else None))
            made += 1
    db.session.flush()
    return made
