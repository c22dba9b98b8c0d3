"""Seed data: the providers' documented examples verbatim, and generated realistic calls."""

from __future__ import annotations

import copy
import io
import math
import struct
import uuid
import wave
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.standin.server import StandinServer

# Verbatim from ringyo-get-call.txt (the documented get-call example).
_RINGYO_DOC: dict[str, Any] = {
    "id": "call_xyz789",
    "status": "completed",
    "phone_number": "+14155551234",
    "from_number": "+18005551234",
    "agent_id": "agent_abc123",
    "duration": 245,
    "transcript": [
        {
            "role": "agent",
            "content": "Hello! This is Sarah from Acme Corp. How are you today?",
            "timestamp": 0.0,
        },
        {
            "role": "user",
            "content": "Hi Sarah, I'm doing well. What's this call about?",
            "timestamp": 3.2,
        },
    ],
    "recording_url": "https://storage.ringyo.ai/recordings/call_xyz789.mp3",
    "metadata": {"customer_id": "cust_456", "campaign": "follow_up"},
    "created_at": "2024-01-15T10:30:00Z",
    "ended_at": "2024-01-15T10:34:05Z",
}

# Verbatim `data` of rounded-get-call.txt (the documented get-call example).
_ROUNDED_DOC: dict[str, Any] = {
    "id": "<string>",
    "status": "created",
    "from_number": "<string>",
    "to_number": "<string>",
    "direction": "inbound",
    "organization_id": "123e4567-e89b-12d3-a456-426614174001",
    "type": "phone_call",
    "agent_id": "123e4567-e89b-12d3-a456-426614174002",
    "metadata": {"source": "marketing_campaign", "utm_medium": "email"},
    "start_time": "2023-06-15T14:30:00Z",
    "end_time": "2023-06-15T14:35:00Z",
    "duration_seconds": 300,
    "redirect_duration_seconds": 5,
    "cost": 0.15,
    "transcript_string": (
        "Agent: Hello, how can I help you today?\nUser: I'd like to check on my order status."
    ),
    "transcript": [{"role": "user", "start_time": "2023-11-07T05:31:56Z", "content": "<string>"}],
    "variable_values": [
        {
            "name": "<string>",
            "type": "string",
            "value": "John Doe",
            "timestamp": "2023-06-15T14:33:12Z",
        }
    ],
    "answer_type": "human",
    "recording_url": (
        "https://rounded-twilio.s3.amazonaws.com/calls/test?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=TEST%2F20250401%2Feu-west-3%2Fs3%2Faws4_request"
        "&X-Amz-Date=20250401T163838Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=046d4f7da8a7f2343875872593cbaa94a7836c42e1fd669e91fc2af9cf2b43be"
    ),
    "secure_recording_url": True,
}

ROUNDED_ANSWERS_ID = "6f1c2a7e-1d2b-4c3d-9e8f-0a1b2c3d4e5f"


def ringyo_doc_example() -> dict[str, Any]:
    return copy.deepcopy(_RINGYO_DOC)


def rounded_doc_example() -> dict[str, Any]:
    return copy.deepcopy(_ROUNDED_DOC)


def _question(qid: str, name: str, description: str, qtype: str) -> dict[str, Any]:
    return {
        "id": qid,
        "name": name,
        "description": description,
        "question_type": qtype,
        "is_optional": False,
        "question_origin": "system",
    }


def rounded_doc_example_with_answers() -> dict[str, Any]:
    """The documented call plus `post_call_answers` as the newer doc revision describes them."""
    call = rounded_doc_example()
    call.update(
        id=ROUNDED_ANSWERS_ID,
        status="completed",
        from_number="+33612345678",
        to_number="+33198765432",
        transcript=[
            {
                "role": "agent",
                "start_time": "2023-06-15T14:30:01Z",
                "content": "Hello, how can I help you today?",
            },
            {
                "role": "user",
                "start_time": "2023-06-15T14:30:04Z",
                "content": "I'd like to check on my order status.",
            },
            {
                "role": "agent",
                "start_time": "2023-06-15T14:30:08Z",
                "content": "Of course. What is your order number?",
            },
            {"role": "user", "start_time": "2023-06-15T14:30:12Z", "content": "It's A-1042."},
            {
                "role": "agent",
                "start_time": "2023-06-15T14:30:15Z",
                "content": "Thanks. It shipped yesterday and arrives Friday.",
            },
        ],
        variable_values=[
            {
                "name": "order_number",
                "type": "string",
                "value": "A-1042",
                "timestamp": "2023-06-15T14:30:13Z",
            },
            {
                "name": "customer_name",
                "type": "string",
                "value": "John Doe",
                "timestamp": "2023-06-15T14:33:12Z",
            },
        ],
        post_call_answers=[
            {
                "id": "a1",
                "question": _question(
                    "q1", "issue_resolved", "Was the customer's issue resolved?", "boolean"
                ),
                "has_answer": True,
                "answer_text": None,
                "answer_number": None,
                "answer_boolean": True,
                "selected_options": [],
            },
            {
                "id": "a2",
                "question": _question(
                    "q2", "call_summary", "Summarize the call in one sentence.", "text"
                ),
                "has_answer": True,
                "answer_text": "Customer asked about order A-1042; it ships Friday.",
                "answer_number": None,
                "answer_boolean": None,
                "selected_options": [],
            },
            {
                "id": "a3",
                "question": _question("q3", "topic", "Which topic did the call cover?", "select"),
                "has_answer": True,
                "answer_text": None,
                "answer_number": None,
                "answer_boolean": None,
                "selected_options": [{"option": {"id": "o1", "value": "Order status"}}],
            },
            {
                "id": "a4",
                "question": _question("q4", "callback_date", "When should we call back?", "text"),
                "has_answer": False,
                "answer_text": None,
                "answer_number": None,
                "answer_boolean": None,
                "selected_options": [],
            },
        ],
    )
    return call


_EPOCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_LINES = [
    ("agent", "Hi, this is Nova from Brightline Dental. Am I speaking with {name}?"),
    ("user", "Yes, speaking."),
    ("agent", "I'm calling to confirm your cleaning appointment on Thursday at ten."),
    ("user", "Thursday works. Could you remind me of the address?"),
    ("agent", "Of course, it's 12 Harbour Street, second floor."),
    ("user", "Great, thank you."),
    ("agent", "You're welcome. Is there anything else I can help with?"),
    ("user", "No, that's all. Bye."),
]
_NAMES = ["Alex Moreau", "Priya Shah", "Jonas Berg", "Maria Lopez", "Kenji Sato", "Amara Obi"]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_ringyo_call(i: int, status: str = "completed") -> dict[str, Any]:
    created = _EPOCH - timedelta(minutes=i)
    n = 4 + i % 5
    name = _NAMES[i % len(_NAMES)]
    transcript = [
        {"role": role, "content": text.format(name=name), "timestamp": round(j * 3.7 + 0.4, 2)}
        for j, (role, text) in enumerate(_LINES[:n])
    ]
    duration = int(n * 3.7 + 3)
    call: dict[str, Any] = {
        "id": f"call_{i:06d}",
        "status": status,
        "phone_number": f"+1555010{i % 10000:04d}",
        "from_number": "+18005550100",
        "agent_id": f"agent_{i % 3}",
        "transcript": transcript,
        "metadata": {"customer_id": f"cust_{i:05d}", "campaign": "reminders"},
        "created_at": _iso(created),
    }
    if status == "completed":
        call["duration"] = duration
        call["ended_at"] = _iso(created + timedelta(seconds=duration + 6))
        call["analysis"] = {
            "summary": f"Confirmed the appointment with {name}.",
            "outcome": "confirmed",
            "sentiment": "positive",
            "successful": True,
        }
    return call


def make_rounded_call(i: int, status: str = "completed") -> dict[str, Any]:
    start = _EPOCH - timedelta(minutes=i, seconds=30)
    n = 4 + i % 5
    name = _NAMES[i % len(_NAMES)]
    transcript = [
        {
            "role": role,
            "start_time": _iso(start + timedelta(seconds=j * 3.7 + 0.4)),
            "content": text.format(name=name),
        }
        for j, (role, text) in enumerate(_LINES[:n])
    ]
    duration = int(n * 3.7 + 3)
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"rounded-call-{i}")),
        "status": status,
        "from_number": f"+1555020{i % 10000:04d}",
        "to_number": "+18005550199",
        "direction": "inbound" if i % 2 else "outbound",
        "organization_id": "123e4567-e89b-12d3-a456-426614174001",
        "type": "phone_call",
        "agent_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"rounded-agent-{i % 3}")),
        "metadata": {"source": "seed", "index": i},
        "start_time": _iso(start),
        "end_time": _iso(start + timedelta(seconds=duration)),
        "duration_seconds": duration,
        "redirect_duration_seconds": 0,
        "cost": round(0.05 + duration * 0.002, 4),
        "transcript_string": "\n".join(
            f"{'Agent' if t['role'] == 'agent' else 'User'}: {t['content']}" for t in transcript
        ),
        "transcript": transcript,
        "variable_values": [
            {
                "name": "customer_name",
                "type": "string",
                "value": name,
                "timestamp": _iso(start + timedelta(seconds=5)),
            }
        ],
        "answer_type": "human",
        "recording_url": None,
        "secure_recording_url": False,
    }


def sine_wav(seconds: float = 1.0, rate: int = 8000, freq: float = 440.0) -> bytes:
    """A small valid mono 16-bit WAV file."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * n / rate)))
        for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def seeded_server(n_each: int = 20, **kwargs: Any) -> StandinServer:
    """A server (not started) with both documented examples and `n_each` calls per provider."""
    server = StandinServer(**kwargs)
    server.add_call("ringyo", ringyo_doc_example())
    server.add_call("rounded", rounded_doc_example())
    server.add_call("rounded", rounded_doc_example_with_answers())
    for i in range(n_each):
        server.add_call("ringyo", make_ringyo_call(i))
        server.add_call("rounded", make_rounded_call(i))
    audio = sine_wav()
    server.add_recording("ringyo", "call_xyz789", audio)
    server.add_recording("rounded", _ROUNDED_DOC["id"], audio)
    server.add_recording("rounded", ROUNDED_ANSWERS_ID, audio)
    return server
