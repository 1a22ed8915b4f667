import asyncio

import grpc
import pytest

import flowdb
from flowdb import AsyncClient, FlowError


async def test_async_roundtrip(server):
    async with AsyncClient(server.target, timeout=10) as db:
        await db.put("a/1", "x")
        assert (await db.get("a/1")).record.value == b"x"
        assert await db.get_value("a/none") is None
        assert [r.found for r in await db.batch_get(["a/1", "a/2"])] == [True, False]
        with pytest.raises(FlowError) as ei:
            await db.put("a/1", "y", if_absent=True)
        assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.ABORTED, flowdb.REASON_CONDITION_FAILED)
        await db.batch([flowdb.op_put(f"a/{i:02d}", "v") for i in range(2, 12)])
        keys = [r.key async for r in db.scan(prefix="a/")]
        assert len(keys) == 11
        assert await db.count(prefix="a/") == 11

        async def batches():
            for b in range(5):
                yield [(f"ai/{b}/{i}", "p") for i in range(10)]

        acks = [a async for a in db.ingest(batches(), window=2)]
        assert len(acks) == 5 and await db.count(prefix="ai/") == 50

        start = (await db.stats()).last_seq
        async def first_change():
            async for ch in db.watch_changes(prefix="aw/", start_seq=start + 1):
                if ch.changes:
                    return ch.changes[0]
        t = asyncio.ensure_future(first_change())
        await asyncio.sleep(0.2)
        await db.put("aw/1", "z")
        ch = await asyncio.wait_for(t, 10)
        assert ch.key == b"aw/1"
        assert (await db.delete("a/1", prev_kv=True)).prev.value == b"x"
        assert (await db.delete_range(prefix="a/", return_count=True)).deleted == 10
        assert await db.health() == 1
        with pytest.raises(FlowError) as ei:
            [r async for r in db.scan(continuation_token="bad!")]
        assert ei.value.reason == flowdb.REASON_INVALID_TOKEN
