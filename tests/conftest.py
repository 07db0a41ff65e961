"""Shared pytest configuration: hypothesis profiles.

`ci` (used by `make test`) is derandomized so CI is reproducible; `deep` runs
many more examples for long local or nightly runs (`HYPOTHESIS_PROFILE=deep
make test`). Every profile prints the `@reproduce_failure` blob of a shrunk
failing example, so a failure can be replayed exactly.
"""
import os

from hypothesis import HealthCheck, settings, Verbosity

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=200,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=5000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None, print_blob=True)
settings.register_profile("debug", max_examples=20, deadline=None, print_blob=True, verbosity=Verbosity.verbose)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
