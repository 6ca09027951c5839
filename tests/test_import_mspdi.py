"""MS Project XML (MSPDI) import: tasks, summaries, links and lags, calendars,
constraints, progress, costs, safe XML parsing, and fidelity on the shared files; MPP
files fail with a message naming the optional extra and Java when MPXJ is absent.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from pmo_sim import Calendar, schedule
from pmo_sim.io.importers import read_schedule
from pmo_sim.io.importers.fidelity import compare_with_file
from pmo_sim.io.importers.mspdi import parse_duration_hours, read_mspdi
from pmo_sim.model.errors import ScenarioError

SCHEDULES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "schedules"
MSPDI_FILES = sorted((SCHEDULES / "mspdi").glob("*.xml")) if SCHEDULES.is_dir() else []
MPP_FILES = sorted((SCHEDULES / "mpp").glob("*.mpp")) if SCHEDULES.is_dir() else []
HAVE_MPXJ = importlib.util.find_spec("mpxj") is not None and importlib.util.find_spec("jpype")

STANDARD = """
    <Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
      <WeekDays>
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        {weekdays}
        <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
      </WeekDays>
      {exceptions}
    </Calendar>"""
WORKDAY = """<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking><WorkingTimes>
  <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
  <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
</WorkingTimes></WeekDay>"""


#: The working periods MS Project's default day has (08:00-12:00, 13:00-17:00): imported
#: calendars keep them, so times of day fall within their days.
OFFICE_HOURS = ((8.0, 12.0), (13.0, 17.0))


def t(uid, name=None, hours=8, level=1, links=(), **fields):
    """A <Task> element; links are (predecessor UID, type, lag in tenths of a minute,
    lag format)."""
    body = [
        f"<UID>{uid}</UID>",
        f"<Name>{name or 'Task ' + str(uid)}</Name>",
        f"<OutlineLevel>{level}</OutlineLevel>",
        f"<Duration>PT{hours}H0M0S</Duration>",
    ]
    body += [f"<{k}>{v}</{k}>" for k, v in fields.items()]
    for link in links:
        pred, kind, lag, fmt = link
        body.append(
            f"<PredecessorLink><PredecessorUID>{pred}</PredecessorUID><Type>{kind}</Type>"
            f"<LinkLag>{lag}</LinkLag><LagFormat>{fmt}</LagFormat></PredecessorLink>"
        )
    return "<Task>" + "".join(body) + "</Task>"


def mspdi(tasks, exceptions="", head="", status_date=None):
    weekdays = "".join(WORKDAY.format(d=d) for d in range(2, 7))
    status = f"<StatusDate>{status_date}</StatusDate>" if status_date else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>Demo</Name><StartDate>2027-01-04T08:00:00</StartDate>{status}
  <CalendarUID>1</CalendarUID><CurrencyCode>EUR</CurrencyCode>{head}
  <Calendars>{STANDARD.format(weekdays=weekdays, exceptions=exceptions)}</Calendars>
  <Tasks>{"".join(tasks)}</Tasks>
</Project>"""


@pytest.fixture
def write_xml(tmp_path):
    def write(text: str, name: str = "plan.xml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_iso_durations():
    """MSPDI durations are ISO 8601 periods in hours, minutes and seconds."""
    assert parse_duration_hours("PT16H0M0S") == 16.0
    assert parse_duration_hours("PT7H30M0S") == 7.5
    assert parse_duration_hours("P1DT2H") == 26.0
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration_hours("16h")


def test_tasks_summaries_and_milestones(write_xml):
    """Summary tasks are skipped (by flag or by outline), milestones kept, UIDs are ids."""
    tasks = [
        t(0, "Project", 24, level=0, Summary=1),
        t(1, "Phase", 24, level=1),  # a summary by outline only, as ProjectLibre writes
        t(2, "Dig", 16, level=2),
        t(3, "Pour", 8, level=2, links=[(2, 1, 0, 7)]),
        t(4, "Done", 0, level=1, links=[(3, 1, 0, 7)], Milestone=1),
    ]
    imp = read_mspdi(write_xml(mspdi(tasks)))
    s = imp.scenario
    assert s.task_ids == ("2", "3", "4")
    assert s.task("2").duration.deterministic == 2.0
    assert s.task("4").milestone
    assert schedule(s).finish == 3.0
    assert s.project.currency == "EUR"


@pytest.mark.parametrize(("code", "kind"), [(0, "FF"), (1, "FS"), (2, "SF"), (3, "SS")])
def test_link_types(write_xml, code, kind):
    """PredecessorLink Type 0..3 is FF, FS, SF, SS."""
    imp = read_mspdi(write_xml(mspdi([t(1), t(2, links=[(1, code, 0, 7)])])))
    assert imp.scenario.task("2").predecessors[0].type == kind


def test_lags(write_xml):
    """LinkLag is tenths of a minute: 9600 is two 8-hour days; a percentage lag is a share
    of the predecessor's duration; an elapsed lag is scaled by the working share."""
    tasks = [
        t(1, hours=40),
        t(2, links=[(1, 1, 9600, 7)]),
        t(3, links=[(1, 1, -4800, 5)]),
        t(4, links=[(1, 3, 50, 19)]),
        t(5, links=[(1, 1, 7 * 24 * 600, 8)]),
    ]
    imp = read_mspdi(write_xml(mspdi(tasks)))
    lag = {tid: imp.scenario.task(tid).predecessors[0].lag for tid in ("2", "3", "4", "5")}
    assert lag == {"2": 2.0, "3": -1.0, "4": 2.5, "5": 5.0}
    assert any("elapsed" in str(w) for w in imp.warnings)


def test_links_to_summaries_apply_to_their_tasks(write_xml):
    """A link from a summary task links every task under it."""
    tasks = [
        t(1, "Phase", 16, level=1, Summary=1),
        t(2, "a", 8, level=2),
        t(3, "b", 16, level=2),
        t(4, "after", 8, level=1, links=[(1, 1, 0, 7)]),
    ]
    imp = read_mspdi(write_xml(mspdi(tasks)))
    assert {k.predecessor for k in imp.scenario.task("4").predecessors} == {"2", "3"}
    assert schedule(imp.scenario).finish == 3.0


def test_exceptions_become_holidays(write_xml):
    """A non-working exception on a weekday is a holiday of the project calendar."""
    exc = """<Exceptions><Exception><TimePeriod><FromDate>2027-01-05T00:00:00</FromDate>
      <ToDate>2027-01-06T23:59:00</ToDate></TimePeriod><DayWorking>0</DayWorking>
      </Exception></Exceptions>"""
    imp = read_mspdi(write_xml(mspdi([t(1, hours=16)], exceptions=exc)))
    assert imp.scenario.project.calendar.holidays == (dt.date(2027, 1, 5), dt.date(2027, 1, 6))
    assert str(schedule(imp.scenario).finish_date) == "2027-01-07"


@pytest.mark.parametrize("time", ["xx", "noon", "1e308", "2027-01-04T08:00:00", "25:00:00"])
def test_unreadable_working_times_name_the_calendar(write_xml, time):
    text = mspdi([t(1)]).replace("<FromTime>08:00:00</FromTime>", f"<FromTime>{time}</FromTime>", 1)
    with pytest.raises(ScenarioError) as err:
        read_mspdi(write_xml(text))
    assert "Calendars/Calendar UID 1: calendar 'Standard'" in str(err.value)
    assert "'FromTime/ToTime' must be a time like 08:00:00" in str(err.value)


@pytest.mark.parametrize(
    ("date", "rule"),
    [("garbage", "a date like"), ("9999-12-31T00:00:00", "a date between 1900-01-01 and 2199")],
)
def test_unreadable_exception_dates_name_the_calendar(write_xml, date, rule):
    exc = f"""<Exceptions><Exception><TimePeriod><FromDate>{date}</FromDate>
      </TimePeriod><DayWorking>0</DayWorking></Exception></Exceptions>"""
    with pytest.raises(ScenarioError) as err:
        read_mspdi(write_xml(mspdi([t(1)], exceptions=exc)))
    assert "Calendars/Calendar UID 1: calendar 'Standard': 'FromDate' must be " + rule in str(
        err.value
    )


@pytest.mark.parametrize(
    ("status", "fields", "where"),
    [
        ("9999-12-31T23:00:00", {}, "Project: 'StatusDate'"),
        (None, {"ConstraintType": 4, "ConstraintDate": "0001-01-01T08:00:00"}, "'ConstraintDate'"),
        (None, {"ActualStart": "9999-12-31T17:00:00"}, "'ActualStart'"),
    ],
)
def test_dates_outside_the_supported_range_are_refused(write_xml, status, fields, where):
    with pytest.raises(ScenarioError) as err:
        read_mspdi(write_xml(mspdi([t(1, **fields)], status_date=status)))
    assert f"{where} must be a date between 1900-01-01 and 2199-12-31" in str(err.value)


def test_unreadable_total_slack_is_named(write_xml):
    with pytest.raises(ScenarioError, match=r"UID 1\): 'TotalSlack' must be a number"):
        read_mspdi(write_xml(mspdi([t(1, TotalSlack="abc")])))


def test_an_unknown_xml_encoding_is_refused(write_xml):
    text = mspdi([t(1)]).replace('encoding="UTF-8"', 'encoding="bogus-codec"')
    with pytest.raises(ScenarioError, match="unknown encoding"):
        read_mspdi(write_xml(text))


def test_a_lag_beyond_any_schedule_is_refused_with_its_link(write_xml):
    text = mspdi([t(1), t(2, links=[(1, 1, "1e300", 7)])])
    with pytest.raises(ScenarioError, match=r"PredecessorLink\[1\]: 'lag' must be at most"):
        read_mspdi(write_xml(text))


def test_costs_that_overflow_are_refused(write_xml):
    with pytest.raises(ScenarioError, match=r"UID 1\): its costs \(Cost, FixedCost"):
        read_mspdi(write_xml(mspdi([t(1, hours=0.001, Cost="1e308")])))


def test_a_finish_constraint_on_a_duration_beyond_any_schedule_names_the_duration(write_xml):
    """Counting a 1,000,000-day duration back from its finish constraint left the date
    range; the duration itself is what the user is told about."""
    task = t(1, hours=8e6, ConstraintType=6, ConstraintDate="2027-06-01T17:00:00")
    with pytest.raises(ScenarioError, match="'duration' must be at most 100,000"):
        read_mspdi(write_xml(mspdi([task])))


def test_a_bad_base_calendar_is_reported_once(write_xml):
    """Calendars based on a broken one read it again; the problem is listed once."""
    derived = "".join(
        f"<Calendar><UID>{k}</UID><Name>Person {k}</Name><BaseCalendarUID>1</BaseCalendarUID>"
        "</Calendar>"
        for k in (2, 3)
    )
    text = mspdi([t(1)]).replace("</Calendars>", derived + "</Calendars>")
    text = text.replace("<FromTime>08:00:00</FromTime>", "<FromTime>xx</FromTime>", 1)
    with pytest.raises(ScenarioError) as err:
        read_mspdi(write_xml(text))
    assert str(err.value).count("'FromTime/ToTime' must be a time") == 1


def test_constraints(write_xml):
    """Start-no-earlier-than and finish-no-later-than are kept; with HonorConstraints
    (MS Project's default) no-later-than dates override the logic."""
    tasks = [
        t(1, ConstraintType=4, ConstraintDate="2027-01-11T08:00:00"),
        t(2, ConstraintType=7, ConstraintDate="2027-01-29T17:00:00"),
    ]
    imp = read_mspdi(write_xml(mspdi(tasks)))
    assert imp.scenario.task("1").start_no_earlier_than == dt.date(2027, 1, 11)
    assert imp.scenario.task("2").start_no_earlier_than is None
    assert imp.scenario.task("2").finish_no_later_than == dt.date(2027, 1, 29)
    assert not any("finish no later than" in str(w) for w in imp.warnings)
    assert imp.task("2").constraints[0][0] == "FNLT"
    assert imp.scenario.project.constraints_override_logic
    assert imp.scenario.project.alap_float == "total"


def _progress_tasks(**task2):
    """1 complete, 2 half done (16 h of 32 h left), 3 not started: 1 -> 2 -> 3."""
    fields2 = {
        "PercentComplete": 50,
        "ActualStart": "2027-01-06T08:00:00",
        "RemainingDuration": "PT16H0M0S",
        "Resume": "2027-01-11T08:00:00",
        "Start": "2027-01-06T08:00:00",
        "Finish": "2027-01-12T17:00:00",
    }
    fields2.update(task2)
    return [
        t(
            1,
            hours=16,
            PercentComplete=100,
            ActualStart="2027-01-04T08:00:00",
            ActualFinish="2027-01-05T17:00:00",
            RemainingDuration="PT0H0M0S",
        ),
        t(2, hours=32, links=[(1, 1, 0, 7)], **fields2),
        t(
            3,
            hours=8,
            links=[(2, 1, 0, 7)],
            Start="2027-01-13T08:00:00",
            Finish="2027-01-13T17:00:00",
        ),
    ]


def test_progress(write_xml):
    """With progress, the project keeps its start; the status date (at the end of Friday's
    hours: Monday morning) is the data date; tasks keep status and actual dates, and the
    task in progress works its remaining duration from the data date."""
    imp = read_mspdi(write_xml(mspdi(_progress_tasks(), status_date="2027-01-08T17:00:00")))
    s = imp.scenario
    assert imp.progressed
    assert (s.project.start, s.project.data_date) == (dt.date(2027, 1, 4), dt.date(2027, 1, 11))
    assert [x.status for x in s.tasks] == ["complete", "in progress", "not started"]
    assert [x.actual_start for x in s.tasks] == [dt.date(2027, 1, 4), dt.date(2027, 1, 6), None]
    assert s.task("1").actual_finish == dt.date(2027, 1, 5)
    assert [x.duration.deterministic for x in s.tasks] == [0.0, 2.0, 1.0]
    plan = schedule(s)
    # 2 works Mon 11 - Tue 12 (working days 5-6 from Mon 4 Jan), 3 Wed 13.
    assert (plan.early_start[1], plan.work_start[1]) == (2.0, 5.0)
    assert str(plan.finish_date) == "2027-01-13"
    # Task 2 is compared by its remaining work (Resume -> Finish).
    assert imp.task("2").early_start == dt.datetime(2027, 1, 11, 8)
    fid = compare_with_file(imp)
    assert (fid.compared, fid.matched) == (2, 2)


def test_progress_without_a_status_date(write_xml):
    """Progress without a status date uses the latest actual date (here task 2's resume
    date), with a warning."""
    imp = read_mspdi(write_xml(mspdi(_progress_tasks())))
    assert imp.scenario.project.data_date == dt.date(2027, 1, 11)
    assert any("no status date" in str(w) and "2027-01-11" in str(w) for w in imp.warnings)


def test_status_date_alone_is_not_progress(write_xml):
    """A status date on a plan without progress sets no data date (MS Project writes one
    on any save)."""
    imp = read_mspdi(write_xml(mspdi([t(1, hours=16)], status_date="2027-01-20T17:00:00")))
    assert not imp.progressed and imp.scenario.project.data_date is None
    assert str(schedule(imp.scenario).finish_date) == "2027-01-05"


def test_actual_start_before_the_project_start_moves_the_start(write_xml):
    """A task started before the project's start date moves the scenario's start back,
    with a warning."""
    tasks = _progress_tasks(ActualStart="2026-12-30T08:00:00")
    imp = read_mspdi(write_xml(mspdi(tasks, status_date="2027-01-08T17:00:00")))
    assert imp.scenario.project.start == dt.date(2026, 12, 30)
    assert any("before the project start 2027-01-04" in str(w) for w in imp.warnings)


SIX_DAYS = """
    <Calendar><UID>2</UID><Name>Six days</Name><IsBaseCalendar>1</IsBaseCalendar>
      <WeekDays>
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        {weekdays}
      </WeekDays>
    </Calendar>
    <Calendar><UID>3</UID><Name>Crew</Name><IsBaseCalendar>0</IsBaseCalendar>
      <BaseCalendarUID>1</BaseCalendarUID></Calendar>
    <Calendar><UID>5</UID><Name>Four days</Name><IsBaseCalendar>0</IsBaseCalendar>
      <BaseCalendarUID>1</BaseCalendarUID>
      <WeekDays><WeekDay><DayType>6</DayType><DayWorking>0</DayWorking></WeekDay></WeekDays>
    </Calendar>
    <Calendar><UID>4</UID><Name>Long days</Name><IsBaseCalendar>1</IsBaseCalendar>
      <WeekDays>
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        {long_days}
        <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
      </WeekDays>
    </Calendar>""".format(
    weekdays="".join(WORKDAY.format(d=d) for d in range(2, 8)),
    long_days="".join(
        f"<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime>"
        "<FromTime>07:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes>"
        "</WeekDay>"
        for d in range(2, 7)
    ),
)


def _with_calendars(tasks, assignments=""):
    """The plan of ``mspdi`` with more calendars, a resource on 'Crew', and assignments."""
    text = mspdi(tasks).replace("</Calendars>", SIX_DAYS + "</Calendars>")
    resources = (
        "<Resources><Resource><UID>1</UID><Name>Crew</Name><Type>1</Type>"
        "<CalendarUID>3</CalendarUID></Resource>"
        "<Resource><UID>2</UID><Name>Inspector</Name><Type>1</Type>"
        "<CalendarUID>5</CalendarUID></Resource></Resources>"
    )
    return text.replace(
        "</Project>", f"{resources}<Assignments>{assignments}</Assignments></Project>"
    )


def _assign(task_uid, resource=1):
    return (
        f"<Assignment><TaskUID>{task_uid}</TaskUID><ResourceUID>{resource}</ResourceUID>"
        "</Assignment>"
    )


def test_task_calendar_is_used(write_xml):
    """A task with a CalendarUID works on that calendar: 40 h on a Monday-to-Saturday
    week from Wed 6 Jan runs Wed, Thu, Fri, Sat and Mon 11 Jan."""
    tasks = [t(1, hours=16), t(2, hours=40, links=[(1, 1, 0, 7)], CalendarUID=2)]
    imp = read_mspdi(write_xml(_with_calendars(tasks)))
    s = imp.scenario
    assert s.project.calendars == (("Six days", Calendar("mon-sat", (), OFFICE_HOURS)),)
    assert [x.calendar for x in s.tasks] == ["", "Six days"]
    assert s.project.lag_calendar == "successor"
    assert str(schedule(s).finish_date) == "2027-01-11"
    assert not any("calendar" in str(w) for w in imp.warnings)


def test_resources_limit_a_task_calendar_to_their_days(write_xml):
    """A task on a six-day calendar whose resource works Monday to Friday works on the days
    both work, as MS Project schedules it (Wed 6 - Tue 12 Jan), and the reader says so;
    with IgnoreResourceCalendar it works on its own calendar."""
    tasks = [t(1, hours=16), t(2, hours=40, links=[(1, 1, 0, 7)], CalendarUID=2)]
    imp = read_mspdi(write_xml(_with_calendars(tasks, _assign(2))))
    s = imp.scenario
    assert s.task("2").calendar == "" and s.project.calendars == ()
    assert str(schedule(s).finish_date) == "2027-01-12"
    assert any("have resources whose calendars work fewer days" in str(w) for w in imp.warnings)
    tasks[1] = t(2, hours=40, links=[(1, 1, 0, 7)], CalendarUID=2, IgnoreResourceCalendar=1)
    ignored = read_mspdi(write_xml(_with_calendars(tasks, _assign(2)))).scenario
    assert ignored.task("2").calendar == "Six days"
    assert str(schedule(ignored).finish_date) == "2027-01-11"


def test_resource_calendar_is_used_without_a_task_calendar(write_xml):
    """A task without a task calendar works on its resource's calendar, as MS Project
    schedules it: 24 h for an inspector working Monday to Thursday, from Thu 7 Jan, runs
    Thu 7, Mon 11 and Tue 12 Jan."""
    tasks = [t(1, hours=24), t(2, hours=24, links=[(1, 1, 0, 7)])]
    s = read_mspdi(write_xml(_with_calendars(tasks, _assign(2, resource=2)))).scenario
    assert s.project.calendars == (("Four days", Calendar("mon-thu", (), OFFICE_HOURS)),)
    assert s.task("2").calendar == "Four days"
    assert str(schedule(s).finish_date) == "2027-01-12"


def test_lags_and_durations_use_the_successor_calendar_hours(write_xml):
    """Durations use the hours of the task's calendar, and a lag the hours of its
    successor's calendar (MS Project counts lags on the successor's calendar): 20 h is
    two 10 h days."""
    tasks = [
        t(1, hours=20),
        t(2, hours=20, links=[(1, 1, 20 * 600, 7)], CalendarUID=4),
        t(3, hours=8, links=[(2, 1, 20 * 600, 7)]),
    ]
    s = read_mspdi(write_xml(_with_calendars(tasks))).scenario
    assert [x.duration.deterministic for x in s.tasks] == [2.5, 2.0, 1.0]
    assert s.task("2").predecessors[0].lag == 2.0
    assert s.task("3").predecessors[0].lag == 2.5


def test_unknown_task_calendar_is_reported(write_xml):
    """A task naming a calendar UID that is not in <Calendars> uses the project calendar,
    with a warning naming it."""
    imp = read_mspdi(write_xml(mspdi([t(1), t(2, CalendarUID=77)])))
    assert imp.scenario.task("2").calendar == ""
    assert any(
        "1 tasks name a calendar (CalendarUID) that is not in <Calendars>" in str(w)
        and str(w).endswith(": 2")
        for w in imp.warnings
    )


def test_costs_are_in_hundredths(write_xml):
    """Cost and FixedCost are written in hundredths; resource cost becomes a daily rate."""
    imp = read_mspdi(write_xml(mspdi([t(1, hours=16, Cost=250000, FixedCost=50000)])))
    cost = imp.scenario.task("1").cost
    assert cost.fixed.deterministic == 500.0 and cost.per_day == 1000.0


def test_entity_expansion_is_refused(write_xml):
    """A 'billion laughs' document type is refused, not expanded."""
    bomb = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Project><Name>&b;</Name></Project>"""
    with pytest.raises(ScenarioError, match="refuses them for safety"):
        read_mspdi(write_xml(bomb))


def test_external_entities_are_refused(write_xml):
    """An external entity (a local file) is refused."""
    xxe = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Project><Name>&x;</Name></Project>"""
    with pytest.raises(ScenarioError, match="refuses them for safety"):
        read_mspdi(write_xml(xxe))


def test_malformed_xml_names_the_line(write_xml):
    """Broken XML is reported with its line and column."""
    with pytest.raises(ScenarioError, match="not well-formed XML at line 3"):
        read_mspdi(write_xml("<Project>\n<Tasks>\n<Task></Tasks>\n</Project>"))


def test_other_xml_is_refused(write_xml):
    """An XML file that is not an MS Project plan says how to save one."""
    with pytest.raises(ScenarioError, match="root element is <html>"):
        read_mspdi(write_xml("<html><body/></html>"))


def test_bad_values_name_the_task(write_xml):
    """A bad duration and a bad link type are both reported, with the task's UID."""
    tasks = [
        t(1),
        "<Task><UID>2</UID><OutlineLevel>1</OutlineLevel><Duration>8 hours</Duration></Task>",
        t(3, links=[(1, 9, 0, 7)]),
    ]
    with pytest.raises(ScenarioError) as err:
        read_mspdi(write_xml(mspdi(tasks)))
    message = str(err.value)
    assert "(UID 2)" in message and "ISO 8601" in message
    assert "(UID 3).PredecessorLink[1]" in message


# --------------------------------------------------------------------------- shared files

#: Shared files whose dates pmo-sim does not reproduce, and why.
NOT_RECALCULATED = {
    # The Aspose fixture is named "not updated": its dates were never recalculated. Every
    # task starts on the project start (2000-01-27) although tasks 2-5 and 7-10 follow a
    # predecessor by a finish-to-start link; tasks 6-10 are also manually scheduled.
    # Only tasks 1 and 6 (no predecessor) keep their stored dates.
    "aspose_not_updated.xml": {"2", "3", "4", "5", "7", "8", "9", "10"},
}


@pytest.mark.skipif(not MSPDI_FILES, reason="shared schedules not found (../shared/data)")
@pytest.mark.parametrize("path", MSPDI_FILES, ids=lambda p: p.name)
def test_shared_mspdi_fidelity(path):
    """pmo-sim's CPM reproduces at least 98% of the stored early dates exactly and the
    project finish; the one stale fixture differs exactly where its dates are stale."""
    imp = read_schedule(path)
    fid = compare_with_file(imp)
    assert fid.compared > 0
    listing = "\n".join(str(m) for m in fid.mismatches)
    if path.name in NOT_RECALCULATED:
        assert {m.task for m in fid.mismatches} == NOT_RECALCULATED[path.name], listing
        return
    assert fid.share >= 0.98, f"{path.name}: {fid.summary()}\n{listing}"
    assert fid.finish_matches, f"{path.name}: {fid.summary()}\n{listing}"


@pytest.mark.skipif(not MSPDI_FILES, reason="shared schedules not found (../shared/data)")
def test_residential_construction_details():
    """The MPXJ conversion of the Residential Construction template: 89 work tasks and
    milestones under 20 summaries, 118 links, finish 2014-03-27."""
    imp = read_mspdi(SCHEDULES / "mspdi" / "residential_construction.mpxj_from_mpp.xml")
    s = imp.scenario
    assert len(s.tasks) == 89
    assert sum(len(x.predecessors) for x in s.tasks) == 118
    assert str(schedule(s).finish_date) == "2014-03-27"


@pytest.mark.skipif(not MPP_FILES, reason="shared schedules not found (../shared/data)")
@pytest.mark.parametrize("path", MPP_FILES, ids=lambda p: p.name)
def test_shared_mpp_files(path):
    """An .mpp file imports through MPXJ when it is installed; otherwise the message names
    the extra to install and the Java runtime, and the XML alternative."""
    if HAVE_MPXJ:
        try:
            imp = read_schedule(path)
        except ScenarioError as exc:  # no Java runtime on this machine
            assert "Java" in str(exc)
            return
        assert imp.scenario.tasks and imp.format == "MPP"
        fid = compare_with_file(imp)
        assert fid.share >= 0.98 and fid.finish_matches, fid.summary()
        return
    with pytest.raises(ScenarioError) as err:
        read_schedule(path)
    message = str(err.value)
    assert 'pip install ".[mpxj]"' in message and "Java" in message
    assert path.name in message


def test_mpp_without_mpxj_is_a_clear_error(tmp_path, monkeypatch):
    """With MPXJ missing, reading an .mpp gives the install message, not an ImportError."""
    import builtins

    real_import = builtins.__import__

    def no_mpxj(name, *args, **kwargs):
        if name in ("jpype", "mpxj"):
            raise ImportError(name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpxj)
    path = tmp_path / "plan.mpp"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ScenarioError, match=r'pip install "\.\[mpxj\]"'):
        read_schedule(path)


def test_must_start_on_follows_honor_constraints(tmp_path):
    """Must start on / must finish on are hard dates when the file says tasks honour
    their constraint dates (HonorConstraints 1, MS Project's default), and only their
    no-earlier-than half when it says 0 (the upper bound is reported)."""
    import re

    from pmo_sim.io.importers import read_schedule

    source = SCHEDULES / "mspdi" / "residential_construction.mpxj_from_mpp.xml"
    if not source.exists():
        pytest.skip("shared schedules not found (../shared/data)")
    text = source.read_text(encoding="utf-8")
    # Task UID 10 ("Secure HVAC permit"): make it "must start on" Monday 6 January 2014.
    block = re.search(r"<Task>\s*<UID>10</UID>.*?</Task>", text, re.DOTALL)
    assert block is not None
    changed = re.sub(
        r"<ConstraintType>\d</ConstraintType>",
        "<ConstraintType>2</ConstraintType><ConstraintDate>2014-01-06T08:00:00</ConstraintDate>",
        re.sub(r"<ConstraintDate>[^<]*</ConstraintDate>", "", block.group(0)),
    )
    text = text[: block.start()] + changed + text[block.end() :]
    tid = "10"
    honour = tmp_path / "honour.xml"
    honour.write_text(text, encoding="utf-8")
    links = tmp_path / "links.xml"
    links.write_text(
        text.replace(
            "<HonorConstraints>1</HonorConstraints>", "<HonorConstraints>0</HonorConstraints>"
        ),
        encoding="utf-8",
    )
    hard = read_schedule(honour)
    soft = read_schedule(links)
    assert hard.scenario.task(tid).mandatory_start == dt.date(2014, 1, 6)
    assert soft.scenario.task(tid).mandatory_start is None
    # Links win: the date bounds the early start from below and the late start above.
    assert soft.scenario.task(tid).start_no_earlier_than == dt.date(2014, 1, 6)
    assert soft.scenario.task(tid).start_no_later_than == dt.date(2014, 1, 6)
    assert hard.scenario.project.constraints_override_logic
    assert not soft.scenario.project.constraints_override_logic
