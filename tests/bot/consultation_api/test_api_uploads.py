"""One-time upload links, the patient's upload page in eight languages, and the document checks."""
import hashlib
import re
import socket
import stat
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from bot.consultation_api.db import upload_links
from bot.consultation_api.pages import HERE as PAGES_DIR

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
DICOM = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
TEXTS = yaml.safe_load((PAGES_DIR / "upload_texts.yml").read_text(encoding="utf-8"))
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def token_of(url):
    return urlsplit(url).path.rsplit("/", 1)[-1]


def post_files(url, files, **kwargs):
    return requests.post(url, files=[("file", item) for item in files], timeout=60, **kwargs)


@pytest.fixture
def link(api, created):
    """(consultation reference, upload URL) for a fresh English consultation."""
    reference = created[1]["reference"]
    return reference, api.upload_link(reference)


def new_link(api, make_body, **changes):
    reference = api.create_consultation(make_body(**changes)).json()["reference"]
    return reference, api.upload_link(reference)


def test_upload_link_is_one_random_token_whose_hash_alone_is_stored(api, link):
    reference, url = link
    assert url.startswith(api.base + "/upload/")
    token = token_of(url)
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    [row] = api.query("SELECT * FROM upload_links WHERE token_hash = :h", h=hashlib.sha256(token.encode()).hexdigest())
    assert token not in " ".join(str(value) for value in row)
    assert row.used_at is None
    assert api.upload_link(reference) != url


def test_upload_link_expiry_follows_the_configuration(api, created):
    response = api.post(f"/v1/consultations/{created[1]['reference']}/upload-links")
    expires = datetime.fromisoformat(response.json()["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - datetime.now(timezone.utc) - timedelta(hours=72)) < timedelta(minutes=1)


def test_upload_link_for_an_unknown_reference(api):
    response = api.post("/v1/consultations/PH-2026-999999/upload-links")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_upload_page_is_a_plain_accessible_form(api, link):
    reference, url = link
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = response.text
    assert '<html lang="en" dir="ltr">' in page
    assert 'method="post" enctype="multipart/form-data"' in page
    assert ('<input id="file" type="file" name="file" multiple required accept=".pdf,.jpg,.jpeg,.png,.dcm,'
            'application/pdf,image/jpeg,image/png,application/dicom"') in page
    assert '<label for="file">Choose files</label>' in page
    assert "PDF, JPEG, PNG and DICOM" in page and "<bdi>20</bdi> MB" in page
    assert f"<bdi>{reference}</bdi>" in page
    for external in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert external not in page


def test_russian_page(api, make_body):
    _reference, url = new_link(api, make_body, language="ru")
    page = requests.get(url, timeout=30).text
    assert '<html lang="ru" dir="ltr">' in page
    assert "<title>Отправьте ваши медицинские документы</title>" in page
    assert "<bdi>20</bdi> МБ" in page and "Выберите файлы" in page


def test_arabic_page_is_right_to_left(api, make_body):
    _reference, url = new_link(api, make_body, language="ar")
    page = requests.get(url, timeout=30).text
    assert '<html lang="ar" dir="rtl">' in page
    assert "أرسل مستنداتك الطبية" in page


@pytest.mark.parametrize("language", ["en", "zh", "ru", "ar", "es", "fr", "id", "vi"])
def test_every_language_has_its_page(api, make_body, language):
    _reference, url = new_link(api, make_body, language=language)
    page = requests.get(url, timeout=30).text
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page
    for key in ("title", "label", "submit", "hint"):
        assert TEXTS[language][key] in page


def test_the_patients_pdf_and_jpeg_are_stored_under_random_names(api, link):
    reference, url = link
    before = api.stored_files()
    response = post_files(url, [("report.pdf", PDF, "application/pdf"), ("scan.jpg", JPEG, "image/jpeg")])
    assert response.status_code == 201, response.text
    documents = response.json()["documents"]
    assert [(d["content_type"], d["size"]) for d in documents] == [("application/pdf", len(PDF)),
                                                                   ("image/jpeg", len(JPEG))]
    new = api.stored_files() - before
    assert len(new) == 2
    for name in new:
        assert re.fullmatch(r"[0-9a-f]{32}", name)
        assert stat.S_IMODE((api.storage / name).stat().st_mode) == 0o600
    assert {(api.storage / name).read_bytes() for name in new} == {PDF, JPEG}
    rows = api.query("SELECT d.* FROM documents d JOIN consultations c ON c.id = d.consultation_id "
                     "WHERE c.reference = :r ORDER BY d.id", r=reference)
    assert [row.original_name for row in rows] == ["report.pdf", "scan.jpg"]
    assert {row.stored_name for row in rows} == new
    assert [row.sha256 for row in rows] == [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(JPEG).hexdigest()]
    # One-time: the link is now used up, for the page and for another upload.
    page = requests.get(url, timeout=30)
    assert page.status_code == 410 and TEXTS["en"]["link_used"] in page.text
    again = post_files(url, [("report.pdf", PDF, "application/pdf")])
    assert again.status_code == 410 and again.json()["error"]["code"] == "link_used"


def test_browser_upload_gets_a_page_in_the_patients_language(api, make_body):
    _reference, url = new_link(api, make_body, language="fr")
    response = post_files(url, [("a.png", PNG, "image/png"), ("b.dcm", DICOM, "application/dicom"),
                                ("c.pdf", PDF, "application/pdf")], headers=BROWSER)
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr" dir="ltr">' in response.text
    assert "Documents reçus : <bdi>3</bdi>." in response.text


def test_png_and_dicom_are_recognised_whatever_they_are_called(api, link):
    response = post_files(link[1], [("photo.pdf", PNG, "application/pdf"), ("no-extension", DICOM, "text/plain")])
    assert [d["content_type"] for d in response.json()["documents"]] == ["image/png", "application/dicom"]


@pytest.mark.parametrize("name, data, declared", [
    ("report.pdf", EXE, "application/pdf"),
    ("scan.jpg", ELF, "image/jpeg"),
    ("records.pdf", ZIP, "application/pdf"),
    ("page.png", HTML, "image/png"),
    ("empty.pdf", b"", "application/pdf"),
    ("late.pdf", b" %PDF-1.7", "application/pdf"),
])
def test_files_that_are_not_documents_are_refused(api, link, name, data, declared):
    before = api.stored_files()
    response = post_files(link[1], [(name, data, declared)])
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_file_type"
    assert api.stored_files() == before
    # The link was not used up by the failed upload.
    assert post_files(link[1], [("report.pdf", PDF, "application/pdf")]).status_code == 201


def test_one_bad_file_means_nothing_is_stored(api, link):
    before = api.stored_files()
    response = post_files(link[1], [("good.pdf", PDF, "application/pdf"), ("bad.pdf", EXE, "application/pdf")])
    assert response.status_code == 415
    assert response.json()["error"]["details"] == [
        {"field": "file[1]", "problem": "is not a PDF, JPEG, PNG or DICOM file"}
    ]
    assert api.stored_files() == before
    assert api.query("SELECT d.id FROM documents d JOIN consultations c ON c.id = d.consultation_id "
                     "WHERE c.reference = :r", r=link[0]) == []


def test_refused_file_in_the_browser_gets_a_translated_page_with_a_way_back(api, make_body):
    _reference, url = new_link(api, make_body, language="es")
    response = post_files(url, [("virus.pdf", EXE, "application/pdf")], headers=BROWSER)
    assert response.status_code == 415
    assert '<html lang="es" dir="ltr">' in response.text
    assert TEXTS["es"]["unsupported_file_type"] in response.text
    assert f'href="{urlsplit(url).path}"' in response.text


@pytest.mark.parametrize("kwargs", [
    {"files": []},
    {"files": [("document", ("a.pdf", PDF, "application/pdf"))]},
    {"data": {"file": "not a file"}},
    {"files": [("file", ("", b"", "application/octet-stream"))]},
])
def test_no_file(api, link, kwargs):
    if kwargs.get("files") == []:
        response = requests.post(link[1], data=b"", timeout=30,
                                 headers={"Content-Type": "multipart/form-data; boundary=x"})
    else:
        response = requests.post(link[1], timeout=30, **kwargs)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_file"


def test_a_request_that_is_not_multipart(api, link):
    for body, content_type in [(b"{}", "application/json"), (b"\x00\x01", "multipart/form-data"),
                               (b"--x\r\nbroken", "multipart/form-data; boundary=x")]:
        response = requests.post(link[1], data=body, headers={"Content-Type": content_type}, timeout=30)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "no_file"


def test_expired_link(api, link):
    token = token_of(link[1])
    with api.engine.begin() as connection:
        connection.execute(
            upload_links.update()
            .where(upload_links.c.token_hash == hashlib.sha256(token.encode()).hexdigest())
            .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
        )
    page = requests.get(link[1], timeout=30)
    assert page.status_code == 410
    assert "This link has expired. Please ask the assistant for a new one." in page.text
    response = post_files(link[1], [("report.pdf", PDF, "application/pdf")])
    assert response.status_code == 410 and response.json()["error"]["code"] == "link_expired"


@pytest.mark.parametrize("token", ["A" * 43, "short", "has.dot" * 8, "x" * 101])
def test_unknown_link(api, token):
    page = requests.get(api.url(f"/upload/{token}"), timeout=30, headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert page.status_code == 404
    assert '<html lang="vi" dir="ltr">' in page.text and TEXTS["vi"]["link_not_found"] in page.text
    response = post_files(api.url(f"/upload/{token}"), [("report.pdf", PDF, "application/pdf")])
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "link_not_found"


def test_upload_page_without_a_token(api):
    page = requests.get(api.url("/upload/"), timeout=30, headers={"Accept-Language": "ar"})
    assert page.status_code == 404 and 'dir="rtl"' in page.text


def test_oversized_file_is_refused_and_nothing_is_stored(small_api, make_body):
    reference = small_api.create_consultation(make_body()).json()["reference"]
    url = small_api.upload_link(reference)
    big = PDF + b"0" * (1536 * 1024)
    before = small_api.stored_files()
    response = post_files(url, [("ok.pdf", PDF, "application/pdf"), ("big.pdf", big, "application/pdf")])
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert small_api.stored_files() == before
    page = post_files(url, [("big.pdf", big, "application/pdf")], headers={**BROWSER, "Accept-Language": "zh"})
    assert page.status_code == 413 and "<bdi>1</bdi> MB" in page.text
    assert post_files(url, [("ok.pdf", PDF, "application/pdf")]).status_code == 201


def raw_post(server, path, headers, body, read_timeout=10.0):
    """Send a request by hand (to announce a body larger than what is sent) and read the response."""
    host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection((host, port), timeout=read_timeout) as connection:
        connection.sendall(head.encode() + b"\r\n" + body)
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            received += chunk
            header_end = received.find(b"\r\n\r\n")
            if header_end != -1:
                match = re.search(rb"content-length: (\d+)", received[:header_end], re.IGNORECASE)
                if match and len(received) >= header_end + 4 + int(match.group(1)):
                    break
    head_bytes, _, payload = received.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ")[1])
    return status, head_bytes.decode("latin-1").lower(), payload


def test_a_giant_body_is_cut_off_with_a_json_or_html_413(small_api, make_body):
    reference = small_api.create_consultation(make_body(language="ru")).json()["reference"]
    path = urlsplit(small_api.upload_link(reference)).path
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(200 * 1024 * 1024)}
    status, head, payload = raw_post(small_api, path, headers, b"--x\r\n" + b"0" * 65536)
    assert status == 413 and "application/json" in head
    assert b'"code":"file_too_large"' in payload
    status, head, payload = raw_post(small_api, path, {**headers, **BROWSER, "Accept-Language": "ru"}, b"--x\r\n")
    assert status == 413 and "text/html" in head
    assert '<html lang="ru"' in payload.decode()
    status, head, payload = raw_post(
        small_api, f"/v1/consultations/{reference}/documents",
        {**headers, "Authorization": f"Bearer {small_api.token}"}, b"--x\r\n")
    assert status == 413 and b'"code":"file_too_large"' in payload
    assert requests.get(small_api.url(path), timeout=30).status_code == 200  # the link still works


def test_a_json_endpoint_cuts_off_a_body_over_one_megabyte(api):
    headers = {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024),
               "Authorization": f"Bearer {api.token}", "Idempotency-Key": "k-big"}
    status, _head, payload = raw_post(api, "/v1/consultations", headers, b"{" + b" " * 65536)
    assert status == 413 and b'"code":"payload_too_large"' in payload


@pytest.mark.parametrize("content_length", ["abc", "-5", "1e3"])
def test_a_malformed_content_length_is_a_bad_request_not_a_crash(api, content_length):
    headers = {"Content-Type": "application/json", "Content-Length": content_length,
               "Authorization": f"Bearer {api.token}", "Idempotency-Key": "k-cl"}
    status, _head, payload = raw_post(api, "/v1/consultations", headers, b"{}", read_timeout=5)
    assert 400 <= status < 500, payload
    assert b'"error"' in payload


def test_the_bot_attaches_documents_from_a_messaging_channel(api, created):
    reference = created[1]["reference"]
    url = api.url(f"/v1/consultations/{reference}/documents")
    response = post_files(url, [("../../etc/passwd.pdf", PDF, "application/pdf")], headers=api.auth())
    assert response.status_code == 201
    [document] = response.json()["documents"]
    assert document["content_type"] == "application/pdf" and document["size"] == len(PDF)
    [row] = api.query("SELECT * FROM documents WHERE id = :i", i=document["id"])
    assert row.original_name == "passwd.pdf" and row.source == "api"
    assert post_files(url, [("x.pdf", EXE, "application/pdf")], headers=api.auth()).status_code == 415
    assert post_files(url, [("x.pdf", PDF, "application/pdf")]).status_code == 401
    unknown = post_files(api.url("/v1/consultations/PH-2026-999999/documents"), [("x.pdf", PDF, "application/pdf")],
                         headers=api.auth())
    assert unknown.status_code == 404


def test_storage_folder_holds_only_random_names(api):
    assert all(re.fullmatch(r"[0-9a-f]{32}", name) for name in api.stored_files())
