"""The single-node executor: EventsExecutor where rclpy has it, SingleThreadedExecutor where it does not."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("rclpy")

CODE = """
import sys
{block}
import rclpy
from lifecycle_msgs.srv import GetState
from memory_node.rclpy_executors import single_node_executor
rclpy.init()
server = rclpy.create_node("served")
server.create_service(GetState, "ping", lambda req, res: setattr(res.current_state, "label", "True") or res)
client_node = rclpy.create_node("asker")
executor = single_node_executor()
executor.add_node(server)
executor.add_node(client_node)
client = client_node.create_client(GetState, "ping")
assert client.wait_for_service(timeout_sec=30)
future = client.call_async(GetState.Request())
executor.spin_until_future_complete(future, timeout_sec=30)
print(type(executor).__name__, future.result().current_state.label)
"""


@pytest.mark.parametrize("block, expected", [
    ("sys.modules['rclpy.experimental'] = None  # an rclpy without it", "SingleThreadedExecutor"),
    ("", None),
], ids=["without-rclpy.experimental", "this-rclpy"])
def test_the_executor_exists_and_serves(ros_domain, block, expected):
    done = subprocess.run([sys.executable, "-c", CODE.format(block=block)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    name, success = done.stdout.split()[-2:]
    assert success == "True"
    if expected:
        assert name == expected
    else:
        import importlib.util

        has_events = importlib.util.find_spec("rclpy.experimental") is not None
        assert name == ("EventsExecutor" if has_events else "SingleThreadedExecutor")
