"""connector_ref.durable: the open conversations survive a restart; finished ones and half-written files do not."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from connector_ref.durable import FILE, Durable
from connector_ref.state import Memory


def _memory() -> Memory:
    memory = Memory()
    ada = memory.consumer("ada")
    ada.conversation_id = ada.dialog_id = "c1"
    ada.lp_id = "lp-ada"
    memory.by_lp_id["lp-ada"] = "ada"
    open_one = memory.own("c1", "ada")
    open_one.updated_ts, open_one.agent_id = 42, "agent-7"
    memory.own("c0", "ada").finished = True  # over: not worth keeping
    memory.dialogs["survey-1"] = "c1"
    return memory


def test_a_saved_memory_comes_back_in_a_new_process(tmp_path: Path) -> None:
    Durable(str(tmp_path), _memory()).save()
    fresh = Memory()
    Durable(str(tmp_path), fresh).load()
    ada = fresh.consumers["ada"]
    assert (ada.conversation_id, ada.dialog_id, ada.lp_id) == ("c1", "c1", "lp-ada")
    assert set(fresh.conversations) == {"c1"}
    assert (fresh.conversations["c1"].updated_ts, fresh.conversations["c1"].agent_id) == (42, "agent-7")
    assert fresh.by_lp_id == {"lp-ada": "ada"}
    assert fresh.dialogs == {"survey-1": "c1"}
    assert not list(tmp_path.glob("*.tmp"))  # written through a rename


def test_changes_are_saved_once_shortly_after(tmp_path: Path) -> None:
    async def burst() -> None:
        durable = Durable(str(tmp_path), _memory())
        for _ in range(100):
            durable.changed()
        assert not (tmp_path / FILE).exists()
        await asyncio.sleep(0.7)
        assert json.loads((tmp_path / FILE).read_text())["conversations"]["c1"]["consumer"] == "ada"

    asyncio.run(burst())


def test_no_directory_means_memory_only_and_a_bad_file_means_an_empty_start(tmp_path: Path) -> None:
    Durable("", _memory()).save()  # nothing to write to: nothing happens
    (tmp_path / FILE).write_text("{not json", encoding="utf-8")
    fresh = Memory()
    Durable(str(tmp_path), fresh).load()
    assert fresh.consumers == {}
    assert not fresh.conversations
