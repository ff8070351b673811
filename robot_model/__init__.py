"""The robot itself, independent of any simulator: kinematics, dimensions and mounts, object shapes."""
