"""A local SMTP server for the fault tests: accepts every message, optionally slowly, and
appends its Message-ID to a log (one line per delivery), so a test can count deliveries.

Usage: smtp_sink.py PORT LOGFILE DELAY_SECONDS
"""
import asyncio
import email
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, log, delay):
        self.log = log
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content)
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(f"{message.get('Message-ID', '(none)')}\n")
        return "250 OK"


def main():
    port, log, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    controller = Controller(Sink(log, delay), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
