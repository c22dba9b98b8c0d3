"""Regenerate the bundled sample library: realistic calls with real speech (espeak-ng + sox).

Each transcript line is spoken separately, laid out on one timeline with realistic gaps, and
its start time in the JSON is exactly where its clip begins in the audio.

    python resources/sample/make_sample.py          # writes calls/, recordings/, manifest.json
    python resources/sample/make_sample.py --check  # re-measures the audio against the JSON
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import wave
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
RATE = 22050  # espeak-ng's native rate; sox resamples to 16 kHz for the Ogg files
AGENT_VOICE, CALLER_VOICE = "en-us", "en-gb+f3"

APPOINTMENT = [
    (
        "agent",
        "Hello, this is Ava calling from Brightside Dental. Am I speaking with Jordan Miller?",
    ),
    ("user", "Yes, this is Jordan."),
    (
        "agent",
        "Great. I'm calling to remind you of your cleaning appointment this Thursday at ten thirty in the morning.",
    ),
    ("user", "Oh right, Thursday. Is that still with Doctor Patel?"),
    ("agent", "Yes, it is with Doctor Patel at our Maple Street office."),
    ("user", "Perfect. Could you remind me if I need to bring anything?"),
    ("agent", "Just your insurance card and a photo ID. Please arrive ten minutes early."),
    ("user", "Okay, I'll be there. Thanks for calling."),
    ("agent", "You're welcome. Have a great day, Jordan."),
]

ORDER_STATUS = [
    (
        "agent",
        "Thank you for calling Northwind Outfitters. My name is Leo. How can I help you today?",
    ),
    ("user", "Hi, I ordered a rain jacket last week and it still hasn't arrived."),
    ("agent", "I'm sorry to hear that. Could you give me your order number?"),
    ("user", "Sure, it's N W four five eight two one."),
    # the slow agent response (a latency marker) comes before this line
    (
        "agent",
        "Thank you. I can see the order. It left our warehouse on Monday and is with the courier.",
    ),
    ("user", "Do you know when it will get here?"),
    ("agent", "The tracking shows delivery tomorrow before six in the evening."),
    # the long silence comes before this line
    ("user", "Sorry, I was checking my calendar. Tomorrow works. Can it be left with a neighbour?"),
    (
        "agent",
        "Yes. I've added a note asking the courier to leave it with your neighbour if you are out.",
    ),
    ("user", "Great, thank you so much."),
]

SUPPORT_EXCHANGES = [
    (
        "Thanks for calling Meridian Broadband support. This is Sam. What can I do for you?",
        "My internet keeps dropping out, maybe five or six times a day.",
    ),
    (
        "I'm sorry about that. Let me look up your account. Can I have the phone number on the account?",
        "It's five five five, zero one four two, seven seven.",
    ),
    (
        "Thank you. I found your account for Riley Chen at Oak Avenue. Is that right?",
        "Yes, that's me.",
    ),
    (
        "When the connection drops, do all your devices lose internet, or just one?",
        "All of them. The laptop, the phones, the television.",
    ),
    (
        "And how long does it usually stay down?",
        "Usually two or three minutes, then it comes back by itself.",
    ),
    (
        "Understood. I'm going to run a line test from our side. It takes a moment.",
        "Okay, no problem.",
    ),
    (None, None),  # tool invocation and response
    (
        "The line test shows several short signal drops over the last two days.",
        "So it's not my router?",
    ),
    (
        "It could be either, so let's check the router too. What lights do you see on the front?",
        "Power is green, internet is blinking orange, and Wi-Fi is green.",
    ),
    (
        "Blinking orange means the router is trying to reconnect. How old is the router?",
        "We got it when we signed up, about four years ago.",
    ),
    (
        "Thanks. Could you check that the grey cable at the back is firmly plugged in?",
        "Hang on. It was a bit loose actually. I pushed it back in.",
    ),
    (
        "That could explain it. A loose cable causes exactly these short drops.",
        "Should I restart the router now?",
    ),
    (
        "Yes please. Hold the power button for five seconds, then turn it back on.",
        "Okay, it's restarting. The lights are flashing.",
    ),
    (
        "It usually takes about two minutes to come back up.",
        "The internet light is solid green now.",
    ),
    ("Excellent. From my side the signal looks stable as well.", "That's good to hear."),
    (
        "I'd also like to update the router's software remotely. Is that all right?",
        "Sure, go ahead.",
    ),
    (
        "The update is running. Your connection will pause for about a minute.",
        "No problem, I'll wait.",
    ),
    (
        "The update is finished and the router has restarted again.",
        "Everything seems to be working on my phone.",
    ),
    (
        "Great. If the drops continue, we can send you a new router free of charge.",
        "That would be nice if it happens again.",
    ),
    (
        "I've added a note to your account, so the next agent will know what we did today.",
        "Thank you. And will I be charged for today's outage?",
    ),
    (
        "I can apply a credit of five dollars for the trouble. It will show on your next bill.",
        "Oh, that's kind of you.",
    ),
    (
        "Is there anything else I can help you with today?",
        "Actually, yes. Can I change the email address on the account?",
    ),
    ("Of course. What is the new email address?", "It's riley dot chen at example dot com."),
    (
        "Thank you. I've updated it and sent a confirmation to the new address.",
        "I just got it. Thanks.",
    ),
    ("Is there anything else?", "No, I think that's everything."),
    ("Thank you for your patience, Riley. Have a good evening.", "You too. Bye."),
]

SURVEY_ES = [
    ("agent", "Buenos días, le llamo de Solaria Energía para una breve encuesta de satisfacción."),
    ("user", "Sí, claro, dígame."),
    ("agent", "Del uno al cinco, ¿qué tan satisfecho está con la instalación de sus paneles?"),
    ("user", "Le doy un cinco. Los técnicos fueron muy amables y rápidos."),
    ("agent", "¡Qué bien! ¿Recomendaría nuestro servicio a un amigo o familiar?"),
    ("user", "Sí, ya se lo recomendé a mi cuñado. Gracias, adiós."),
]


def speak(text: str, voice: str, workdir: Path) -> list[bytes]:
    out = workdir / "line.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(out), text], check=True)
    with wave.open(str(out)) as clip:
        assert clip.getframerate() == RATE and clip.getnchannels() == 1
        return [clip.readframes(clip.getnframes())]


def build(
    lines: list[tuple[str, str]],
    voices: tuple[str, str],
    seed: int,
    specials: dict[int, float],
    workdir: Path,
    ogg: Path | None,
) -> tuple[list[float], float]:
    """Speak `lines` onto one timeline; returns start offsets (s) and the total duration (s)."""
    rng = random.Random(seed)
    frames = bytearray()
    starts: list[float] = []
    frames += b"\0\0" * int(RATE * 0.6)
    for i, (role, text) in enumerate(lines):
        if i:
            gap = specials.get(i, rng.uniform(0.4, 1.2))
            frames += b"\0\0" * int(RATE * gap)
        starts.append(len(frames) / 2 / RATE)
        if role.startswith("tool"):
            frames += b"\0\0" * int(RATE * 0.3)  # tools are silent in the audio
            continue
        voice = voices[0] if role == "agent" else voices[1]
        frames += b"".join(speak(text, voice, workdir))
    frames += b"\0\0" * int(RATE * 0.8)
    duration = len(frames) / 2 / RATE
    if ogg is not None:
        wav = workdir / "call.wav"
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(bytes(frames))
        subprocess.run(["sox", str(wav), "-r", "16000", "-C", "0", str(ogg)], check=True)
    return starts, duration


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def presigned(key: str, at: datetime) -> str:
    return (
        f"https://rounded-storage.s3.eu-west-3.amazonaws.com/calls/{key}.ogg"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=SAMPLE%2F"
        f"{at:%Y%m%d}%2Feu-west-3%2Fs3%2Faws4_request&X-Amz-Date={at:%Y%m%dT%H%M%SZ}"
        "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=sample"
    )


def support_lines() -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for agent, user in SUPPORT_EXCHANGES:
        if agent is None:
            lines.append(
                (
                    "tool_invocation",
                    '{"tool": "run_line_test", "arguments": {"account": "ACC-20931"}}',
                )
            )
            lines.append(("tool_response", '{"status": "ok", "drops_last_48h": 7, "snr_db": 18.5}'))
            continue
        lines.append(("agent", agent))
        lines.append(("user", user))
    return lines


def answers(items: list[tuple[str, str, str, object]]) -> list[dict[str, object]]:
    out = []
    for n, (name, description, qtype, value) in enumerate(items, 1):
        answer: dict[str, object] = {
            "id": f"ans-{n:04d}",
            "question": {
                "id": f"q-{n:04d}",
                "name": name,
                "description": description,
                "question_type": qtype,
                "is_optional": False,
                "question_origin": "system",
            },
            "has_answer": value is not None,
            "answer_text": value if qtype == "text" else None,
            "answer_number": value if qtype == "number" else None,
            "answer_boolean": value if qtype == "boolean" else None,
            "selected_options": (
                [{"option": {"id": f"opt-{n}", "value": value}}]
                if qtype == "select" and value
                else []
            ),
        }
        out.append(answer)
    return out


def generate(check_only: bool) -> int:
    calls_dir, rec_dir = HERE / "calls", HERE / "recordings"
    manifest: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        def write(
            provider: str,
            call: dict[str, object],
            description: str,
            lines: list[tuple[str, str]] | None,
            voices: tuple[str, str] = (AGENT_VOICE, CALLER_VOICE),
            specials: dict[int, float] | None = None,
            seed: int = 1,
        ) -> None:
            call_id = str(call["id"])
            recording = None
            starts: list[float] = []
            duration = 0.0
            if lines is not None:
                ogg = rec_dir / f"{provider}_{call_id}.ogg"
                starts, duration = build(
                    lines, voices, seed, specials or {}, work, None if check_only else ogg
                )
                recording = ogg
            if check_only:
                return
            if provider == "ringyo":
                if lines is not None:
                    call["transcript"] = [
                        {"role": r, "content": t, "timestamp": round(s, 3)}
                        for (r, t), s in zip(lines, starts, strict=True)
                    ]
                    call["duration"] = round(duration)
                    created = datetime.fromisoformat(str(call["created_at"]).replace("Z", "+00:00"))
                    call["ended_at"] = iso(created + timedelta(seconds=duration + 7))
            else:
                start = datetime.fromisoformat(str(call["start_time"]).replace("Z", "+00:00"))
                if lines is not None:
                    call["transcript"] = [
                        {"role": r, "start_time": iso(start + timedelta(seconds=s)), "content": t}
                        for (r, t), s in zip(lines, starts, strict=True)
                    ]
                    call["transcript_string"] = "\n".join(
                        f"{'Agent' if r == 'agent' else 'User' if r == 'user' else 'Tool'}: {t}"
                        for r, t in lines
                    )
                    call["duration_seconds"] = round(duration)
                    call["end_time"] = iso(start + timedelta(seconds=duration))
                    call["recording_url"] = presigned(
                        call_id, start + timedelta(seconds=duration + 30)
                    )
                    for var in call.get("variable_values", []):  # type: ignore[union-attr]
                        var["timestamp"] = iso(
                            start + timedelta(seconds=starts[int(var.pop("line"))] + 1.5)
                        )
            path = calls_dir / provider / f"{call_id}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(call, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            entry: dict[str, object] = {
                "provider": provider,
                "call_id": call_id,
                "file": str(path.relative_to(HERE)),
                "recording": None,
                "recording_sha256": None,
                "recording_duration_ms": None,
                "description": description,
            }
            if recording is not None:
                entry["recording"] = str(recording.relative_to(HERE))
                entry["recording_sha256"] = hashlib.sha256(recording.read_bytes()).hexdigest()
                entry["recording_duration_ms"] = round(duration * 1000)
            manifest.append(entry)

        rec_dir.mkdir(exist_ok=True)
        write(
            "ringyo",
            {
                "id": "call_7f3a9c21",
                "status": "completed",
                "phone_number": "+15550142210",
                "from_number": "+15550100100",
                "agent_id": "agent_reminders_ava",
                "recording_url": "https://storage.ringyo.ai/recordings/call_7f3a9c21.mp3",
                "metadata": {
                    "patient_id": "P-88213",
                    "campaign": "appointment_reminders",
                    "clinic": "Maple Street",
                },
                "analysis": {
                    "summary": "Reminded Jordan Miller of Thursday's 10:30 cleaning with Dr Patel; the patient confirmed and asked what to bring.",
                    "outcome": "appointment_confirmed",
                    "sentiment": "positive",
                    "successful": True,
                    "extracted_data": {
                        "appointment_confirmed": True,
                        "appointment_time": "Thursday 10:30",
                        "items_to_bring": ["insurance card", "photo ID"],
                    },
                },
                "created_at": "2026-11-03T15:02:11Z",
            },
            "Ringyo: completed appointment reminder with analysis",
            APPOINTMENT,
            seed=11,
        )
        write(
            "ringyo",
            {
                "id": "call_b84e0d55",
                "status": "no_answer",
                "phone_number": "+15550142277",
                "from_number": "+15550100100",
                "agent_id": "agent_reminders_ava",
                "metadata": {"patient_id": "P-90412", "campaign": "appointment_reminders"},
                "created_at": "2026-11-03T15:06:40Z",
                "ended_at": "2026-11-03T15:07:12Z",
            },
            "Ringyo: no answer (no transcript, no recording)",
            None,
        )
        write(
            "ringyo",
            {
                "id": "call_e2c91a07",
                "status": "in_progress",
                "phone_number": "+15550142301",
                "from_number": "+15550100100",
                "agent_id": "agent_reminders_ava",
                "transcript": [
                    {
                        "role": "agent",
                        "content": "Hello, this is Ava from Brightside Dental. Is this Morgan?",
                        "timestamp": 0.6,
                    },
                    {"role": "user", "content": "Yes, speaking.", "timestamp": 4.9},
                    {
                        "role": "agent",
                        "content": "I'm calling about your appointment next Tuesday.",
                        "timestamp": 6.3,
                    },
                ],
                "metadata": {"patient_id": "P-90577", "campaign": "appointment_reminders"},
                "created_at": "2026-11-24T09:15:02Z",
            },
            "Ringyo: call still in progress (partial transcript, no duration)",
            None,
        )

        rounded_common = {
            "organization_id": "3f0b7c1e-5a5d-4c8e-9a51-2b7f0c6d1e42",
            "type": "phone_call",
            "redirect_duration_seconds": 0,
            "answer_type": "human",
            "secure_recording_url": True,
        }
        write(
            "rounded",
            {
                "id": "9b2f6c1a-4e7d-4b8a-a3c5-1d2e3f4a5b6c",
                "status": "completed",
                "from_number": "+15550177342",
                "to_number": "+15550100200",
                "direction": "inbound",
                **rounded_common,
                "agent_id": "7c1d2e3f-0a1b-4c2d-8e9f-a0b1c2d3e4f5",
                "metadata": {"store": "online", "queue": "orders"},
                "start_time": "2026-11-12T14:21:05Z",
                "cost": 0.21,
                "variable_values": [
                    {"name": "order_number", "type": "string", "value": "NW45821", "line": 3},
                    {
                        "name": "delivery_date",
                        "type": "string",
                        "value": "tomorrow before 18:00",
                        "line": 6,
                    },
                    {"name": "leave_with_neighbour", "type": "boolean", "value": True, "line": 8},
                ],
                "post_call_answers": answers(
                    [
                        ("issue_resolved", "Was the customer's issue resolved?", "boolean", True),
                        (
                            "summary",
                            "Summarize the call in one sentence.",
                            "text",
                            "Customer asked about a delayed rain jacket; delivery is tomorrow and may be left with a neighbour.",
                        ),
                        ("topic", "Which topic did the call cover?", "select", "Order status"),
                        (
                            "satisfaction",
                            "How satisfied did the customer sound (1-5)?",
                            "number",
                            4,
                        ),
                        (
                            "callback_requested",
                            "Did the customer ask for a callback?",
                            "boolean",
                            None,
                        ),
                    ]
                ),
            },
            "Rounded: order status with variables, post-call answers, a slow reply and a long silence",
            ORDER_STATUS,
            specials={4: 2.6, 7: 4.2},
            seed=21,
        )
        write(
            "rounded",
            {
                "id": "c41d8e2b-7a9f-4e3c-b1d0-5f6a7b8c9d0e",
                "status": "completed",
                "from_number": "+15550142077",
                "to_number": "+15550100300",
                "direction": "inbound",
                **rounded_common,
                "agent_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                "metadata": {"account": "ACC-20931", "queue": "technical_support"},
                "start_time": "2026-11-18T19:42:30Z",
                "cost": 0.64,
                "variable_values": [
                    {"name": "account_number", "type": "string", "value": "ACC-20931", "line": 4},
                    {
                        "name": "new_email",
                        "type": "string",
                        "value": "riley.chen@example.com",
                        "line": 45,
                    },
                ],
                "post_call_answers": answers(
                    [
                        ("issue_resolved", "Was the customer's issue resolved?", "boolean", True),
                        (
                            "root_cause",
                            "What caused the problem?",
                            "text",
                            "Loose cable at the router; firmware updated.",
                        ),
                        ("credit_applied", "Was a credit applied?", "boolean", True),
                    ]
                ),
            },
            "Rounded: long technical-support call (50+ lines, tool call and response)",
            support_lines(),
            seed=31,
        )
        write(
            "rounded",
            {
                "id": "e8f7a6b5-c4d3-4e2f-a1b0-9c8d7e6f5a4b",
                "status": "completed",
                "from_number": "+15550100400",
                "to_number": "+34555019283",
                "direction": "outbound",
                **rounded_common,
                "agent_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
                "metadata": {"survey": "post_installation", "language": "es"},
                "start_time": "2026-11-20T10:05:44Z",
                "cost": 0.12,
                "variable_values": [],
                "post_call_answers": answers(
                    [
                        ("satisfaction", "Satisfacción con la instalación (1-5)", "number", 5),
                        ("would_recommend", "¿Recomendaría el servicio?", "boolean", True),
                    ]
                ),
            },
            "Rounded: Spanish survey call (accented text)",
            SURVEY_ES,
            voices=("es", "es+f3"),
            seed=41,
        )

    if check_only:
        return check()
    (HERE / "manifest.json").write_text(
        json.dumps({"version": 1, "calls": manifest}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return check()


def check() -> int:
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    problems = 0
    for entry in manifest["calls"]:
        call = json.loads((HERE / entry["file"]).read_text(encoding="utf-8"))
        if entry["recording"] is None:
            continue
        ogg = HERE / entry["recording"]
        if hashlib.sha256(ogg.read_bytes()).hexdigest() != entry["recording_sha256"]:
            print(f"{ogg.name}: checksum differs from the manifest")
            problems += 1
        seconds = float(
            subprocess.run(
                ["soxi", "-D", str(ogg)], capture_output=True, text=True, check=True
            ).stdout
        )
        stated = call.get("duration", call.get("duration_seconds"))
        lines = call["transcript"]
        if entry["provider"] == "ringyo":
            last = lines[-1]["timestamp"]
        else:
            start = datetime.fromisoformat(call["start_time"].replace("Z", "+00:00"))
            last = (
                datetime.fromisoformat(lines[-1]["start_time"].replace("Z", "+00:00")) - start
            ).total_seconds()
        ok = abs(seconds - stated) <= 1 and last < seconds
        print(
            f"{entry['provider']}:{entry['call_id']}: audio {seconds:.2f} s, stated {stated} s, "
            f"{len(lines)} lines, last starts {last:.2f} s: {'ok' if ok else 'MISMATCH'}"
        )
        problems += not ok
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    sys.exit(check() if args.check else generate(False))
