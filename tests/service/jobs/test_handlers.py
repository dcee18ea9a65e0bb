"""The job functions as Lambda runs them, fed the sample events of events/ (what `make invoke` sends),
and the template wiring a reviewer relies on: daily schedules in the program's timezone whose role may
invoke the job functions and nothing else."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cfn_flip import load_yaml

from local import runtime
from local.template import Template
from loyalty.adapters import clock
from tests.service.jobs.conftest import configure, earn, enroll, sent_emails

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"
SCHEDULED = ("MaturePointsFunction", "ExpirePointsFunction", "TierReviewFunction", "ReminderEmailsFunction")
# The month-end freeze of the roll-forward: daily too, as it waits for the stream-kept books to hold the
# month's every write (one read once the month is frozen).
MONTHLY = ("MonthCloseFunction",)


def event(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / path).read_text(encoding="utf-8"))
    return loaded


def scheduled(template: Template, function: str) -> Any:
    """Invoke a job function with its sample event at the time it names, as the schedule would."""
    sample = event(f"{function}/daily.json")
    moment = datetime.fromisoformat(sample["scheduled_time"])
    clock.set_clock(lambda: moment)
    return runtime.invoke(template, function, sample)


def test_each_job_runs_its_day_from_its_sample_event(jobs: str, template: Template) -> None:
    configure(pending_days=14)
    enroll("m-1001", name="Grace")
    earn("m-1001", "o-1001", 1200, "2026-11-22 10:00")  # Silver; pending until 2026-12-06; expires 2027-11-22
    assert event("MaturePointsFunction/daily.json") == {"scheduled_time": "2026-12-06T05:05:00Z"}

    matured = scheduled(template, "MaturePointsFunction")
    assert matured["points_matured"] == 1200
    reminded = scheduled(template, "ReminderEmailsFunction")
    assert reminded["remind_expiring"]["emails_sent"] == 1
    assert [mail.subject for mail in sent_emails()] == ["1200 of your points expire on 22 November 2027"]
    expired = scheduled(template, "ExpirePointsFunction")
    assert expired["points_expired"] == 1200
    reviewed = scheduled(template, "TierReviewFunction")
    assert reviewed["tier_changes"] == 1
    # Each again: nothing left to do.
    for function in SCHEDULED:
        again = scheduled(template, function)
        counts = again if function != "ReminderEmailsFunction" else again["remind_expiring"]
        assert not counts.get("emails_sent") and not counts.get("points_expired") and not counts.get("tier_changes")


def test_the_worker_event_and_the_unsubscribe_event_run(jobs: str, template: Template) -> None:
    clock.set_clock(lambda: datetime.fromisoformat("2027-11-23T05:15:00Z"))
    worker = runtime.invoke(template, "JobsWorkerFunction", event("JobsWorkerFunction/expire-shard.json"))
    assert worker == {"batchItemFailures": []}
    # The committed token's signature is a placeholder: a valid link needs this deployment's key.
    answer = runtime.invoke(template, "UnsubscribeFunction", event("UnsubscribeFunction/unsubscribe.json"))
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["code"] == "unsubscribe_link_invalid"


def test_a_job_without_a_program_does_nothing(aws: str, template: Template) -> None:
    result = scheduled(template, "ExpirePointsFunction")
    assert result == {"program_not_configured": 1}


def _resources(kind: str) -> dict[str, dict[str, Any]]:
    source: dict[str, Any] = load_yaml((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return {name: res for name, res in source["Resources"].items() if res["Type"] == kind}


def test_schedules_are_daily_in_the_program_timezone_and_carry_their_time() -> None:
    schedules = _resources("AWS::Scheduler::Schedule")
    targets = set()
    for name, schedule in schedules.items():
        props = schedule["Properties"]
        every = " * * ? *)"  # daily
        assert props["ScheduleExpression"].startswith("cron(") and props["ScheduleExpression"].endswith(every), name
        assert props["ScheduleExpressionTimezone"] == {"Ref": "ProgramTimezone"}, name
        assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}, name
        target = props["Target"]
        assert json.loads(target["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
        assert target["RoleArn"] == {"Fn::GetAtt": ["JobSchedulerRole", "Arn"]}
        targets.add(target["Arn"]["Fn::GetAtt"][0])
    assert targets == {*SCHEDULED, *MONTHLY}


def test_the_scheduler_role_may_invoke_only_the_job_functions() -> None:
    role = _resources("AWS::IAM::Role")["JobSchedulerRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    assert [s["Action"] for s in statements] == [["lambda:InvokeFunction"]]
    assert {r["Fn::GetAtt"][0] for r in statements[0]["Resource"]} == {*SCHEDULED, *MONTHLY}


def test_every_job_function_is_alarmed() -> None:
    alarms = _resources("AWS::CloudWatch::Alarm")
    for metric in ("Errors", "Throttles"):
        watched = {
            query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
            for alarm in alarms.values()
            for query in alarm["Properties"].get("Metrics", [])
            if "MetricStat" in query and query["MetricStat"]["Metric"]["MetricName"] == metric
        }
        assert {*SCHEDULED, *MONTHLY, "JobsWorkerFunction", "UnsubscribeFunction"} <= watched, metric
    for alarm in alarms.values():
        assert len(alarm["Properties"].get("Metrics", [])) <= 10
