"""Text in image messages (图片文字): read with OCR, audited like text, recalled like text.

The images are rendered here with Pillow and served over loopback HTTP (or given as a local
path, as NapCat does for its cache); the OCR is the real one of the ``ocr`` extra.
"""

from __future__ import annotations

import http.server
import io
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket
from PIL import Image, ImageDraw, ImageFont

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage
from qunguan.gateway import ocr
from qunguan.gateway.models import ActionKind, GatewayAction
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer

GROUP_A = 600100200  # the cast's registered QQ group 作曲系教职工群
ID_NUMBER = "110101199003071233"


def render(*lines: str) -> bytes:
    """Return a PNG of black Latin text on white, like a screenshot of a form."""
    font = ImageFont.load_default(size=36)
    image = Image.new("RGB", (760, 30 + 60 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + 60 * i), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class ImageServer:
    """Serves ``files`` (name → bytes) over HTTP on a loopback port, like QQ's image servers."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        files = self.files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str, body: bytes) -> str:
        self.files[name] = body
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def images() -> Iterator[ImageServer]:
    server = ImageServer()
    yield server
    server.close()


@pytest.fixture
def with_ocr() -> Iterator[None]:
    pytest.importorskip("rapidocr_onnxruntime", reason="图片文字识别（qunguan[ocr]）未安装")
    ocr.enabled.cache_clear()
    yield
    ocr.enabled.cache_clear()


@pytest.fixture
def without_ocr(settings: Any, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO, logger="qunguan.gateway")  # before the gateway starts and says it
    settings.QUNGUAN_GATEWAY_OCR = False
    ocr.enabled.cache_clear()
    yield
    ocr.enabled.cache_clear()


class PatientPeer(Peer):
    """The suite's peer, waiting for actions as long as it takes: reading an image may take
    seconds on a busy machine, longer than the peer's usual five-second read timeout."""

    def connect(self) -> PatientPeer:
        headers = [f"X-Self-ID: {self.self_id}", f"X-Client-Role: {self.role}", "User-Agent: OneBot/11"]
        headers.append(f"Authorization: Bearer {self.token}")
        self._ws = websocket.create_connection(
            self.url, header=headers, timeout=None, enable_multithread=True
        )
        self.closed.clear()
        self._reader = threading.Thread(target=self._read, name=f"peer-{self.self_id}", daemon=True)
        self._reader.start()
        return self


@pytest.fixture
def peer(gateway: RunningGateway) -> Iterator[Peer]:
    p = PatientPeer(gateway.ws_url, self_id=10001, token=gateway.gateway.config.token).connect()
    gateway.peers.append(p)
    deadline = time.monotonic() + 5
    while "10001" not in gateway.gateway.links:
        assert time.monotonic() < deadline, "机器人 10001 未在网关登记"
        time.sleep(0.01)
    yield p
    p.close()


def settle(gateway: RunningGateway) -> None:
    """Wait until the events are handled, their images read and audited, and every action answered."""
    gateway.settle(timeout=30)  # handled and committed: a late read is handed to the OCR thread
    assert ocr.wait_idle()
    gateway.settle(timeout=30)


def image(url: str = "", file: str = "") -> dict[str, Any]:
    return {"type": "image", "data": {"file": file or "E1F2.png", "url": url, "sub_type": 0}}


# --- where images are read from -------------------------------------------------------------


def test_image_sources_prefer_the_url_and_skip_what_cannot_be_fetched() -> None:
    event = {
        "message": [
            {"type": "text", "data": {"text": "看图"}},
            image(url="https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=x"),
            image(file="/var/cache/napcat/a.png"),
            image(file="base64://iVBORw0KGgo="),
            image(file="E1F2.image"),
            {"type": "face", "data": {"id": "14"}},
        ]
    }
    assert ocr.image_sources(event) == [
        "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=x",
        "/var/cache/napcat/a.png",
    ]


def test_image_sources_read_cq_codes() -> None:
    event = {"message": "请看[CQ:image,file=a.png,url=http://127.0.0.1:9/a.png?x=1&amp;y=2]"}
    assert ocr.image_sources(event) == ["http://127.0.0.1:9/a.png?x=1&y=2"]


def test_an_image_over_the_size_limit_is_not_read(images: ImageServer, tmp_path: Path) -> None:
    body = render("13800138000")
    with pytest.raises(ocr.ImageUnreadable, match=f"图片超过 {len(body) - 1} 字节"):
        ocr.fetch(images.url("big.png", body), max_bytes=len(body) - 1, timeout=5)
    path = tmp_path / "big.png"
    path.write_bytes(body)
    with pytest.raises(ocr.ImageUnreadable, match="图片超过"):
        ocr.fetch(str(path), max_bytes=10, timeout=5)
    assert ocr.fetch(f"file://{path}", max_bytes=len(body), timeout=5) == body


def test_an_image_that_cannot_be_fetched_says_why(images: ImageServer, tmp_path: Path) -> None:
    with pytest.raises(ocr.ImageUnreadable, match="无法下载图片"):
        ocr.fetch(images.url("x.png", b"") + "-missing", max_bytes=100, timeout=5)
    with pytest.raises(ocr.ImageUnreadable, match="图片文件不存在"):
        ocr.fetch(str(tmp_path / "none.png"), max_bytes=100, timeout=5)
    with pytest.raises(ocr.ImageUnreadable, match="不读取这种地址的图片"):
        ocr.fetch("ftp://127.0.0.1/a.png", max_bytes=100, timeout=5)


# --- live, through the gateway ------------------------------------------------------------------


def test_id_number_in_an_image_is_recalled(
    with_ocr: None, images: ImageServer, gateway: RunningGateway, peer: Peer
) -> None:
    url = images.url("form.png", render("Name: Wang", f"ID: {ID_NUMBER}"))
    event = peer.message(GROUP_A, 20001, [{"type": "text", "data": {"text": "报名表"}}, image(url=url)])
    recall = peer.wait_action("delete_msg", timeout=30)
    assert recall.params == {"message_id": event["message_id"]}
    peer.wait_action("send_group_msg", timeout=5)  # the warning naming the rule, as for text
    settle(gateway)
    message = ChatMessage.objects.get(message_id=str(event["message_id"]))
    assert message.text.startswith("报名表[图片]\n图片文字：")
    finding = message.findings.get(category="privacy.id_card")
    assert finding.evidence.startswith("图片文字：")
    assert ID_NUMBER not in finding.evidence
    assert message.text[finding.start : finding.end] == ID_NUMBER
    action = GatewayAction.objects.get(kind=ActionKind.RECALL)
    assert action.finding == finding
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_IMAGE_TEXT_READ)
    assert "发现" in entry.summary
    assert ID_NUMBER not in entry.summary


def test_phone_number_in_a_local_image_file_is_recalled(
    with_ocr: None, tmp_path: Path, gateway: RunningGateway, peer: Peer
) -> None:
    path = tmp_path / "cache.png"
    path.write_bytes(render("Tel: 13800138000"))
    event = peer.message(GROUP_A, 20002, f"[CQ:image,file={path}]")
    recall = peer.wait_action("delete_msg", timeout=30)
    assert recall.params == {"message_id": event["message_id"]}
    settle(gateway)
    message = ChatMessage.objects.get(message_id=str(event["message_id"]))
    assert message.kind == "image"
    assert message.findings.get(category="privacy.phone").evidence.startswith("图片文字：")


def test_an_image_of_plain_work_text_is_stored_and_nothing_is_done(
    with_ocr: None, images: ImageServer, gateway: RunningGateway, peer: Peer
) -> None:
    url = images.url("notice.png", render("Meeting at 9 am, Room 301"))
    event = peer.message(GROUP_A, 20001, [image(url=url)])
    settle(gateway)
    message = ChatMessage.objects.get(message_id=str(event["message_id"]))
    assert "图片文字：" in message.text
    assert "Room" in message.text
    assert not message.findings.exists()
    assert peer.actions == []


def test_without_ocr_images_are_stored_as_before_and_the_log_says_so(
    without_ocr: None,
    images: ImageServer,
    caplog: pytest.LogCaptureFixture,
    gateway: RunningGateway,
    peer: Peer,
) -> None:
    url = images.url("form.png", render(f"ID: {ID_NUMBER}"))
    event = peer.message(GROUP_A, 20001, [image(url=url)])
    gateway.settle(timeout=10)
    message = ChatMessage.objects.get(message_id=str(event["message_id"]))
    assert message.text == "[图片]"
    assert peer.actions == []
    records = caplog.get_records("setup") + caplog.records  # the gateway says it when it starts
    said = [r.getMessage() for r in records if "图片文字识别" in r.getMessage()]
    assert said == ["图片文字识别已关闭（QUNGUAN_GATEWAY_OCR=false）：图片消息只存储，不识别文字"]


def test_the_models_ship_inside_the_package(with_ocr: None) -> None:
    import rapidocr_onnxruntime

    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    assert sorted(p.name for p in models.glob("*.onnx")) == [
        "ch_PP-OCRv4_det_infer.onnx",
        "ch_PP-OCRv4_rec_infer.onnx",
        "ch_ppocr_mobile_v2.0_cls_infer.onnx",
    ]
