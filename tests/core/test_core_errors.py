"""PumpError keeps its reason across pickling (process pools, Dask workers)."""
import pickle

from pyemu.pump.core import PumpError, REASONS


def test_pump_error_survives_pickling_with_its_reason():
    """Invariant: unpickling a PumpError gives the same code, name and message."""
    for code in sorted(REASONS):
        err = PumpError(code)
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is PumpError
        assert (back.reason_code, back.reason_name, back.message) == (
            err.reason_code, err.reason_name, err.message)
        assert str(back) == str(err)
