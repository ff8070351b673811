"""planner_server: the planner as ROS 2 action servers (AnswerQuestion, ExecuteTask).

`answer_question` (memory_interfaces/action/AnswerQuestion) answers a natural-language question
with a planner (voi | memory-only | explore-all | fixed-budget), publishing feedback for every
exploration step (target looked at, expected gain, cost, confidence after). `execute_task`
(memory_interfaces/action/ExecuteTask) carries out "bring the mug to the counter", publishing
feedback per skill (started / succeeded / failed).

Without a robot (parameter `robot` = "none", the default) questions are answered from memory alone
and the result says so: `stopped_by` = "memory-only"; tasks are aborted with the reason
"no robot connected". With `robot` = "ros" the skills of `memory_node.robot.ros_skills.RosRobotSkills`
drive the robot (or the simulator's `sim_node`). From Python, a `RobotSkills` (and a
`FrameProcessor`) can be handed to the constructor instead.

Settings come from the StackConfig named by the `config_file` parameter (question_answering,
tasks, paths, memory and perception sections); cost_weight, budget_m, max_replans and case_db_path
default to the file's values and win over them when set. A goal's `max_path_m` replaces the travel
budget of the goal's planner only (voi: budget_m, fixed-budget: fixed_budget_m, 15 m by default).

The memory is a `memory_node.shared_store.SharedStore` (shared with a memory_server in the same
process, re-opened when another process changed the file); it is opened at the first goal, so
constructing the node touches no file.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from memory_node.ros_environment import node_main_guard
from memory_stack.composition.planner_registry import check_planner, planner_names
from memory_stack.foundation.errors import BadInputError

try:
    from geometry_msgs.msg import Point
    from memory_interfaces.action import AnswerQuestion, ExecuteTask
    from rclpy.action import ActionServer, CancelResponse, GoalResponse
    from rclpy.callback_groups import ReentrantCallbackGroup
    from rclpy.lifecycle import Node as LifecycleNode
    from rclpy.lifecycle import State, TransitionCallbackReturn
except ImportError:  # main() reports what is missing through node_main_guard
    LifecycleNode = object

LOG = logging.getLogger(__name__)
NODE_NAME = "planner_server"
ROBOTS = ("none", "ros")


class LockedMemory:
    """The shared store seen through its lock: every method call holds the lock for that call only.

    Long explorations then never block ingestion or the memory server for more than one query.
    """

    def __init__(self, shared: Any, refresh_period_s: float = 1.0) -> None:
        self._shared = shared
        self._refresh_period_s = refresh_period_s

    def refresh(self) -> None:
        self._shared.refresh_if_changed(self._refresh_period_s)

    def __getattr__(self, name: str) -> Any:
        shared = self._shared
        with shared.lock:
            value = getattr(shared.store, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:  # a call may write (ingest, record_manipulation)
            with shared.writing, shared.lock:
                return getattr(shared.store, name)(*args, **kwargs)

        return call


def _declare(node: Any, name: str, default: Any, description: str, value_range: tuple[float, float] | None = None,
             choices: tuple[str, ...] = (), dynamic: bool = False) -> Any:
    from memory_node.parameter_declaration import declare

    return declare(node, name, default, description, value_range, choices, dynamic)


class PlannerServer(LifecycleNode):
    """Action servers for question answering and task execution over the shared memory (a lifecycle node).

    `on_configure` opens the memory and fails when there is none (no file at `db_path` within
    `memory_wait_s`, or an in-process ':memory:' store nobody opened): a planner with no memory
    behind it does not come up. Goals are accepted only while active; otherwise they are rejected.
    """

    def __init__(self, node_name: str = NODE_NAME, memory: Any = None, skills: Any = None, processor: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(node_name, **kwargs)
        from memory_node.config_file_parameter import declare_config_file

        try:
            self.stack_config = declare_config_file(self)
        except BadInputError:
            super().destroy_node()  # nothing of this class is built yet for its destroy_node to take down
            raise
        exploration = self.stack_config.question_answering.exploration
        self.db_path = _declare(self, "db_path", "memory.db", "SQLite memory file (':memory:' for none)")
        self.floor_plan_file = _declare(self, "floor_plan_file", "",
                                        "prior map: a floor-plan or scenario YAML ('' = none)")
        self.cost_weight = _declare(self, "cost_weight", exploration.cost_weight,
                                    "VOI: probability of a correct answer one metre of travel must buy "
                                    "(0 = look until certain or out of budget; larger = answer from memory more)",
                                    (0.0, 10.0), dynamic=True)
        self.budget_m = _declare(self, "budget_m", exploration.budget_m,
                                 "VOI: exploration budget per question (metres)", (0.0, 1000.0), dynamic=True)
        self.default_planner = _declare(self, "default_planner", "voi",
                                        "planner when a goal leaves it empty", choices=tuple(planner_names()),
                                        dynamic=True)
        self.robot = _declare(self, "robot", "none",
                              "skills backend: none (answer from memory alone) or ros (memory_node.robot.ros_skills)",
                              choices=ROBOTS)
        self.case_db_path = _declare(self, "case_db_path", self.stack_config.paths.case_memory or "",
                                     "SQLite file of past task executions ('' = next to db_path)")
        self.max_replans = _declare(self, "max_replans", self.stack_config.tasks.max_replans,
                                    "replans allowed per task", (0, 20), dynamic=True)
        self.refresh_period_s = _declare(self, "refresh_period_s", 1.0,
                                         "re-open the memory at most this often when another process wrote it (s)",
                                         (0.0, 60.0))
        self.memory_wait_s = _declare(self, "memory_wait_s", 30.0,
                                      "configure waits this long for the memory file (written by memory_server or "
                                      "ingest_node) before failing (s)", (0.0, 3600.0))
        from memory_node.parameter_declaration import (
            declare_autostart,
            follow_dynamic_parameters,
            require_parameters_under_namespace,
        )

        self.autostart = declare_autostart(self)
        follow_dynamic_parameters(self)
        try:
            require_parameters_under_namespace(self)
        except BadInputError:
            super().destroy_node()
            raise
        self._active = False
        self._memory = memory
        self._skills = skills
        self._processor = processor
        self._owns_skills = False
        self._shared = None
        self._case_memory = None
        self._setup_lock = threading.Lock()
        self._run_lock = threading.Lock()
        group = ReentrantCallbackGroup()
        self._answer_server = ActionServer(
            self, AnswerQuestion, "answer_question", execute_callback=self._execute_answer,
            goal_callback=self._accept_when_active, cancel_callback=lambda _goal: CancelResponse.REJECT,
            callback_group=group)
        self._task_server = ActionServer(
            self, ExecuteTask, "execute_task", execute_callback=self._execute_task,
            goal_callback=self._accept_when_active, cancel_callback=lambda _goal: CancelResponse.REJECT,
            callback_group=group)

    # ----------------------------------------------------------------- lifecycle
    def _accept_when_active(self, _goal: Any) -> Any:
        if self._active:
            return GoalResponse.ACCEPT
        self.get_logger().warning("goal rejected: planner_server is not active")
        return GoalResponse.REJECT

    def on_configure(self, state: State) -> TransitionCallbackReturn:
        try:
            self._wait_for_the_memory()
            _ = self.memory
        except Exception as exc:  # no memory, or a bad file: stay unconfigured, say why
            self.get_logger().error(f"configure failed: {exc}")
            return TransitionCallbackReturn.FAILURE
        self.get_logger().info(f"configured: memory {self.db_path}")
        return TransitionCallbackReturn.SUCCESS

    def _wait_for_the_memory(self) -> None:
        import time
        from pathlib import Path

        from memory_node.shared_store import is_open

        if self._memory is not None:
            return
        if self.db_path in ("", ":memory:"):
            if not is_open(self.db_path):
                raise BadInputError("db_path ':memory:': no memory_server or ingest_node in this process holds it")
            return
        deadline = time.monotonic() + self.memory_wait_s
        while not Path(self.db_path).expanduser().exists() and not is_open(self.db_path):
            if time.monotonic() >= deadline:
                raise BadInputError(f"db_path {self.db_path!r}: no memory there after {self.memory_wait_s:g} s "
                                    "(start memory_server or ingest_node, or point db_path at a memory)")
            time.sleep(0.1)

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        self._active = True
        return super().on_activate(state)

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._active = False
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._release_memory()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._active = False
        self._release_memory()
        return TransitionCallbackReturn.SUCCESS

    def _release_memory(self) -> None:
        if self._shared is not None:
            self._shared.release(writer=self.has_robot)
            self._shared = None
            self._memory = None

    # ----------------------------------------------------------------- set-up on first use
    @property
    def memory(self) -> Any:
        with self._setup_lock:
            if self._memory is None:
                from memory_node.shared_store import SharedStore, load_floor_plan

                self._shared = SharedStore.acquire(self.db_path, load_floor_plan(self.floor_plan_file),
                                                   writer=self.has_robot, config=self.stack_config.memory)
                self._memory = LockedMemory(self._shared, self.refresh_period_s)
            elif isinstance(self._memory, LockedMemory):
                self._memory.refresh()
            return self._memory

    @property
    def skills(self) -> Any:
        if self._skills is None and self.robot == "ros":
            from memory_node.robot.ros_skills import RosRobotSkills
            from memory_stack.foundation.time_epoch import MemoryClock

            self._skills = RosRobotSkills(node_name=f"{self.get_name()}_skills")
            self._owns_skills = True
            memory = self.memory  # the robot's frames are stamped in ROS time; the memory keeps its own
            self._skills.memory_clock = MemoryClock(self.stack_config.memory.time_epoch, memory.time_epoch)
            self._skills.record_epoch = memory.set_time_epoch
        return self._skills

    @property
    def has_robot(self) -> bool:
        return self._skills is not None or self.robot != "none"

    @property
    def processor(self) -> Any:
        if self._processor is None:
            from memory_stack.composition.assembly import build_perception

            self._processor = build_perception(self.stack_config)
        return self._processor

    @property
    def case_memory(self) -> Any:
        if self._case_memory is None:
            from memory_stack.composition.assembly import open_case_memory

            paths = dataclasses.replace(self.stack_config.paths, case_memory=self.case_db_path or None)
            self._case_memory = open_case_memory(self.db_path, dataclasses.replace(self.stack_config, paths=paths))
        return self._case_memory

    def explorer(self) -> Any:
        if not self.has_robot or self.skills is None:
            return None
        from memory_stack.composition.assembly import build_explorer

        return build_explorer(self.skills, self.processor, self.memory)

    def _with_node_parameters(self, exploration: Any) -> Any:
        """`exploration` with the node's cost_weight and budget_m where they were set apart from the file's values."""
        from_file = self.stack_config.question_answering.exploration
        parameters = {"cost_weight": float(self.cost_weight), "budget_m": float(self.budget_m)}
        changed = {name: value for name, value in parameters.items() if value != getattr(from_file, name)}
        return dataclasses.replace(exploration, **changed)

    def qa_config(self, planner: str = "voi", max_path_m: float = 0.0) -> Any:
        """Question answering's settings; a goal's `max_path_m` > 0 is `planner`'s travel budget."""
        from memory_stack.composition.assembly import question_answering_config

        qa = self.stack_config.question_answering
        qa = dataclasses.replace(qa, exploration=self._with_node_parameters(qa.exploration))
        config = dataclasses.replace(self.stack_config, question_answering=qa)
        return question_answering_config(config, planner, max_path_m if max_path_m > 0 else None)

    def task_config(self) -> Any:
        tasks = self.stack_config.tasks
        return dataclasses.replace(tasks, max_replans=int(self.max_replans),
                                   search=self._with_node_parameters(tasks.search))

    # ----------------------------------------------------------------- AnswerQuestion
    def answer(self, question: str, time: float | None, planner: str, max_path_m: float = 0.0,
               on_step: Any = None) -> Any:
        """The action's work without ROS types (also used by tests and `memstack up`)."""
        from memory_stack.composition.assembly import build_answerer
        from planners.question_answering import latest_memory_time

        planner = planner or self.default_planner
        try:
            check_planner(planner)
        except BadInputError as exc:
            raise BadInputError(f"goal field 'planner': {exc}") from None
        memory = self.memory
        now = float(time) if time is not None else latest_memory_time(memory)
        with self._run_lock:
            explorer = self.explorer()
            answerer = build_answerer(memory, explorer, self.stack_config, self.qa_config(planner, max_path_m))
            return answerer.answer(question, now, planner=planner, on_step=on_step)

    def _execute_answer(self, goal_handle: Any) -> Any:
        from memory_node.memory_server import MAP_FRAME, memory_epoch
        from memory_node.message_conversion import memory_stamp, stamp_to_seconds
        from planners.question_answering import latest_memory_time

        request = goal_handle.request
        result = AnswerQuestion.Result()
        memory = self.memory
        epoch = memory_epoch(memory)
        at = stamp_to_seconds(request.time) - epoch if request.has_time else None

        def feedback(record: Any) -> None:
            msg = AnswerQuestion.Feedback()
            msg.step = int(record.step)
            msg.action = "look"
            msg.target = str(record.target)
            msg.expected_gain = float(record.expected_gain)
            msg.cost = float(record.cost_m)
            msg.confidence = float(record.confidence)
            goal_handle.publish_feedback(msg)

        try:
            if at is not None and at < 0:
                raise BadInputError("goal field 'time': before this memory's d1 00:00")
            report = self.answer(request.question, at, request.planner, request.max_path_m, feedback)
        except BadInputError as exc:
            self.get_logger().warning(f"answer_question: {exc}")
            result.answer = f"error: {exc}"
            result.stopped_by = "error"
            goal_handle.abort()
            return result
        result.header.frame_id = MAP_FRAME
        result.header.stamp = memory_stamp(at if at is not None else latest_memory_time(memory), epoch)
        result.answer = report.text
        result.confidence = float(report.confidence)
        result.stopped_by = report.stopped_by
        result.evidence = [str(e) for e in report.evidence]
        if report.position is not None:
            result.position = Point(x=float(report.position[0]), y=float(report.position[1]),
                                    z=float(report.position[2]))
        result.room = report.room or ""
        result.steps = int(report.steps)
        result.path_length_m = float(report.path_length_m)
        goal_handle.succeed()
        return result

    # ----------------------------------------------------------------- ExecuteTask
    def execute(self, task: str, on_step: Any = None) -> Any:
        """The task action's work without ROS types."""
        from memory_stack.composition.assembly import build_task_planner
        from planners.acting.task_planning import TaskReport
        from planners.question_answering import latest_memory_time

        if not self.has_robot or self.skills is None:
            return TaskReport(False, "no robot connected (parameter robot is 'none'): tasks need skills")
        memory = self.memory
        with self._run_lock:
            planner = build_task_planner(memory, self.skills, self.explorer(), self.case_memory, self.stack_config,
                                         self.processor, self.task_config())
            return planner.execute(task, latest_memory_time(memory), on_step=on_step)

    def _execute_task(self, goal_handle: Any) -> Any:
        result = ExecuteTask.Result()

        def feedback(step: Any) -> None:
            msg = ExecuteTask.Feedback()
            msg.step = int(step.step)
            msg.skill = str(step.skill)
            msg.target = str(step.target)
            msg.status = str(step.status)
            msg.detail = str(step.detail)
            goal_handle.publish_feedback(msg)

        try:
            report = self.execute(goal_handle.request.task, feedback)
        except BadInputError as exc:
            self.get_logger().warning(f"execute_task: {exc}")
            result.success = False
            result.reason = f"error: {exc}"
            goal_handle.abort()
            return result
        result.success = bool(report.success)
        result.reason = report.reason
        result.cannot = report.cannot
        result.steps = int(report.steps)
        result.replans = int(report.replans)
        result.path_length_m = float(report.path_length_m)
        if report.success:
            goal_handle.succeed()
        else:
            goal_handle.abort()
        return result

    def destroy_node(self) -> None:
        self._answer_server.destroy()
        self._task_server.destroy()
        if self._case_memory is not None:
            self._case_memory.close()
        if self._owns_skills and self._skills is not None:
            self._skills.shutdown()
        self._release_memory()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    node_main_guard()
    from memory_node.node_process import node_executable

    node_executable(args, with_ingest=False, with_server=False, with_planner=True)


if __name__ == "__main__":
    main()
