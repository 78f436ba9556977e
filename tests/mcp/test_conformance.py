"""The MCP conformance suite (npm ``@modelcontextprotocol/conformance``, run by ``npx`` under Node 22 from npm)
against the Voltline shop's /mcp. Run by ``make test-mcp`` and ``make test-slow``: it downloads the suite.

Only the scenarios that apply to this server run. The others test the suite's own fixture tools, resources and
prompts (``test_image_content``, ``test://static-text``, ``test_simple_prompt``, ...). Some need capabilities a shop
does not offer: sampling, elicitation, completion, resource subscriptions, log levels. Those are listed, with
the reason, in ``NOT_APPLICABLE``; the note of the issue gives the whole suite's count.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.live_server import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.integration]

SUITE = "@modelcontextprotocol/conformance@0.1.16"
APPLICABLE = ("server-initialize", "ping", "tools-list", "tools-call-error", "resources-list", "prompts-list",
              "server-sse-multiple-streams", "dns-rebinding-protection")  # fmt: skip
NOT_APPLICABLE = {
    "the suite's fixture tools": ("tools-call-image", "tools-call-audio", "tools-call-embedded-resource",
                                  "tools-call-mixed-content", "tools-call-with-logging", "tools-call-with-progress"),
    "sampling and elicitation (the server never asks the client)": ("tools-call-sampling", "tools-call-elicitation",
                                                                    "elicitation-sep1034-defaults",
                                                                    "elicitation-sep1330-enums"),
    "the suite's fixture resources and prompts": ("resources-read-text", "resources-read-binary",
                                                  "resources-templates-read", "prompts-get-simple",
                                                  "prompts-get-with-args", "prompts-get-embedded-resource",
                                                  "prompts-get-with-image"),
    "capabilities not offered": ("completion-complete", "resources-subscribe", "resources-unsubscribe",
                                 "logging-set-level"),
}  # fmt: skip


@pytest.mark.skipif(shutil.which("npx") is None, reason="npx (npm) is not installed")
@pytest.mark.parametrize("scenario", APPLICABLE)
def test_conformance_scenario(scripted_shop: LiveServer, scenario: str) -> None:
    done = subprocess.run(
        ["npx", "-y", "-p", "node@22", "-p", SUITE, "--", "conformance", "server",
         "--url", f"{scripted_shop.url}/mcp/", "--scenario", scenario],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    assert done.returncode == 0 and re.search(r"Passed: (\d+)/\1, 0 failed", output), output[-2000:]
