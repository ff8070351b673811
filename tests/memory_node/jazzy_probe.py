"""Run by test_jazzy_wheels.py with the Jazzy venv's python: memory_server in a process of its own.

It is driven from this process over DDS; one JSON line of what was observed is printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time


def main(db: str) -> None:
    import rclpy
    from lifecycle_msgs.msg import Transition
    from lifecycle_msgs.srv import ChangeState, GetState
    from memory_interfaces.srv import QueryMemory
    from rcl_interfaces.srv import SetParameters
    from rclpy.parameter import Parameter

    from memory_node.rclpy_executors import single_node_executor

    server = subprocess.Popen([sys.executable, "-m", "memory_node.memory_server", "--ros-args", "-p",
                               f"db_path:={db}",
                               "-p", "perception_process:=false"], stderr=subprocess.PIPE, text=True)
    rclpy.init()
    node = rclpy.create_node("jazzy_probe")
    executor = single_node_executor(context=node.context)
    executor.add_node(node)
    seen: dict = {"rclpy": rclpy.__file__, "executor": type(executor).__name__}

    def call(srv_type, name, request):
        client = node.create_client(srv_type, name)
        assert client.wait_for_service(timeout_sec=120.0), name
        future = client.call_async(request)
        executor.spin_until_future_complete(future, timeout_sec=60.0)
        node.destroy_client(client)
        return future.result()

    try:
        deadline = time.monotonic() + 120.0
        while call(GetState, "/memory_server/get_state", GetState.Request()).current_state.label != "active":
            assert time.monotonic() < deadline and server.poll() is None, "memory_server never became active"
            time.sleep(0.5)
        seen["state"] = "active"
        seen["query"] = call(QueryMemory, "/query_memory", QueryMemory.Request(kind="objects")).success
        read_only = Parameter("db_path", value="/tmp/other.db").to_parameter_msg()
        seen["db_path_set"] = call(SetParameters, "/memory_server/set_parameters",
                                   SetParameters.Request(parameters=[read_only])).results[0].successful
        dynamic = Parameter("max_results", value=3).to_parameter_msg()
        seen["max_results_set"] = call(SetParameters, "/memory_server/set_parameters",
                                       SetParameters.Request(parameters=[dynamic])).results[0].successful
        deactivate = ChangeState.Request(transition=Transition(id=Transition.TRANSITION_DEACTIVATE))
        seen["deactivated"] = call(ChangeState, "/memory_server/change_state", deactivate).success
        refused = call(QueryMemory, "/query_memory", QueryMemory.Request(kind="objects"))
        seen["inactive_query"] = [refused.success, refused.error]
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        server.terminate()
        seen["server_stderr_tail"] = server.communicate(timeout=60)[1][-1500:]
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1])
