"""The bottom layer: errors, typed config loading, time formatting, package data paths, the registry.

Nothing in here imports another first-party package.
"""
