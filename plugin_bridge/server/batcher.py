"""Dynamic batching across concurrent requests, bounded by a token budget, with deadlines.

Requests enqueue their (already tokenized) rows. One loop per model takes rows first-in-first-out,
a cycle at a time (a few batches' worth of tokens), sorts the cycle by length to cut padding, and runs
it on a dedicated inference thread, so the event loop never blocks and small concurrent requests
share batches. Rows of a request are taken in input (first-stage) order; a request with a deadline
only gets the rows that its remaining time budget can pay for, the rest come back as NaN.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from ..errors import BridgeError
from ..tokenization import EncodedPair

log = logging.getLogger("rescore_bridge.batcher")

InferFn = Callable[[list[EncodedPair], Callable[[int, int, float], None]], np.ndarray]

_SAFETY_S = 0.003  # response serialization and scheduling slack kept back from every deadline
_CYCLE_BATCHES = 4


class Overloaded(BridgeError):
    """The queue is full: the caller should retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ShuttingDown(BridgeError):
    """The bridge is stopping and takes no new work."""


@dataclass(eq=False)
class _Job:
    rows: list[EncodedPair]
    deadline: float | None
    future: asyncio.Future[np.ndarray]
    enqueued: float = field(default_factory=time.monotonic)
    next_row: int = 0
    waited: bool = False
    logits: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.logits = np.full(len(self.rows), np.nan)


class DynamicBatcher:
    def __init__(
        self,
        infer: InferFn,
        executor: Executor,
        max_batch_tokens: int,
        max_queue_pairs: int,
        on_queue_wait: Callable[[float], None] = lambda _s: None,
        on_queue_size: Callable[[int], None] = lambda _n: None,
    ) -> None:
        self._infer = infer
        self._executor = executor
        self._cycle_tokens = max_batch_tokens * _CYCLE_BATCHES
        self._max_queue_pairs = max_queue_pairs
        self._on_queue_wait = on_queue_wait
        self._on_queue_size = on_queue_size
        self._jobs: deque[_Job] = deque()
        self._pending_rows = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.seconds_per_token = 2e-5  # replaced by measurements (warm-up, then every batch)

    @property
    def pending_rows(self) -> int:
        return self._pending_rows

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="batcher")

    async def close(self) -> None:
        """Finish queued work, then stop (graceful shutdown)."""
        self._closing = True
        while self._jobs:
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def observe(self, rows: int, width: int, seconds: float) -> None:
        """Update the cost model (seconds per padded token) that deadline planning relies on."""
        measured = seconds / max(rows * width, 1)
        self.seconds_per_token = 0.8 * self.seconds_per_token + 0.2 * measured

    def estimate_seconds(self, tokens: int) -> float:
        return tokens * self.seconds_per_token

    def admit(self, rows: int) -> None:
        """Refuse work the queue cannot take now, before any of a request's rows are queued."""
        if self._closing:
            raise ShuttingDown("the bridge is shutting down")
        if self._pending_rows and self._pending_rows + rows > self._max_queue_pairs:
            queued_tokens = sum(r.length for job in self._jobs for r in job.rows[job.next_row :])
            raise Overloaded(
                f"queue full: {self._pending_rows} pairs waiting (limit {self._max_queue_pairs})",
                retry_after=max(1.0, self.estimate_seconds(queued_tokens)),
            )

    def submit(self, rows: list[EncodedPair], deadline: float | None) -> asyncio.Future[np.ndarray]:
        """Queue rows (admitted earlier); resolves to their logits (NaN where a deadline left them unscored)."""
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        if not rows:
            future.set_result(np.empty(0))
            return future
        self._jobs.append(_Job(rows=rows, deadline=deadline, future=future))
        self._pending_rows += len(rows)
        self._on_queue_size(self._pending_rows)
        self._wake.set()
        return future

    def _take_cycle(self) -> list[tuple[_Job, int, int]]:
        """Pick rows FIFO for the next cycle: (job, first row, end row) slices."""
        now = time.monotonic()
        taken: list[tuple[_Job, int, int]] = []
        tokens = 0
        for job in self._jobs:
            if job.future.done():
                continue
            allowance = float("inf")
            if job.deadline is not None:
                allowance = (job.deadline - now - _SAFETY_S) / self.seconds_per_token - tokens
            start = end = job.next_row
            job_tokens = 0
            while end < len(job.rows):
                # rows are padded to the longest in their batch: budget with a 1.2x padding margin
                cost = int(job.rows[end].length * 1.2)
                if tokens + job_tokens + cost > self._cycle_tokens and (taken or end > start):
                    break
                if job_tokens + cost > allowance:
                    break
                job_tokens += cost
                end += 1
            if end > start:
                taken.append((job, start, end))
                tokens += job_tokens
            if tokens >= self._cycle_tokens:
                break
        return taken

    def _finish_ready_jobs(self) -> None:
        now = time.monotonic()
        kept: deque[_Job] = deque()
        for job in self._jobs:
            out_of_time = job.deadline is not None and (
                now
                + _SAFETY_S
                + self.estimate_seconds(int(job.rows[min(job.next_row, len(job.rows) - 1)].length * 1.2))
                > job.deadline
            )
            if job.future.done():
                self._pending_rows -= len(job.rows) - job.next_row
            elif job.next_row >= len(job.rows) or out_of_time:
                self._pending_rows -= len(job.rows) - job.next_row
                job.future.set_result(job.logits)
            else:
                kept.append(job)
        self._jobs = kept
        self._on_queue_size(self._pending_rows)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._finish_ready_jobs()
            if not self._jobs:
                self._wake.clear()
                await self._wake.wait()
                continue
            cycle = self._take_cycle()
            if not cycle:
                await asyncio.sleep(0)
                continue
            rows: list[EncodedPair] = []
            now = time.monotonic()
            for job, start, end in cycle:
                if not job.waited:
                    job.waited = True
                    self._on_queue_wait(now - job.enqueued)
                rows.extend(job.rows[start:end])
                job.next_row = end
                self._pending_rows -= end - start
            try:
                logits = await loop.run_in_executor(self._executor, self._infer, rows, self.observe)
            except Exception as exc:  # a failed batch fails its requests, never the loop
                log.exception("inference failed")
                for job, _start, _end in cycle:
                    if not job.future.done():
                        job.future.set_exception(BridgeError(f"inference failed: {exc}"))
                continue
            offset = 0
            for job, start, end in cycle:
                job.logits[start:end] = logits[offset : offset + end - start]
                offset += end - start
