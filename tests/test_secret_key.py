"""In development the secret key is made once and kept in the data folder: however many first
requests (threads) or processes ask at the same moment, they all get the same key."""

import multiprocessing
import stat
import threading
from pathlib import Path

from app.config import Settings


def dev_key(data_dir: Path) -> str:
    return Settings(data_dir=data_dir, secret_key="", environment="development").effective_secret_key()


def _first_request(data_dir: Path, barrier: threading.Barrier, keys: list[str]) -> None:
    barrier.wait()
    keys.append(dev_key(data_dir))


def test_racing_threads_get_one_key(tmp_path):
    for round_ in range(25):
        data_dir = tmp_path / f"data-{round_}"
        barrier = threading.Barrier(8)
        keys: list[str] = []
        threads = [threading.Thread(target=_first_request, args=(data_dir, barrier, keys)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(keys)) == 1, f"round {round_}: {len(set(keys))} different keys"
        assert (data_dir / "secret_key").read_text().strip() == keys[0]
        assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600


def _process(data_dir: Path, barrier, out) -> None:  # type: ignore[no-untyped-def]
    barrier.wait()
    out.put(dev_key(data_dir))


def test_racing_processes_get_one_key(tmp_path):
    context = multiprocessing.get_context("fork")
    for round_ in range(20):
        data_dir = tmp_path / f"data-{round_}"
        barrier, out = context.Barrier(8), context.Queue()
        processes = [context.Process(target=_process, args=(data_dir, barrier, out)) for _ in range(8)]
        for process in processes:
            process.start()
        keys = [out.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert len(set(keys)) == 1, f"round {round_}: {len(set(keys))} different keys"
        assert (data_dir / "secret_key").read_text().strip() == keys[0]


def test_a_configured_key_is_used_as_is(tmp_path):
    assert Settings(data_dir=tmp_path, secret_key="s" * 40).effective_secret_key() == "s" * 40
    assert not (tmp_path / "secret_key").exists()
