"""The therapy layer: scenario files, the player and its targets, timelines,
reports and plots, trumpet curves, and the fleet simulation.

May import: pyemu.host, pyemu.pump, pyemu.link, pyemu.protocol, pyemu.units.
"""
