"""HTTP client of the consultation API: timeouts, retries with backoff, the same Idempotency-Key on every retry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from actions.consultation.settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0


class ApiUnavailable(Exception):
    """The API could not be reached or kept failing: try again later (the request stays in the outbox)."""


class ApiRejected(Exception):
    """The API refused the request for good (4xx): retrying will not help."""

    def __init__(self, status: int, code: str):
        super().__init__(f"consultation API answered {status} {code}")
        self.status, self.code = status, code


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Dict[str, Any]


class BoundedRetry(Retry):
    """urllib3's Retry, but a Retry-After longer than the patient can wait is cut to MAX_RETRY_AFTER."""

    def get_retry_after(self, response):  # type: ignore[override]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def retry_policy(attempts: int, backoff: float) -> Retry:
    """Retry connection errors, 429 and 5xx on every method (POSTs carry an Idempotency-Key)."""
    return BoundedRetry(
        total=attempts,
        connect=attempts,
        read=attempts,
        status=attempts,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class ConsultationApiClient:
    """Talks to /v1 of the consultation API with a bearer token."""

    def __init__(self, config: Settings, attempts: int = 3, backoff: float = 0.5):
        self.base = config.api_url
        self.timeout: Tuple[float, float] = (config.connect_timeout, config.read_timeout)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {config.api_token}"
        self.session.mount("http://", HTTPAdapter(max_retries=retry_policy(attempts, backoff)))
        self.session.mount("https://", HTTPAdapter(max_retries=retry_policy(attempts, backoff)))

    def create_consultation(self, payload: Dict[str, Any], idempotency_key: str) -> ApiResponse:
        return self._send("POST", "/v1/consultations", payload, idempotency_key)

    def create_handoff(self, payload: Dict[str, Any], idempotency_key: str) -> ApiResponse:
        return self._send("POST", "/v1/handoffs", payload, idempotency_key)

    def create_upload_link(self, reference: str) -> ApiResponse:
        return self._send("POST", f"/v1/consultations/{reference}/upload-links", {})

    def status(self, reference: str, contact: str) -> Optional[ApiResponse]:
        """The request's status, or None when the reference and contact do not match a request."""
        try:
            return self._send("POST", f"/v1/consultations/{reference}/status", {"contact": contact})
        except ApiRejected as rejected:
            if rejected.status == 404:
                return None
            raise

    def forget_conversation(self, conversation_id: str) -> ApiResponse:
        return self._send("DELETE", f"/v1/conversations/{quote(conversation_id, safe='')}/data", None)

    def add_document(self, reference: str, filename: str, content: bytes, content_type: str) -> ApiResponse:
        """Attach a file a patient sent on a messaging channel (the API checks its type by content)."""
        return self._send("POST", f"/v1/consultations/{reference}/documents", None,
                          files={"file": (filename, content, content_type)})

    def _send(self, method: str, path: str, body: Optional[dict], idempotency_key: Optional[str] = None,
              files: Optional[dict] = None):
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = self.session.request(
                method, self.base + path, json=body, files=files, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise ApiUnavailable(type(error).__name__) from None
        if response.status_code in RETRY_STATUSES:
            raise ApiUnavailable(f"HTTP {response.status_code}")
        data = _json(response)
        if response.status_code >= 400:
            raise ApiRejected(response.status_code, str((data.get("error") or {}).get("code", "unknown")))
        return ApiResponse(response.status_code, data)


def _json(response: requests.Response) -> Dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
