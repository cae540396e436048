"""Background jobs: every event is kept for a late follower, cancel ends a job as cancelled,
and a failure becomes the job's error instead of escaping."""

from __future__ import annotations

import asyncio

from negoprep.web.jobs import Job, Jobs


async def test_a_late_follower_sees_every_event_and_the_end() -> None:
    jobs = Jobs()
    gate = asyncio.Event()

    async def work(job: Job) -> str:
        job.emit({"agent": "extractor", "status": "started"})
        await gate.wait()
        job.emit({"agent": "extractor", "status": "finished"})
        return "done"

    job = jobs.start("prepare", "run-1", work)
    await asyncio.sleep(0)
    assert jobs.running("run-1") is job
    gate.set()
    seen = [event async for event in job.follow()]
    assert [e.get("status") or e["kind"] for e in seen] == ["started", "finished", "end"]
    assert job.state == "finished" and job.result == "done"
    assert jobs.running("run-1") is None
    again = [event async for event in job.follow()]  # a page opened after the end
    assert again == seen


async def test_cancel_ends_the_job_as_cancelled() -> None:
    jobs = Jobs()
    started = asyncio.Event()

    async def work(job: Job) -> None:
        started.set()
        await asyncio.Event().wait()  # never set: only cancel ends it

    job = jobs.start("prepare", "run-2", work)
    await started.wait()
    assert jobs.cancel("run-2")
    events = [event async for event in job.follow()]
    assert job.state == "cancelled"
    assert events[-1] == {"kind": "end", "state": "cancelled", "error": None, "t": events[-1]["t"]}
    assert not jobs.cancel("run-2")


async def test_a_failure_is_described_not_raised() -> None:
    jobs = Jobs()

    async def work(job: Job) -> None:
        raise ValueError("the cassette folder is missing")

    job = jobs.start("prepare", "run-3", work, describe_error=lambda e: f"described: {e}")
    events = [event async for event in job.follow()]
    assert job.state == "failed"
    assert job.error == "described: the cassette folder is missing"
    assert events[-1]["error"] == job.error
