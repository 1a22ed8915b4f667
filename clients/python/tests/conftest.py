from typing import Iterator

import pytest

from flowdb.testing import Server, remove_data_dir, start_server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    s = start_server()
    try:
        yield s
    finally:
        code = s.stop()
        remove_data_dir(s.data_dir)
        assert code == 0, f"server exit {code}:\n{s.logs()}"
