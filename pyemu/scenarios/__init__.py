"""Therapy scenarios shipped with pyemu (TOML; see docs/scenarios.md). Load by name: pyemu.therapy.scenario.load_scenario("demo")."""
