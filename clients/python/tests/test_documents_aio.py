import asyncio

import grpc
import pytest

import flowdb
from flowdb import AsyncClient, AsyncDatabase, FlowError, KeyRange, store_schema


async def test_async_documents(server):
    async with AsyncClient(server.target, timeout=10) as c:
        d = AsyncDatabase(c, "py_aio")
        _, changed = await d.apply_schema([store_schema("items", "id", auto_increment=True), {"name": "kv"}])
        assert changed
        assert (await d.put("items", {"name": "a"})).key == 1
        assert (await d.add("items", {"name": "b"})).key == 2
        rec = await d.get("items", 2)
        assert rec is not None and rec.document == {"name": "b", "id": 2}
        with pytest.raises(FlowError) as ei:
            await d.add("items", {"name": "dup", "id": 1})
        assert (ei.value.code, ei.value.reason) == (grpc.StatusCode.ALREADY_EXISTS, flowdb.REASON_ALREADY_EXISTS)

        await d.transact([flowdb.tx_put("kv", i, key=i) for i in range(12)])
        assert [p.next_page_token == "" async for p in d.query_pages("kv", page_size=5)] == [False, False, True]
        assert [r.key async for r in d.query("kv", direction="prev", key_range=KeyRange.bound(3, 6, upper_open=True))] == [5, 4, 3]
        assert await d.count("kv") == 12
        assert len(await d.get_all("kv", keys_only=True)) == 12
        assert (await d.delete_range("kv", KeyRange.lower_bound(10))).count == 2
        assert (await d.delete("kv", 0)).count == 1

        async def first_change():
            async for ev in d.watch(stores=["kv"]):
                if ev.changes:
                    return ev.changes[0]

        task = asyncio.ensure_future(first_change())
        await asyncio.sleep(0.3)
        w = await d.put("kv", {"k": "v"}, key="w")
        ch = await asyncio.wait_for(task, 10)
        assert (ch.key, ch.document, ch.seq) == ("w", {"k": "v"}, w.seq)

        assert ("py_aio", 1) in await flowdb.alist_databases(c)
        assert (await d.schema())["stores"][0]["auto_increment"] is True
        await d.drop()
        with pytest.raises(FlowError) as ei:
            await d.count("kv")
        assert ei.value.reason == flowdb.REASON_NOT_FOUND
