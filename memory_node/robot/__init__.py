"""Driving a robot over ROS 2: the topics it offers and RobotSkills over them (RosRobotSkills)."""
