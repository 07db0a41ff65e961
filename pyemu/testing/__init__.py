"""Test support: the independent Python oracle of the dosing core, the C codec
binding the codec tests compare against, and the pytest plugin.

May import every layer below pyemu.cli.
"""
