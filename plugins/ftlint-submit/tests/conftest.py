import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[4] / "shared" / "tiktoken-cache"
if SHARED.is_dir() and not os.environ.get("TIKTOKEN_CACHE_DIR"):
    os.environ["TIKTOKEN_CACHE_DIR"] = str(SHARED)


@pytest.fixture
def fake(httpserver):
    from fake_openai import FakeOpenAI

    server = FakeOpenAI(httpserver)
    yield server
    server.release()
